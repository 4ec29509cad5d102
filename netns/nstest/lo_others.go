//go:build !linux

package nstest

import "github.com/nlkit/nlkit/netns"

func linkUp(string) error { return netns.ErrNotSupported }

//go:build !linux

package planted

import "errors"

var errOther = errors.New("planted: not on this system")

var otherState = 0

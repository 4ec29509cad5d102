//go:build linux

package route

import (
	"errors"
	"testing"

	"github.com/nlkit/nlkit"
)

// TestIssue15ClientNilContext: route refuses a nil context as the core does (it used to stand in
// context.Background() for it), in requests, lists and streams, and sends nothing.
func TestIssue15ClientNilContext(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}}}
	c := k.client(t)
	//lint:ignore SA1012 the nil context is the test
	if _, err := c.Link.Get(nil, 1); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("Link.Get(nil): %v", err)
	}
	//lint:ignore SA1012 the nil context is the test
	if _, err := c.Link.List(nil, nil); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("Link.List(nil): %v", err)
	}
	//lint:ignore SA1012 the nil context is the test
	for _, err := range c.Route.All(nil, nil) {
		if !errors.Is(err, nlkit.ErrNilContext) {
			t.Errorf("Route.All(nil) yields %v", err)
		}
	}
	//lint:ignore SA1012 the nil context is the test
	if err := c.Link.Set(nil, 1, LinkSet{Up: true}); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("Link.Set(nil): %v", err)
	}
	if n := len(k.requests()); n != 0 {
		t.Errorf("%d requests sent with a nil context", n)
	}
}

package unit_test

import (
	"errors"
	"testing"

	"github.com/nlkit/nlkit/families/unit"
)

// TestRequiredFields checks that each constructor refuses a config without its required field with a
// *unit.ConfigError naming that field, before it opens anything.
func TestRequiredFields(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dial  func() (interface{ Close() error }, error)
		field string
	}{
		{"DialClient(nil)", func() (interface{ Close() error }, error) { return unit.DialClient(nil) },
			"ClientConfig.Server"},
		{"DialClient without Server", func() (interface{ Close() error }, error) {
			return unit.DialClient(&unit.ClientConfig{Config: unit.Config{PortID: 1234}})
		}, "ClientConfig.Server"},
		{"DialPeer(nil)", func() (interface{ Close() error }, error) { return unit.DialPeer(nil) },
			"PeerConfig.Remote"},
		{"DialPeer without Remote", func() (interface{ Close() error }, error) {
			return unit.DialPeer(&unit.PeerConfig{Config: unit.Config{PortID: 5001}})
		}, "PeerConfig.Remote"},
		{"DialSubscriber(nil)", func() (interface{ Close() error }, error) { return unit.DialSubscriber(nil) },
			"SubscriberConfig.Groups"},
		{"DialSubscriber with group 0", func() (interface{ Close() error }, error) {
			return unit.DialSubscriber(&unit.SubscriberConfig{Groups: []uint32{3, 0}})
		}, "SubscriberConfig.Groups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.dial()
			var ce *unit.ConfigError
			if !errors.As(err, &ce) {
				if err == nil {
					c.Close()
				}
				t.Fatalf("got %v, want a *unit.ConfigError", err)
			}
			if ce.Field != tc.field || ce.Reason == "" {
				t.Fatalf("got Field %q Reason %q, want Field %q and a reason", ce.Field, ce.Reason, tc.field)
			}
		})
	}
}

// TestKernelPortidOnKernelUnit checks that portid 0 is a valid server and remote on a unit other than
// NETLINK_USERSOCK, where it is the kernel module's socket: the constructor gets as far as the socket (an
// unregistered unit then gives a *nlkit.UnitError, not a *unit.ConfigError).
func TestKernelPortidOnKernelUnit(t *testing.T) {
	cfg := unit.Config{Unit: 30} // MAX_LINKS - 2: no kernel registers it
	var ce *unit.ConfigError
	if c, err := unit.DialClient(&unit.ClientConfig{Config: cfg}); errors.As(err, &ce) {
		t.Fatalf("DialClient with Server 0 on unit 30: %v", err)
	} else if err == nil {
		c.Close()
	}
	if p, err := unit.DialPeer(&unit.PeerConfig{Config: cfg}); errors.As(err, &ce) {
		t.Fatalf("DialPeer with Remote 0 on unit 30: %v", err)
	} else if err == nil {
		p.Close()
	}
}

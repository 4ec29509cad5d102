//go:build linux

package compat

import (
	"testing"

	"github.com/nlkit/nlkit"
)

// TestRcvbufPerHandle checks that the SO_RCVBUF RtnlOpen asks for is the handle's Rcvbuf, libnetlink's rcvbuf
// made a field, or the package's default, and that opening again keeps it. A NETLINK_ROUTE socket needs no
// privilege, and nothing is sent on it.
func TestRcvbufPerHandle(t *testing.T) {
	var def RtnlHandle
	if err := RtnlOpen(&def, 0); err != nil {
		t.Fatal(err)
	}
	defer RtnlClose(&def)
	if got := def.Config().SocketReceiveBuffer; got != Rcvbuf {
		t.Errorf("default handle asked for SO_RCVBUF %d, want %d", got, Rcvbuf)
	}

	rth := RtnlHandle{Rcvbuf: 300 << 10}
	if err := RtnlOpen(&rth, 0); err != nil {
		t.Fatal(err)
	}
	defer RtnlClose(&rth)
	if got := rth.Config().SocketReceiveBuffer; got != 300<<10 || rth.Rcvbuf != 300<<10 {
		t.Errorf("handle with Rcvbuf %d asked for SO_RCVBUF %d", rth.Rcvbuf, got)
	}
	// An explicit nlkit.Config wins over the field.
	var cfgd RtnlHandle
	cfgd.Rcvbuf = 300 << 10
	if err := RtnlOpenConfig(&cfgd, 0, nlkit.UnitRoute, &nlkit.Config{SocketReceiveBuffer: 200 << 10}); err != nil {
		t.Fatal(err)
	}
	defer RtnlClose(&cfgd)
	if got := cfgd.Config().SocketReceiveBuffer; got != 200<<10 {
		t.Errorf("RtnlOpenConfig with SocketReceiveBuffer 200 KiB asked for %d", got)
	}
}

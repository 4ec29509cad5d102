package compat

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/compat"
	"github.com/nlkit/nlkit/netns/nstest"
)

// TestListenAllNsid listens in namespace A with RtnlListenAllNsid while links appear in A and in B, which has
// nsid 7 in A: RtnlListen must give nsid -1 for A's own events and 7 for B's.
func TestListenAllNsid(t *testing.T) {
	ip := need(t, "ip")
	a, b := nstest.NewNamed(t), nstest.NewNamed(t)
	if out, err := a.Output(ip, "netns", "set", b.Name, "7"); err != nil {
		t.Fatalf("ip netns set: %v %s", err, out)
	}
	var rth compat.RtnlHandle
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rth.Ctx = ctx
	const rtnlgrpLink = 1
	if err := compat.RtnlOpenConfig(&rth, 1<<(rtnlgrpLink-1), 0, &nlkit.Config{NetNS: a.Handle.Fd()}); err != nil {
		t.Fatal(err)
	}
	defer compat.RtnlClose(&rth)
	if err := compat.RtnlListenAllNsid(&rth); err != nil {
		t.Fatal(err)
	}
	if rth.Flags&compat.RTNL_HANDLE_F_LISTEN_ALL_NSID == 0 || rth.Local.PortID != rth.Fd.PortID() {
		t.Fatalf("flags %#x, local %+v, portid %d", rth.Flags, rth.Local, rth.Fd.PortID())
	}
	if out, err := b.Output(ip, "link", "add", "inb", "type", "bridge"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := a.Output(ip, "link", "add", "ina", "type", "bridge"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	seen := map[string]int{}
	err := compat.RtnlListen(&rth, func(ctrl *compat.RtnlCtrlData, n *compat.Nlmsghdr, _ any) int {
		if n.Type != rtmNewlink {
			return 0
		}
		var tb [iflaIfname + 1]compat.Rtattr
		compat.ParseRtattr(tb[:], iflaIfname, compat.IFLA_RTA(n), compat.IFLA_PAYLOAD(n))
		seen[compat.RtaGetattrStr(tb[iflaIfname])] = ctrl.Nsid
		if _, okA := seen["ina"]; okA {
			if _, okB := seen["inb"]; okB {
				return -1
			}
		}
		return 0
	}, nil)
	var ce *compat.CallbackError
	if !errors.As(err, &ce) {
		t.Fatalf("listen ended with %v; saw %v", err, seen)
	}
	if seen["ina"] != -1 || seen["inb"] != 7 {
		t.Errorf("nsids %v: want ina -1 (this namespace) and inb 7", seen)
	}
}

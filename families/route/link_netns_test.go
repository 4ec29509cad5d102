//go:build linux

package route

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/nlkit/nlkit/netns/nstest"
	"golang.org/x/sys/unix"
)

// nsPair is two fresh namespaces with a Client in each.
func nsPair(t *testing.T) (a, b *Client, nsA, nsB *nstest.NS, ctx context.Context) {
	t.Helper()
	a, nsA, ctx = issue15Client(t)
	nsB = nstest.New(t)
	b, err := Dial(&Config{NetNS: nsB.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b, nsA, nsB, ctx
}

// sleeperIn starts a process in ns and returns its pid (killed at cleanup).
func sleeperIn(t *testing.T, ns *nstest.NS) int {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := ns.Do(cmd.Start); err != nil {
		t.Fatalf("start a process in %v: %v", ns, err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd.Process.Pid
}

// TestLinkNetNSKernel: a link moves to another namespace by file, by pid and by nsid (IFLA_NET_NS_FD,
// IFLA_NET_NS_PID, IFLA_TARGET_NETNSID), renamed on the way once; a veth is born with its peer in the other
// namespace (by file and by pid), and the peer's IFLA_LINK_NETNSID names the first namespace.
func TestLinkNetNSKernel(t *testing.T) {
	a, b, _, nsB, ctx := nsPair(t)
	pid := sleeperIn(t, nsB)
	if err := a.AssignNSID(ctx, NetNSFD(nsB.Handle.Fd()), 7); err != nil {
		t.Fatalf("AssignNSID: %v", err)
	}
	for i, tc := range []struct {
		to      NetNSTarget
		newName string
	}{{NetNSFD(nsB.Handle.Fd()), ""}, {NetNSPID(pid), "moved1"}, {NetNSID(7), ""}} {
		name := []string{"mv0", "mv1", "mv2"}[i]
		if err := a.Link.Add(ctx, Link{Name: name, Info: LinkInfo{Kind: "ifb"}}); err != nil {
			t.Fatal(err)
		}
		l, err := a.Link.GetByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Link.MoveToNetNS(ctx, l.Index, tc.to, tc.newName); err != nil {
			t.Fatalf("MoveToNetNS %+v: %v", tc.to, err)
		}
		want := name
		if tc.newName != "" {
			want = tc.newName
		}
		if _, err := b.Link.GetByName(ctx, want); err != nil {
			t.Errorf("%s not in the target namespace after the move (%+v): %v", want, tc.to, err)
		}
		if _, err := a.Link.GetByName(ctx, name); !errors.Is(err, unix.ENODEV) {
			t.Errorf("%s still in the first namespace: %v", name, err)
		}
	}
	for i, peerNS := range []NetNSTarget{NetNSFD(nsB.Handle.Fd()), NetNSPID(pid)} {
		name, peer := []string{"va0", "va1"}[i], []string{"vb0", "vb1"}[i]
		if err := a.Link.AddVeth(ctx, Link{Name: name}, Link{Name: peer}, peerNS); err != nil {
			t.Fatalf("AddVeth %+v: %v", peerNS, err)
		}
		la, err := a.Link.GetByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := b.Link.GetByName(ctx, peer)
		if err != nil {
			t.Fatalf("peer %s not born in the other namespace: %v", peer, err)
		}
		if !la.HasLinkNetNSID || la.LinkNetNSID != 7 || la.ParentIndex != lb.Index {
			t.Errorf("%s: IFLA_LINK %d IFLA_LINK_NETNSID %d (%v), want %d in nsid 7", name, la.ParentIndex,
				la.LinkNetNSID, la.HasLinkNetNSID, lb.Index)
		}
		if !lb.HasLinkNetNSID || lb.ParentIndex != la.Index {
			t.Errorf("%s: IFLA_LINK %d netnsid %v, want %d", peer, lb.ParentIndex, lb.HasLinkNetNSID, la.Index)
		}
	}
	if err := a.Link.AddVeth(ctx, Link{Name: "vx"}, Link{Name: "vy"}, NetNSID(7)); err == nil {
		t.Error("AddVeth accepted an nsid for the peer, which the kernel ignores")
	}
}

// TestNSIDKernel: nsids assigned by number and by the kernel's choice, read back by file and pid, listed, seen
// from the other side (NETNSA_TARGET_NSID), and watched (RTM_NEWNSID when assigned, RTM_DELNSID when the
// namespace goes away).
func TestNSIDKernel(t *testing.T) {
	a, b, nsA, nsB, ctx := nsPair(t)
	w, err := WatchNSIDs(nsA.Handle.Fd())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if id, err := a.GetNSID(ctx, NetNSFD(nsB.Handle.Fd())); err != nil || id != NSIDNotAssigned {
		t.Fatalf("GetNSID before any: %d, %v", id, err)
	}
	if err := a.AssignNSID(ctx, NetNSFD(nsB.Handle.Fd()), 12); err != nil {
		t.Fatal(err)
	}
	if err := a.AssignNSID(ctx, NetNSFD(nsB.Handle.Fd()), 13); !errors.Is(err, unix.EEXIST) {
		t.Errorf("a second nsid for the same namespace: %v, want EEXIST", err)
	}
	pid := sleeperIn(t, nsB)
	if id, err := a.GetNSID(ctx, NetNSPID(pid)); err != nil || id != 12 {
		t.Errorf("GetNSID by pid: %d, %v; want 12", id, err)
	}
	nsC := nstest.New(t)
	if err := a.AssignNSID(ctx, NetNSFD(nsC.Handle.Fd()), NSIDNotAssigned); err != nil {
		t.Fatal(err)
	}
	idC, err := a.GetNSID(ctx, NetNSFD(nsC.Handle.Fd()))
	if err != nil || idC < 0 || idC == 12 {
		t.Fatalf("kernel-chosen nsid %d, %v", idC, err)
	}
	list, err := a.ListNSIDs(ctx, NetNSTarget{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int32
	for _, n := range list {
		ids = append(ids, n.NSID)
	}
	slices.Sort(ids)
	if want := []int32{min(12, idC), max(12, idC)}; !slices.Equal(ids, want) {
		t.Errorf("ListNSIDs %v, want %v", ids, want)
	}
	// B names A 5 and C 9; asked in B (target nsid 12), A's id there is 5 (A has none in itself: Current -1),
	// C's is 9, and Current maps it to C's id in A.
	if err := b.AssignNSID(ctx, NetNSFD(nsA.Handle.Fd()), 5); err != nil {
		t.Fatal(err)
	}
	if err := b.AssignNSID(ctx, NetNSFD(nsC.Handle.Fd()), 9); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetNSIDIn(ctx, NetNSFD(nsA.Handle.Fd()), NetNSID(12))
	if err != nil || got.NSID != 5 || !got.HasCurrent || got.Current != NSIDNotAssigned {
		t.Errorf("GetNSIDIn: %+v, %v; want nsid 5, current -1", got, err)
	}
	inB, err := a.ListNSIDs(ctx, NetNSFD(nsB.Handle.Fd()))
	slices.SortFunc(inB, func(x, y NSID) int { return int(x.NSID - y.NSID) })
	if want := []NSID{{5, NSIDNotAssigned, true}, {9, idC, true}}; err != nil || !slices.Equal(inB, want) {
		t.Errorf("ListNSIDs in B: %+v, %v; want %+v", inB, err, want)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var seen []NSIDEvent
	for len(seen) < 2 {
		ev, err := w.Next(wctx)
		if err != nil {
			t.Fatalf("after %v: %v", seen, err)
		}
		seen = append(seen, ev)
	}
	if !seen[0].New || seen[0].NSID.NSID != 12 || !seen[1].New || seen[1].NSID.NSID != idC {
		t.Errorf("events %v, want [add] nsid 12, [add] nsid %d", seen, idC)
	}
	// A named namespace is found by its nsid, as `ip netns list-id` names it.
	nsN := nstest.NewNamed(t)
	if err := a.AssignNSID(ctx, NetNSFD(nsN.Handle.Fd()), 40); err != nil {
		t.Fatal(err)
	}
	named, err := a.NamedNSIDs(ctx, "")
	if err != nil || !slices.Contains(named, NamedNSID{Name: nsN.Name, NSID: 40}) {
		t.Errorf("NamedNSIDs: %v, %v; want %s with nsid 40 among them", named, err, nsN.Name)
	}
	if ev, err := w.Next(wctx); err != nil || !ev.New || ev.NSID.NSID != 40 {
		t.Errorf("assigning nsid 40: %v, %v", ev, err)
	}
	nsC.Handle.Close() // the last reference: the namespace goes, and its nsid with it
	ev, err := w.Next(wctx)
	if err != nil || ev.New || ev.NSID.NSID != idC {
		t.Errorf("after closing the namespace: %v, %v; want [delete] nsid %d", ev, err, idC)
	}
}

// TestNoDriverKernel: a kind no kernel has comes back as a *NoDriverError naming it, still matching EOPNOTSUPP.
func TestNoDriverKernel(t *testing.T) {
	c, _, ctx := issue15Client(t)
	err := c.Link.Add(ctx, Link{Name: "nd0", Info: LinkInfo{Kind: "nlkitnosuchkind"}})
	var nd *NoDriverError
	if !errors.As(err, &nd) || nd.Kind != "nlkitnosuchkind" || !errors.Is(err, unix.EOPNOTSUPP) {
		t.Fatalf("got %v (%T)", err, err)
	}
	if err := c.Link.Add(ctx, Link{Name: "nd1", Info: LinkInfo{Kind: "ifb"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Add(ctx, Link{Name: "nd1", Info: LinkInfo{Kind: "ifb"}}); !errors.Is(err, unix.EEXIST) || errors.As(err, &nd) {
		t.Errorf("an existing name: %v", err)
	}
}

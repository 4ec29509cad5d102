//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// TestParentIndexPresence: IFLA_LINK 0 (a tunnel bound to no device, ip's "tunl0@NONE") is told from no
// IFLA_LINK, and requests carry it when asked.
func TestParentIndexPresence(t *testing.T) {
	for _, tc := range []struct {
		name     string
		attr     bool
		index    int32
		has      bool
		wantSent bool
	}{{"none", false, 0, false, false}, {"zero", true, 0, true, true}, {"veth", true, 8, true, true}} {
		ae := proto.NewAttrEncoder(ifinfomsg(7, 0))
		ae.String(unix.IFLA_IFNAME, "t0")
		if tc.attr {
			ae.Uint32(unix.IFLA_LINK, uint32(tc.index))
		}
		var l Link
		if err := l.UnmarshalBinary(ae.Bytes()); err != nil {
			t.Fatal(err)
		}
		if l.ParentIndex != tc.index || l.HasParentIndex != tc.has {
			t.Errorf("%s: ParentIndex %d HasParentIndex %v", tc.name, l.ParentIndex, l.HasParentIndex)
		}
		_, sent := attrsOf(t, mustMarshal(t, &l)[sizeofIfInfomsg:])[unix.IFLA_LINK]
		if sent != tc.wantSent {
			t.Errorf("%s: IFLA_LINK sent %v", tc.name, sent)
		}
	}
}

// TestRoutePresence: RTA_PRIORITY and RTA_PREF present with the value 0 are told from absent ones.
func TestRoutePresence(t *testing.T) {
	b := make([]byte, sizeofRtMsg)
	b[0], b[4], b[7] = unix.AF_INET6, unix.RT_TABLE_MAIN, unix.RTN_UNICAST
	var r Route
	if err := r.UnmarshalBinary(b); err != nil || r.HasPriority || r.HasPref {
		t.Fatalf("no attributes: %+v %v", r, err)
	}
	ae := proto.NewAttrEncoder(b)
	ae.Uint32(unix.RTA_PRIORITY, 0)
	ae.Uint8(unix.RTA_PREF, 0)
	if err := r.UnmarshalBinary(ae.Bytes()); err != nil || !r.HasPriority || !r.HasPref || r.Priority != 0 || r.Pref != 0 {
		t.Fatalf("zero attributes: %+v %v", r, err)
	}
	a := attrsOf(t, mustMarshal(t, &Route{Dst: mustPrefix("2001:db8::/64")})[sizeofRtMsg:])
	if _, ok := a[unix.RTA_PRIORITY]; ok {
		t.Error("RTA_PRIORITY sent without Priority or HasPriority")
	}
	if _, ok := a[unix.RTA_PREF]; ok {
		t.Error("RTA_PREF sent without Pref or HasPref")
	}
}

// TestRouteScopeRequests: the scope a route request carries, as ip sends it.
func TestRouteScopeRequests(t *testing.T) {
	k := &kernel{}
	c := k.client(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		do   func() error
		want Scope
	}{
		{"device route", func() error { return c.Route.Add(ctx, Route{Dst: mustPrefix("10.0.0.0/24"), OIF: 2}) }, ScopeLink},
		{"scope global", func() error {
			return c.Route.Add(ctx, Route{Dst: mustPrefix("10.0.0.0/24"), OIF: 2, HasScope: true})
		}, ScopeUniverse},
		{"IPv6 device route", func() error { return c.Route.Add(ctx, Route{Dst: mustPrefix("2001:db8::/64"), OIF: 2}) }, ScopeUniverse},
		{"IPv6 scope link", func() error {
			return c.Route.Replace(ctx, Route{Dst: mustPrefix("2001:db8::/64"), OIF: 2, Scope: ScopeLink})
		}, ScopeLink},
		{"delete", func() error { return c.Route.Delete(ctx, Route{Dst: mustPrefix("10.0.0.0/24")}) }, ScopeNowhere},
		{"delete scope global", func() error {
			return c.Route.Delete(ctx, Route{Dst: mustPrefix("10.0.0.0/24"), HasScope: true})
		}, ScopeUniverse},
		{"IPv6 delete", func() error { return c.Route.Delete(ctx, Route{Dst: mustPrefix("2001:db8::/64")}) }, ScopeUniverse},
	} {
		if err := tc.do(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		reqs := k.requests()
		if got := Scope(reqs[len(reqs)-1].Data[6]); got != tc.want {
			t.Errorf("%s: scope %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNeighChange(t *testing.T) {
	k := &kernel{err: &proto.Error{Errno: unix.ENOENT}}
	c := k.client(t)
	err := c.Neigh.Change(context.Background(), Neigh{Index: 2, Dst: mustAddr("10.0.0.2"), LLAddr: HWAddrFrom([]byte{2, 0, 0, 0, 0, 2})})
	if !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), "RTM_NEWNEIGH 10.0.0.2 dev 2") {
		t.Errorf("error %v", err)
	}
	req := k.requests()[0]
	mask := uint16(unix.NLM_F_CREATE | unix.NLM_F_EXCL | unix.NLM_F_REPLACE | unix.NLM_F_APPEND)
	if req.Header.Type != unix.RTM_NEWNEIGH || req.Header.Flags&mask != unix.NLM_F_REPLACE {
		t.Errorf("request %s flags %#x", msgTypeName(req.Header.Type), req.Header.Flags)
	}
	var n Neigh
	if err := n.UnmarshalBinary(req.Data); err != nil || n.State != NeighPermanent || n.Index != 2 || !n.LLAddr.IsValid() {
		t.Errorf("request %+v %v", n, err)
	}
}

// TestLinkFilterFamily: the family goes in ifi_family with no filter attributes (the AF_INET6 and AF_BRIDGE
// link dumps take none), and user space keeps the links of the family and AF_UNSPEC ones.
func TestLinkFilterFamily(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}, {Family: unix.AF_INET6, Index: 2, Name: "v0"},
		{Family: unix.AF_BRIDGE, Index: 3, Name: "v1", Master: 4}}}
	c := k.client(t)
	ctx := context.Background()
	names := func(ls []Link) string {
		var s []string
		for _, l := range ls {
			s = append(s, l.Name)
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		f    *LinkFilter
		want string
	}{
		{&LinkFilter{Family: unix.AF_INET6}, "lo v0"},
		{&LinkFilter{Family: unix.AF_BRIDGE, Master: 4}, "v1"},
		{&LinkFilter{}, "lo v0 v1"},
	} {
		ls, err := c.Link.List(ctx, tc.f)
		if err != nil || names(ls) != tc.want {
			t.Errorf("%+v: %q %v, want %q", tc.f, names(ls), err, tc.want)
		}
	}
	reqs := k.requests()
	if req := reqs[0].Data; len(req) != sizeofIfInfomsg || req[0] != unix.AF_INET6 {
		t.Errorf("AF_INET6 request % x", req)
	}
	if req := reqs[1].Data; len(req) != sizeofIfInfomsg || req[0] != unix.AF_BRIDGE {
		t.Errorf("AF_BRIDGE request with a master % x", req)
	}
	if _, err := c.Link.List(ctx, &LinkFilter{Master: 4}); err != nil {
		t.Fatal(err)
	}
	if req := k.requests()[3].Data; binary.NativeEndian.Uint32(attrsOf(t, req[sizeofIfInfomsg:])[unix.IFLA_MASTER]) != 4 {
		t.Errorf("AF_UNSPEC request without IFLA_MASTER % x", req)
	}
}

// TestRouteFilterScope: scope filters in user space, universe ("global") too, and never reaches rtm_scope.
func TestRouteFilterScope(t *testing.T) {
	k := &kernel{routes: []Route{
		{Family: unix.AF_INET, Dst: mustPrefix("10.0.0.0/24"), Table: TableMain, Scope: ScopeLink, OIF: 2},
		{Family: unix.AF_INET, Dst: mustPrefix("0.0.0.0/0"), Table: TableMain, Gateway: mustAddr("10.0.0.1"), OIF: 2},
		{Family: unix.AF_INET, Dst: mustPrefix("10.0.0.1/32"), Table: TableLocal, Scope: ScopeHost, Type: TypeLocal},
	}}
	c := k.client(t)
	for _, tc := range []struct {
		f    RouteFilter
		want string
	}{
		{RouteFilter{Family: unix.AF_INET, Scope: ScopeLink}, "10.0.0.0/24"},
		{RouteFilter{Family: unix.AF_INET, HasScope: true}, "0.0.0.0/0"},
		{RouteFilter{Scope: ScopeHost}, "10.0.0.1/32"},
		{RouteFilter{Family: unix.AF_INET}, "10.0.0.0/24 0.0.0.0/0 10.0.0.1/32"},
	} {
		rs, err := c.Route.List(context.Background(), &tc.f)
		var got []string
		for _, r := range rs {
			got = append(got, r.Dst.String())
		}
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%+v: %v %v, want %s", tc.f, got, err, tc.want)
		}
	}
	for _, req := range k.requests() {
		if req.Data[6] != 0 {
			t.Errorf("rtm_scope %d in a dump request", req.Data[6])
		}
	}
}

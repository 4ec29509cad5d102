//go:build linux

package route

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// via4 is an IPv4 route to 10.9.0.0/24 in the main table through gw on link 2.
func via4(gw string) Route {
	return Route{Family: unix.AF_INET, Dst: mustPrefix("10.9.0.0/24"), Table: TableMain, Type: TypeUnicast,
		Protocol: ProtocolBoot, OIF: 2, Gateway: mustAddr(gw)}
}

func gateways(rs []Route) string {
	var b []string
	for _, r := range rs {
		if mp := r.ext().MultiPath; len(mp) > 0 {
			var hs []string
			for _, h := range mp {
				hs = append(hs, fmt.Sprintf("%s@%d", h.Gateway, h.OIF))
			}
			b = append(b, "["+strings.Join(hs, " ")+"]")
			continue
		}
		if r.Gateway.IsValid() {
			b = append(b, fmt.Sprintf("%s@%d", r.Gateway, r.OIF))
		} else {
			b = append(b, fmt.Sprintf("dev %d", r.OIF))
		}
	}
	return strings.Join(b, ", ")
}

// TestApply4AliasOrder follows fib_table_insert: "ip route add" of a new key sends NLM_F_CREATE|NLM_F_EXCL,
// "prepend" NLM_F_CREATE (front), "append" NLM_F_CREATE|NLM_F_APPEND (end), "replace"/"change" NLM_F_REPLACE
// (the first alias). The regression: prepend once went to the end, so the replace after it hit the wrong alias.
func TestApply4AliasOrder(t *testing.T) {
	const create, excl, app, repl = unix.NLM_F_CREATE, unix.NLM_F_EXCL, unix.NLM_F_APPEND, unix.NLM_F_REPLACE
	var l []Route
	step := func(gw string, del bool, flags uint16, want string) {
		t.Helper()
		r := via4(gw)
		l = apply4(l, &r, del, flags)
		if got := gateways(l); got != want {
			t.Fatalf("after %s (del %v, flags %#x): %s, want %s", gw, del, flags, got, want)
		}
	}
	step("10.0.0.2", false, create|excl, "10.0.0.2@2")
	step("10.0.0.3", false, create|app, "10.0.0.2@2, 10.0.0.3@2")
	step("10.0.0.4", false, create, "10.0.0.4@2, 10.0.0.2@2, 10.0.0.3@2") // prepend: the front
	step("10.0.0.5", false, repl, "10.0.0.5@2, 10.0.0.2@2, 10.0.0.3@2")   // the first alias
	step("10.0.0.2", true, 0, "10.0.0.5@2, 10.0.0.3@2")
	step("10.0.0.9", true, 0, "10.0.0.5@2, 10.0.0.3@2") // unknown: nothing
	step("10.0.0.3", false, create|app, "10.0.0.5@2, 10.0.0.3@2")
	// The same alias notified again (a replay after a re-dump) stays where it is, and a replace that makes
	// the first alias equal to another leaves one.
	step("10.0.0.3", false, repl, "10.0.0.3@2")

	// Same nexthop, another prefsrc: a different fib_info, so two aliases.
	a, b := via4("10.0.0.7"), via4("10.0.0.7")
	b.EnsureExtra().PrefSrc = mustAddr("10.0.0.1")
	l = apply4(nil, &a, false, create|excl)
	l = apply4(l, &b, false, create|app)
	if len(l) != 2 {
		t.Fatalf("two aliases with different prefsrc: %d", len(l))
	}
	l = apply4(l, &b, true, 0)
	if len(l) != 1 || l[0].ext().PrefSrc.IsValid() {
		t.Fatalf("delete of the prefsrc one: %+v", l)
	}
	// A nexthop flagged dead is the same alias.
	c := a
	c.Flags |= unix.RTNH_F_DEAD | unix.RTNH_F_LINKDOWN
	if l = apply4(l, &c, false, 0); len(l) != 1 || l[0].Flags != c.Flags {
		t.Fatalf("state flags: %+v", l)
	}
}

func via6(gw string, oif int32) Route {
	r := Route{Family: unix.AF_INET6, Dst: mustPrefix("2001:db8:99::/64"), Table: TableMain, Type: TypeUnicast,
		Protocol: ProtocolBoot, Priority: 5, HasPriority: true, Pref: 0, HasPref: true, OIF: oif}
	if gw != "" {
		r.Gateway = mustAddr(gw)
	}
	return r
}

func multi6(hops ...Route) Route {
	r := hops[0]
	r.OIF, r.Gateway = 0, netip.Addr{}
	x := &RouteExtra{}
	for _, h := range hops {
		x.MultiPath = append(x.MultiPath, Hop{OIF: h.OIF, Gateway: h.Gateway})
	}
	r.Extra = x
	return r
}

// TestApply6Siblings replays what the 6.18 kernel sent (ip monitor) and dumped for one IPv6 key: a sibling
// added with append or prepend is notified as the whole set with the new hop first, but joins at the end;
// one hop deleted is notified alone; the last sibling left is a single route again; a replace takes all.
func TestApply6Siblings(t *testing.T) {
	const create, app, repl = unix.NLM_F_CREATE, unix.NLM_F_APPEND, unix.NLM_F_REPLACE
	a, b, c, d := via6("2001:db8::2", 2), via6("2001:db8:1::2", 3), via6("2001:db8::3", 2), via6("2001:db8::4", 2)
	var es []fib6Entry
	step := func(r Route, del bool, flags uint16, want string) {
		t.Helper()
		es = apply6(es, &r, del, flags)
		if got := gateways(render6(nil, es)); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	step(a, false, create|unix.NLM_F_EXCL, "2001:db8::2@2")
	step(multi6(b, a), false, create|app, "[2001:db8::2@2 2001:db8:1::2@3]")
	step(multi6(c, a, b), false, create, "[2001:db8::2@2 2001:db8:1::2@3 2001:db8::3@2]")
	step(c, true, 0, "[2001:db8::2@2 2001:db8:1::2@3]")
	step(multi6(d, a, b), false, create|app, "[2001:db8::2@2 2001:db8:1::2@3 2001:db8::4@2]")
	step(b, true, 0, "[2001:db8::2@2 2001:db8::4@2]")
	step(a, true, 0, "2001:db8::4@2")
	step(multi6(a, d), false, create|app, "[2001:db8::4@2 2001:db8::2@2]")
	step(via6("2001:db8:1::7", 3), false, repl, "2001:db8:1::7@3")

	// Routes without a gateway to one key on several links coexist (fe80::/64 on every link), beside the
	// siblings; a replace of one of them takes the first.
	es = nil
	step(via6("", 2), false, create, "dev 2")
	step(via6("", 3), false, create, "dev 2, dev 3")
	step(via6("2001:db8::2", 2), false, create, "dev 2, dev 3, 2001:db8::2@2")
	step(multi6(via6("2001:db8::3", 2), via6("2001:db8::2", 2)), false, create|app,
		"dev 2, dev 3, [2001:db8::2@2 2001:db8::3@2]")
	step(via6("", 3), true, 0, "dev 2, [2001:db8::2@2 2001:db8::3@2]")
	step(via6("", 4), false, repl, "dev 4, [2001:db8::2@2 2001:db8::3@2]")
	// The whole multipath route deleted at once is notified with every hop.
	step(multi6(via6("2001:db8::2", 2), via6("2001:db8::3", 2)), true, 0, "dev 4")

	// The entries render back to the routes they came from.
	for _, r := range []Route{via6("2001:db8::2", 2), multi6(a, b, c)} {
		r.Flags = unix.RTNH_F_ONLINK
		got := render6(nil, entriesOf(&r))
		if len(got) != 1 || gateways(got) != gateways([]Route{r}) || got[0].Flags != r.Flags&^rtnhFlags|flagsOf(&r) {
			t.Errorf("render6(entriesOf(%s)) = %s flags %#x", gateways([]Route{r}), gateways(got), got[0].Flags)
		}
	}
	if !slices.Equal([]int{len(entriesOf(&a)), len(entriesOf(new(multi6(a, b, c))))}, []int{1, 3}) {
		t.Error("entriesOf: one entry per nexthop")
	}
}

// flagsOf is the RTNH_F_* part of a single-path route's rtm_flags (0 for a multipath route, whose hops carry
// their own).
func flagsOf(r *Route) uint32 {
	if len(r.ext().MultiPath) > 0 {
		return 0
	}
	return r.Flags & rtnhFlags
}

// TestApply6NexthopObject: an IPv6 route through a nexthop group lists the group's nexthops after RTA_NH_ID;
// it stays one route, never siblings.
func TestApply6NexthopObject(t *testing.T) {
	r := multi6(via6("2001:db8::2", 2), via6("2001:db8::3", 2))
	r.NexthopID = 7
	es := apply6(nil, &r, false, unix.NLM_F_CREATE)
	if got := render6(nil, es); len(got) != 1 || got[0].NexthopID != 7 || len(got[0].ext().MultiPath) != 2 {
		t.Fatalf("route through a nexthop group: %+v", got)
	}
	r2 := via6("", 3)
	r2.NexthopID = 8
	es = apply6(es, &r2, false, unix.NLM_F_CREATE|unix.NLM_F_APPEND)
	if es = apply6(es, &r, true, 0); len(es) != 1 || es[0].base.NexthopID != 8 {
		t.Fatalf("after deleting the nhid 7 route: %+v", es)
	}
}

// TestApply6ReplaceOtherKind: a replace with no route of its kind (sibling or not) at the key replaces the
// key's first route (fib6_add_rt2's fallback_ins), taking its siblings with it.
func TestApply6ReplaceOtherKind(t *testing.T) {
	var es []fib6Entry
	step := func(r Route, flags uint16, want string) {
		t.Helper()
		es = apply6(es, &r, false, flags)
		if got := gateways(render6(nil, es)); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	step(via6("", 2), unix.NLM_F_CREATE, "dev 2")
	step(via6("2001:db8::2", 2), unix.NLM_F_REPLACE, "2001:db8::2@2") // ip route change ... via
	step(multi6(via6("2001:db8::3", 2), via6("2001:db8::2", 2)), unix.NLM_F_CREATE|unix.NLM_F_APPEND,
		"[2001:db8::2@2 2001:db8::3@2]")
	step(via6("", 3), unix.NLM_F_REPLACE, "dev 3") // the siblings go with the first
}

// TestEventAndChangeStrings: an Event and a Change name their object the same way.
func TestEventAndChangeStrings(t *testing.T) {
	r := via4("10.0.0.2")
	if got, want := (Event{Kind: EventDelete, Route: &r}).String(), "delete route 10.9.0.0/24 table main"; got != want {
		t.Errorf("Event.String() = %q, want %q", got, want)
	}
	c := Change{Kind: ChangeRemoved, Cause: CauseRedump, Old: &r}
	if got, want := c.String(), "removed route 10.9.0.0/24 table main (redump)"; got != want {
		t.Errorf("Change.String() = %q, want %q", got, want)
	}
	if got, want := (Event{Kind: EventNew, NSID: 3, HasNSID: true, Link: &Link{Index: 2, Name: "v0"}}).String(),
		"[nsid 3] new link 2 v0"; got != want {
		t.Errorf("Event.String() = %q, want %q", got, want)
	}
}

// TestRender6HidesBetweenSiblings follows fib6_dump_node: from the first route with siblings the dump jumps
// to the last sibling, so an entry without a gateway between them is in the table but not in the dump.
func TestRender6HidesBetweenSiblings(t *testing.T) {
	var es []fib6Entry
	step := func(r Route, del bool, flags uint16, want string) {
		t.Helper()
		es = apply6(es, &r, del, flags)
		if got := gateways(render6(nil, es)); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	const create, app = unix.NLM_F_CREATE, unix.NLM_F_APPEND
	step(via6("", 4), false, create, "dev 4")
	step(via6("2001:db8::2", 2), false, create|app, "dev 4, 2001:db8::2@2")
	step(via6("", 5), false, create|app, "dev 4, 2001:db8::2@2, dev 5")
	step(multi6(via6("2001:db8::3", 3), via6("2001:db8::2", 2)), false, create|app, "dev 4, [2001:db8::2@2 2001:db8::3@3]")
	step(via6("", 6), false, create|app, "dev 4, [2001:db8::2@2 2001:db8::3@3], dev 6")
	step(via6("2001:db8::3", 3), true, 0, "dev 4, 2001:db8::2@2, dev 5, dev 6") // dev 5 shows again
}

//go:build linux

package route_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/internal/secondopinion"
)

// secondOpinion has every link, address, route, neighbour and rule of the namespace decoded by
// jsimonetti/rtnetlink/v2 as well, and fails the test on any field the two libraries both know and disagree
// on (see internal/secondopinion). The tests that compare nlkit with ip call it once their objects are set up.
func (e *env) secondOpinion() *secondopinion.Report {
	e.t.Helper()
	rep, err := secondopinion.Check(ctxT(e.t), e.ns.Handle.Fd())
	if err != nil {
		e.t.Fatalf("second opinion: %v", err)
	}
	if len(rep.Diffs) > 0 {
		// The kernel's own timers may change an object between nlkit's dump and jsimonetti's: a difference
		// counts when a second check finds it too.
		time.Sleep(100 * time.Millisecond)
		again, err := secondopinion.Check(ctxT(e.t), e.ns.Handle.Fd())
		if err != nil {
			e.t.Fatalf("second opinion: %v", err)
		}
		rep.Diffs = slices.DeleteFunc(again.Diffs, func(d string) bool { return !slices.Contains(rep.Diffs, d) })
	}
	for _, d := range rep.Diffs {
		e.t.Errorf("nlkit and jsimonetti/rtnetlink disagree: %s", d)
	}
	e.t.Logf("second opinion: %v", rep)
	return rep
}

// TestSecondOpinion fills fresh namespaces with randomized links, addresses, routes, neighbours and rules
// (written by iproute2, so nlkit's encoders play no part) and has jsimonetti/rtnetlink/v2 decode every object
// nlkit dumps. NLKIT_SECONDOPINION_SEED=S replays seed S; NLKIT_SECONDOPINION_RUNS=N runs N seeds (default 3).
func TestSecondOpinion(t *testing.T) {
	needIP(t)
	seeds := []uint64{uint64(time.Now().UnixNano())}
	if s := os.Getenv("NLKIT_SECONDOPINION_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("NLKIT_SECONDOPINION_SEED: %v", err)
		}
		seeds = []uint64{v}
	} else {
		runs := 3
		if s := os.Getenv("NLKIT_SECONDOPINION_RUNS"); s != "" {
			var err error
			if runs, err = strconv.Atoi(s); err != nil || runs < 1 {
				t.Fatalf("NLKIT_SECONDOPINION_RUNS=%q", s)
			}
		}
		for i := 1; i < runs; i++ {
			seeds = append(seeds, seeds[0]+uint64(i))
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			var lines []string
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("seed %d (replay: NLKIT_SECONDOPINION_SEED=%d go test -run TestSecondOpinion ./integration/route/); "+
						"ip -force -batch:\n%s", seed, seed, strings.Join(lines, "\n"))
				}
			})
			e := newEnv(t)
			lines = secondOpinionPlan(rand.New(rand.NewPCG(seed, seed^0x5ec0)))
			// IPv6 rules go to a batch of their own under ip -6 (ip rule takes IPv4 unless told).
			var v4, v6 []string
			for _, l := range lines {
				if rest, ok := strings.CutPrefix(l, "-6 "); ok {
					v6 = append(v6, rest)
				} else {
					v4 = append(v4, l)
				}
			}
			for _, b := range []struct {
				opts  []string
				lines []string
			}{{nil, v4}, {[]string{"-6"}, v6}} {
				f, err := os.CreateTemp(t.TempDir(), "batch")
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString(strings.Join(b.lines, "\n") + "\n")
				f.Close()
				// Some random operations fail in the kernel (a gateway another route made unreachable...): the
				// kernel decides, the comparison covers whatever it kept.
				if out, err := e.ns.Output("ip", append(b.opts, "-force", "-batch", f.Name())...); err != nil {
					t.Logf("ip %v -force -batch: %v\n%s", b.opts, err, out)
				}
			}
			e.settleLinks()
			rep := e.secondOpinion()
			for kind, least := range map[string]int{"link": 7, "addr": 6, "route": 15, "neigh": 2, "rule": 6} {
				if rep.Compared[kind] < least {
					t.Errorf("only %d %ss compared (want at least %d)", rep.Compared[kind], kind, least)
				}
			}
		})
	}
}

// secondOpinionPlan draws the iproute2 commands (without "ip") of one run; those for ip -6 start with "-6 ".
func secondOpinionPlan(r *rand.Rand) []string {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	chance := func(p float64) bool { return r.Float64() < p }
	mac := func() string {
		return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	add("link add br0 type bridge stp_state %d forward_delay %d", r.IntN(2), 200+r.IntN(2000))
	pairs := 2 + r.IntN(3)
	for i := range pairs {
		add("link add va%d address %s mtu %d txqueuelen %d type veth peer name vb%d", i, mac(), 1280+r.IntN(7720),
			r.IntN(5000), i)
		if chance(0.5) {
			add("link set va%d alias %s", i, pick("uplink", "x", "peer-of-vb"))
		}
		if chance(0.3) {
			add("link set vb%d master br0", i)
		}
		if chance(0.3) {
			add("link set va%d group %d", i, r.IntN(100))
		}
		add("link set va%d up", i)
		if chance(0.8) {
			add("link set vb%d up", i)
		}
	}
	for i := range 1 + r.IntN(3) {
		add("link add ifb%d type ifb", i)
		if chance(0.5) {
			add("link set ifb%d up", i)
		}
	}
	if chance(0.7) {
		add("link set br0 up")
	}

	// Addresses: subnet i of 10.i.0.0/16 on va<i>, and IPv6 2001:db8:i::/64.
	for i := range pairs {
		plen := 16 + r.IntN(13)
		add("addr add 10.%d.0.1/%d dev va%d%s%s", i, plen, i, pick("", " brd +"), pick("", fmt.Sprintf(" label va%d:%d", i, r.IntN(9))))
		for j := range r.IntN(3) {
			add("addr add 10.%d.0.%d/%d dev va%d%s%s", i, 10+j, plen, i, pick("", " noprefixroute"),
				pick("", " metric 77", " valid_lft 3000 preferred_lft 2000"))
		}
		if chance(0.4) {
			add("addr add 172.16.%d.1 peer 172.16.%d.2/32 dev va%d", i, i, i)
		}
		add("addr add 2001:db8:%d::1/64 dev va%d nodad%s", i, i, pick("", " noprefixroute", " metric 33"))
		if chance(0.5) {
			add("addr add 2001:db8:%d::%x/%d dev va%d nodad", i, 2+r.IntN(200), 48+r.IntN(80), i)
		}
	}

	// Routes through those subnets, in several tables, of every type.
	tables := []string{"main", "100", "101", "1000"}
	for range 12 + r.IntN(20) {
		i := r.IntN(pairs)
		dst := fmt.Sprintf("10.%d.%d.0/24", 100+r.IntN(100), r.IntN(256))
		table := pick(tables...)
		opts := fmt.Sprintf(" table %s metric %d proto %s", table, r.IntN(2000), pick("boot", "static", "123", "kernel"))
		if chance(0.3) {
			opts += fmt.Sprintf(" mtu %d advmss %d", 1000+r.IntN(500), 900+r.IntN(400))
		}
		if chance(0.2) {
			opts += fmt.Sprintf(" initcwnd %d initrwnd %d", 1+r.IntN(20), 1+r.IntN(20))
		}
		if chance(0.2) {
			opts += " features ecn"
		}
		if chance(0.2) {
			opts += fmt.Sprintf(" tos 0x%x", 4*r.IntN(8))
		}
		switch x := r.IntN(10); {
		case x < 4:
			add("route add %s via 10.%d.0.%d dev va%d onlink%s", dst, i, 2+r.IntN(200), i, opts)
		case x < 5:
			add("route add %s dev va%d scope link src 10.%d.0.1%s", dst, i, i, opts)
		case x < 7:
			j := r.IntN(pairs)
			add("route add %s%s nexthop via 10.%d.0.%d dev va%d weight %d onlink nexthop via 10.%d.0.%d dev va%d weight %d onlink",
				dst, opts, i, 2+r.IntN(200), i, 1+r.IntN(5), j, 2+r.IntN(200), j, 1+r.IntN(5))
		default:
			add("route add %s %s%s", pick("blackhole", "unreachable", "prohibit", "throw"), dst, opts)
		}
	}
	for range 4 + r.IntN(8) {
		i := r.IntN(pairs)
		dst := fmt.Sprintf("2001:db8:%x:%x::/64", 100+r.IntN(100), r.IntN(65536))
		opts := fmt.Sprintf(" table %s metric %d pref %s", pick(tables...), 1+r.IntN(2000), pick("low", "medium", "high"))
		switch r.IntN(3) {
		case 0:
			add("route add %s via 2001:db8:%d::%x dev va%d%s", dst, i, 2+r.IntN(200), i, opts)
		case 1:
			add("route add %s%s nexthop via 2001:db8:%d::2 dev va%d nexthop via 2001:db8:%d::3 dev va%d", dst, opts, i, i, i, i)
		default:
			add("route add %s %s", pick("blackhole", "unreachable", "prohibit"), dst+opts)
		}
	}

	// Neighbours on the veth ends: states that do not age.
	for range 4 + r.IntN(8) {
		i := r.IntN(pairs)
		if chance(0.6) {
			add("neigh replace 10.%d.0.%d lladdr %s dev va%d nud %s", i, 100+r.IntN(150), mac(), i,
				pick("permanent", "noarp", "stale", "reachable"))
		} else {
			add("neigh replace 2001:db8:%d::%x lladdr %s dev va%d nud %s%s", i, 100+r.IntN(150), mac(), i,
				pick("permanent", "noarp", "stale"), pick("", " router"))
		}
	}

	// Rules with every selector ip knows.
	for range 6 + r.IntN(10) {
		prio := 1000 + r.IntN(30000)
		var sel []string
		v6 := chance(0.3)
		if chance(0.4) {
			if v6 {
				sel = append(sel, fmt.Sprintf("from 2001:db8:%x::/48", r.IntN(65536)))
			} else {
				sel = append(sel, fmt.Sprintf("from 10.%d.0.0/16", r.IntN(256)))
			}
		}
		if chance(0.3) {
			if v6 {
				sel = append(sel, fmt.Sprintf("to 2001:db8:%x::/%d", r.IntN(65536), 32+r.IntN(97)))
			} else {
				sel = append(sel, fmt.Sprintf("to 192.168.%d.0/24", r.IntN(256)))
			}
		}
		if chance(0.3) {
			sel = append(sel, fmt.Sprintf("iif va%d", r.IntN(pairs)))
		}
		if chance(0.2) {
			sel = append(sel, fmt.Sprintf("oif vb%d", r.IntN(pairs)))
		}
		if chance(0.3) {
			sel = append(sel, fmt.Sprintf("fwmark 0x%x%s", 1+r.IntN(1000), pick("", "/0xff", "/0xffff")))
		}
		if chance(0.2) {
			sel = append(sel, fmt.Sprintf("ipproto %s sport %d dport %d-%d", pick("tcp", "udp"), 1+r.IntN(1000), 2000, 2000+r.IntN(100)))
		}
		if chance(0.2) {
			sel = append(sel, fmt.Sprintf("uidrange %d-%d", r.IntN(1000), 1000+r.IntN(100000)))
		}
		if chance(0.15) {
			sel = append(sel, fmt.Sprintf("tos 0x%x", 4*r.IntN(8)))
		}
		if chance(0.15) {
			sel = append(sel, "not")
		}
		if chance(0.15) {
			sel = append(sel, fmt.Sprintf("protocol %s", pick("static", "boot", "99")))
		}
		var act string
		switch x := r.IntN(10); {
		case x < 5:
			act = "table " + pick(tables...)
			if chance(0.3) {
				act += fmt.Sprintf(" suppress_prefixlength %d", r.IntN(33))
			}
			if chance(0.2) && !v6 {
				act += fmt.Sprintf(" realms %d/%d", r.IntN(100), 1+r.IntN(100))
			}
		case x < 6:
			act = fmt.Sprintf("goto %d", prio+1+r.IntN(100))
		case x < 7:
			act = "nop"
		default:
			act = pick("blackhole", "unreachable", "prohibit")
		}
		fam := ""
		if v6 {
			fam = "-6 "
		}
		out = append(out, fmt.Sprintf("%srule add %s prio %d %s", fam, strings.Join(sel, " "), prio, act))
	}
	return out
}

//go:build linux

package route_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns/nstest"
	"golang.org/x/sys/unix"
)

// TestFormatMatchesIP fills fresh namespaces with randomized links, addresses, routes (IPv4 and IPv6,
// multipath, blackhole and other types, several tables and protocols), neighbours, rules and nexthops, written
// by iproute2, and checks that the objects nlkit dumps, printed by their Format methods, give byte for byte
// what `ip` prints: `ip link`, `ip addr` (link heads and address lines), `ip route show table all` and its -6
// form, `ip neigh show nud all` and `proxy`, `ip rule` and its -6 form, `ip nexthop`. NLKIT_FORMAT_SEED=S
// replays seed S; NLKIT_FORMAT_RUNS=N runs N seeds (default 2).
func TestFormatMatchesIP(t *testing.T) {
	needIPOrFail(t)
	seeds := []uint64{uint64(time.Now().UnixNano())}
	if s := os.Getenv("NLKIT_FORMAT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("NLKIT_FORMAT_SEED: %v", err)
		}
		seeds = []uint64{v}
	} else {
		runs := 2
		if s := os.Getenv("NLKIT_FORMAT_RUNS"); s != "" {
			var err error
			if runs, err = strconv.Atoi(s); err != nil || runs < 1 {
				t.Fatalf("NLKIT_FORMAT_RUNS=%q", s)
			}
		}
		for i := 1; i < runs; i++ {
			seeds = append(seeds, seeds[0]+uint64(i))
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			var plan []string
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("seed %d (replay: NLKIT_FORMAT_SEED=%d go test -run TestFormatMatchesIP ./integration/route/); "+
						"ip commands:\n%s", seed, seed, strings.Join(plan, "\n"))
				}
			})
			e := newEnv(t)
			plan = formatPlan(rand.New(rand.NewPCG(seed, seed^0xf0f0)))
			e.runPlan(plan)
			e.settleLinks()
			e.compareFormat()
		})
	}
}

// ipPrintsAddrProto says whether the ip found prints an address's IFA_PROTO ("proto kernel_ll"), as
// iproute2 does since "ip: Support IP address protocol" (6.4); Addr.Format prints it as those do, and the
// comparison with an older ip leaves it out.
var ipPrintsAddrProto bool

// needIPOrFail is needIP, except that under CI=true a missing ip fails the test. It sets ipPrintsAddrProto.
func needIPOrFail(t *testing.T) {
	t.Helper()
	out, err := exec.Command("ip", "-j", "-V").CombinedOutput()
	if err != nil {
		nstest.Skipf(t, "iproute2's ip (the oracle) is not available: %v %s", err, out)
	}
	// "ip utility, iproute2-6.1.0, libbpf 1.1.2"
	var major, minor int
	if _, rest, ok := strings.Cut(string(out), "iproute2-"); ok {
		fmt.Sscanf(rest, "%d.%d", &major, &minor)
	}
	if major == 0 {
		t.Fatalf("cannot read iproute2's version from %q", out)
	}
	ipPrintsAddrProto = major > 6 || major == 6 && minor >= 4
}

// runPlan runs the plan's ip commands in the namespace one by one (ip -batch gives up on some errors and
// leaves the rest undone); the lines that start with "-6 " run under ip -6. The kernel may refuse some random
// operations; the comparison covers what it kept.
func (e *env) runPlan(plan []string) {
	e.t.Helper()
	failed := 0
	for _, l := range plan {
		if out, err := e.ns.Output("ip", strings.Fields(l)...); err != nil {
			e.t.Logf("ip %s: %v %s", l, err, strings.TrimSpace(out))
			failed++
		}
	}
	if failed > len(plan)/4 {
		e.t.Errorf("%d of %d ip commands failed", failed, len(plan))
	}
}

// formatPlan draws the iproute2 commands (without "ip") of one run; those for ip -6 start with "-6 ".
func formatPlan(r *rand.Rand) []string {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	chance := func(p float64) bool { return r.Float64() < p }
	mac := func() string {
		return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	add("link set lo up")
	add("link add br0 type bridge")
	pairs := 2 + r.IntN(2)
	for i := range pairs {
		add("link add va%d address %s mtu %d txqueuelen %d type veth peer name vb%d", i, mac(), 1280+r.IntN(7720),
			r.IntN(3000), i)
		if chance(0.5) {
			add("link set va%d alias %s", i, pick("uplink", "a-b", "x"))
		}
		if chance(0.3) {
			add("link property add dev va%d altname va%d-alt", i, i)
		}
		if chance(0.5) {
			add("link set vb%d master br0", i)
		}
		if chance(0.3) {
			add("link set va%d group %d", i, 1+r.IntN(100))
		}
		add("link set va%d up", i)
		if i == 0 || chance(0.7) { // va0 keeps its carrier, for the nexthops; a peer left down shows NO-CARRIER
			add("link set vb%d up", i)
		}
	}
	add("link add ifb0 type ifb")
	if chance(0.5) {
		add("link set ifb0 up")
	}
	if chance(0.5) {
		add("link add mv0 link va0 type macvlan mode %s", pick("bridge", "private", "vepa"))
	}
	add("link set br0 up")

	for i := range pairs {
		plen := 16 + r.IntN(13)
		add("addr add 10.%d.0.1/%d dev va%d%s%s", i, plen, i, pick("", " brd +"),
			pick("", fmt.Sprintf(" label va%d:%d", i, r.IntN(9))))
		for j := range r.IntN(3) {
			add("addr add 10.%d.0.%d/%d dev va%d%s%s", i, 10+j, plen, i, pick("", " noprefixroute"),
				pick("", " metric 77", " valid_lft 3000 preferred_lft 2000"))
		}
		if chance(0.5) {
			add("addr add 172.16.%d.1 peer 172.16.%d.2/32 dev va%d scope %s", i, i, i, pick("global", "link", "host"))
		}
		opt := pick("", " noprefixroute", " metric 33", " valid_lft 4000 preferred_lft 0")
		add("addr add 2001:db8:%d::1/64 dev va%d nodad%s", i, i, opt)
		if opt == " noprefixroute" {
			// The gateways the plan puts on this prefix stay reachable (without it the kernel refuses every
			// route and nexthop through them, and the listings would hold too little to mean anything).
			add("route add 2001:db8:%d::/64 dev va%d", i, i)
		}
	}

	tables := []string{"main", "main", "100", "default", "1000"}
	protos := []string{"boot", "static", "bgp", "123", "kernel", "ospf", "dhcp"}
	for range 10 + r.IntN(15) {
		i := r.IntN(pairs)
		dst := fmt.Sprintf("10.%d.%d.0/%s", 100+r.IntN(100), r.IntN(256), pick("24", "28", "32"))
		opts := fmt.Sprintf(" table %s proto %s", pick(tables...), pick(protos...))
		if chance(0.5) {
			opts += fmt.Sprintf(" metric %d", r.IntN(2000))
		}
		if chance(0.3) {
			opts += fmt.Sprintf(" mtu %s%d advmss %d", pick("", "lock "), 1000+r.IntN(500), 900+r.IntN(400))
		}
		if chance(0.2) {
			opts += fmt.Sprintf(" rtt %dms rto_min %dms initcwnd %d", 10+r.IntN(3000), 10+r.IntN(500), 1+r.IntN(20))
		}
		if chance(0.1) {
			opts += " features ecn congctl cubic"
		}
		if chance(0.2) {
			opts += fmt.Sprintf(" tos 0x%x", 4*r.IntN(8))
		}
		realm := "" // RTA_FLOW: not with multipath routes, whose hops carry their own
		if chance(0.2) {
			realm = fmt.Sprintf(" realm %d", 1+r.IntN(100))
		}
		switch x := r.IntN(10); {
		case x < 4:
			add("route add %s via 10.%d.0.%d dev va%d%s%s%s", dst, i, 2+r.IntN(8), i, pick("", " onlink"), opts, realm)
		case x < 5:
			add("route add %s dev va%d scope link src 10.%d.0.1%s%s", dst, i, i, opts, realm)
		case x < 7:
			j := r.IntN(pairs)
			add("route add %s%s nexthop via 10.%d.0.%d dev va%d weight %d onlink nexthop via 10.%d.0.%d dev va%d weight %d",
				dst, opts, i, 2+r.IntN(8), i, 1+r.IntN(5), j, 2+r.IntN(8), j, 1+r.IntN(5))
		default:
			add("route add %s %s%s%s", pick("blackhole", "unreachable", "prohibit", "throw"), dst, opts, realm)
		}
	}
	for range 5 + r.IntN(10) {
		i := r.IntN(pairs)
		dst := fmt.Sprintf("2001:db8:%x:%x::/64", 100+r.IntN(100), r.IntN(65536))
		opts := fmt.Sprintf(" table %s proto %s metric %d", pick(tables...), pick(protos...), r.IntN(2000))
		if chance(0.4) {
			opts += " pref " + pick("low", "medium", "high")
		}
		switch x := r.IntN(10); {
		case x < 4:
			add("-6 route add %s via 2001:db8:%d::%x dev va%d%s", dst, i, 2+r.IntN(200), i, opts)
		case x < 6:
			add("-6 route add %s dev va%d%s", dst, i, opts)
		case x < 8:
			j := r.IntN(pairs)
			add("-6 route add %s%s nexthop via 2001:db8:%d::%x dev va%d weight %d nexthop via 2001:db8:%d::%x dev va%d weight %d",
				dst, opts, i, 2+r.IntN(200), i, 1+r.IntN(5), j, 2+r.IntN(200), j, 1+r.IntN(5))
		default:
			add("-6 route add %s %s%s", pick("blackhole", "unreachable", "prohibit"), dst, opts)
		}
	}

	// Nexthop objects (on va0, which has its carrier: the kernel refuses a nexthop on a link without one) and
	// a route that uses one.
	add("nexthop add id 1 via 10.0.0.%d dev va0%s", 2+r.IntN(8), pick("", " proto static", " onlink"))
	add("nexthop add id 2 blackhole")
	add("nexthop add id 3 via 10.0.0.%d dev va0", 2+r.IntN(8))
	add("nexthop add id 4 group 1/3,%d", 1+r.IntN(9))
	if chance(0.5) {
		add("nexthop add id 5 group 1/3 type resilient buckets %d idle_timer %d unbalanced_timer %d",
			8*(1+r.IntN(8)), r.IntN(200), r.IntN(100))
	}
	add("nexthop add id 6 dev va%d", r.IntN(pairs))
	add("-6 nexthop add id 7 via 2001:db8:0::%x dev va0", 2+r.IntN(200))
	add("route add 10.250.%d.0/24 nhid %s", r.IntN(256), pick("1", "2", "4"))

	for range 3 + r.IntN(6) {
		i := r.IntN(pairs)
		state := pick("permanent", "reachable", "stale", "noarp", "delay", "probe", "failed")
		lladdr := " lladdr " + mac()
		if state == "failed" {
			lladdr = ""
		}
		add("neigh add 10.%d.0.%d%s dev va%d nud %s%s", i, 100+r.IntN(150), lladdr, i, state, pick("", " router"))
		if chance(0.5) {
			add("-6 neigh add 2001:db8:%d::%x%s dev va%d nud %s%s", i, 100+r.IntN(150), lladdr, i, state,
				pick("", " router"))
		}
	}
	add("neigh add proxy 10.0.0.%d dev va0", 200+r.IntN(50))

	for n := range 4 + r.IntN(6) {
		pref := 100 + 10*n
		sel := pick("", fmt.Sprintf(" from 10.%d.0.0/16", r.IntN(256)), fmt.Sprintf(" to 10.%d.%d.0/24", r.IntN(256), r.IntN(256)),
			fmt.Sprintf(" fwmark 0x%x", 1+r.IntN(255)), fmt.Sprintf(" fwmark 0x%x/0x%x", 1+r.IntN(255), 1+r.IntN(255)),
			" iif va0", " oif va1", " iif nosuch", fmt.Sprintf(" uidrange %d-%d", r.IntN(10), 10+r.IntN(10)),
			fmt.Sprintf(" ipproto tcp dport %d", 1+r.IntN(1000)), fmt.Sprintf(" ipproto udp sport %d-%d", 1, 100+r.IntN(1000)),
			fmt.Sprintf(" tos 0x%x", 4*(1+r.IntN(7))))
		if chance(0.2) {
			sel = " not" + sel
		}
		act := pick(" lookup 100", " lookup main", " lookup 1000", " goto 32766", " nop", " blackhole", " unreachable",
			" prohibit", " lookup main suppress_prefixlength 0")
		add("rule add pref %d%s%s%s", pref, sel, act, pick("", " proto static", " proto 99"))
	}
	add("-6 rule add pref 500 from 2001:db8::/32 lookup %s", pick("100", "main"))
	if chance(0.5) {
		add("-6 rule add pref 510 to 2001:db8:5::1 prohibit")
	}
	return out
}

// compareFormat checks each listing nlkit formats against ip's, retrying briefly while they differ (lifetimes
// count down in seconds, and a dump taken just before a second boundary differs from one just after).
func (e *env) compareFormat() {
	e.t.Helper()
	ctx := ctxT(e.t)
	must := func(err error) {
		e.t.Helper()
		if err != nil {
			e.t.Fatal(err)
		}
	}
	linkOpts := func() (route.FormatOptions, []route.Link) {
		links, err := e.c.Link.List(ctx, nil)
		must(err)
		byIndex := map[int32]*route.Link{}
		for i := range links {
			byIndex[links[i].Index] = &links[i]
		}
		return route.FormatOptions{Link: func(i int32) (*route.Link, bool) { l, ok := byIndex[i]; return l, ok }}, links
	}
	lines := func(b []byte) int { return strings.Count(string(b), "\n") }
	counts := map[string]int{}
	for _, c := range []struct {
		name string
		ip   []string
		ours func() []byte
	}{
		{"ip link show", []string{"link", "show"}, func() []byte {
			o, links := linkOpts()
			var b []byte
			for i := range links {
				b = append(links[i].AppendFormat(b, &o), '\n')
			}
			return b
		}},
		{"ip addr show", []string{"addr", "show"}, func() []byte {
			o, links := linkOpts()
			o.LinkView = route.LinkViewAddr
			addrs, err := e.c.Addr.List(ctx, nil)
			must(err)
			var b []byte
			for i := range links {
				b = append(links[i].AppendFormat(b, &o), '\n')
				for j := range addrs {
					if !ipPrintsAddrProto {
						addrs[j].Protocol = 0
					}
					if addrs[j].Index == links[i].Index {
						b = append(addrs[j].AppendFormat(append(b, "    "...), &o), '\n')
					}
				}
			}
			return b
		}},
		// ip lists both families for "table all" when no family is given.
		{"ip route show table all", []string{"route", "show", "table", "all"}, func() []byte {
			return e.formatRoutes(unix.AF_UNSPEC, linkOpts)
		}},
		{"ip -6 route show table all", []string{"-6", "route", "show", "table", "all"}, func() []byte {
			return e.formatRoutes(unix.AF_INET6, linkOpts)
		}},
		{"ip neigh show nud all", []string{"neigh", "show", "nud", "all"}, func() []byte {
			o, _ := linkOpts()
			neighs, err := e.c.Neigh.List(ctx, nil)
			must(err)
			var b []byte
			for i := range neighs {
				b = append(neighs[i].AppendFormat(b, &o), '\n')
			}
			return b
		}},
		{"ip neigh show proxy", []string{"neigh", "show", "proxy"}, func() []byte {
			o, _ := linkOpts()
			neighs, err := e.c.Neigh.List(ctx, &route.NeighFilter{Proxy: true})
			must(err)
			var b []byte
			for i := range neighs {
				b = append(neighs[i].AppendFormat(b, &o), '\n')
			}
			return b
		}},
		{"ip rule show", []string{"rule", "show"}, func() []byte { return e.formatRules(unix.AF_INET) }},
		{"ip -6 rule show", []string{"-6", "rule", "show"}, func() []byte { return e.formatRules(unix.AF_INET6) }},
		{"ip nexthop show", []string{"nexthop", "show"}, func() []byte {
			o, _ := linkOpts()
			nhs, err := e.c.Nexthop.List(ctx, nil)
			must(err)
			var b []byte
			for i := range nhs {
				b = append(nhs[i].AppendFormat(b, &o), '\n')
			}
			return b
		}},
	} {
		var ours []byte
		var ip string
		for try := 0; try < 10; try++ {
			ours, ip = c.ours(), e.ip(c.ip...)
			if string(ours) == ip {
				break
			}
			time.Sleep(150 * time.Millisecond)
		}
		if string(ours) != ip {
			e.t.Errorf("%s: Format differs from ip:\n%s", c.name, lineDiff(string(ours), ip))
		}
		counts[c.name] = lines(ours)
	}
	// The comparison means something only if the listings held what the plan made.
	for name, least := range map[string]int{"ip link show": 10, "ip addr show": 20, "ip route show table all": 15,
		"ip -6 route show table all": 8, "ip neigh show nud all": 3, "ip neigh show proxy": 1, "ip rule show": 6,
		"ip -6 rule show": 3, "ip nexthop show": 5} {
		if counts[name] < least {
			e.t.Errorf("%s: only %d lines compared (want at least %d)", name, counts[name], least)
		}
	}
	e.t.Logf("lines compared: %v", counts)
}

// formatRoutes formats the routes of every table of one family, as `ip route show table all` lists them.
func (e *env) formatRoutes(family uint8, linkOpts func() (route.FormatOptions, []route.Link)) []byte {
	o, _ := linkOpts()
	routes, err := e.c.Route.List(ctxT(e.t), &route.RouteFilter{Family: family})
	if err != nil {
		e.t.Fatal(err)
	}
	var b []byte
	for i := range routes {
		b = append(routes[i].AppendFormat(b, &o), '\n')
	}
	return b
}

// formatRules formats the rules of one family: a rule prints the same through String.
func (e *env) formatRules(family uint8) []byte {
	rules, err := e.c.Rule.List(ctxT(e.t), &route.RuleFilter{Family: family})
	if err != nil {
		e.t.Fatal(err)
	}
	var b []byte
	for _, r := range rules {
		b = append(b, r.String()...)
		b = append(b, '\n')
	}
	return b
}

// lineDiff shows two texts line by line, marking the lines that differ.
func lineDiff(ours, ip string) string {
	a, b := strings.Split(ours, "\n"), strings.Split(ip, "\n")
	var s strings.Builder
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x == y {
			fmt.Fprintf(&s, "    %q\n", x)
		} else {
			fmt.Fprintf(&s, "  nlkit %q\n  ip    %q\n", x, y)
		}
	}
	return s.String()
}

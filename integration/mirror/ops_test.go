//go:build linux

package mirror

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// op is one operation of the grammar: an ip command line (the writer may instead carry it out through nlkit,
// when it knows the form), or a burst of route adds.
type op struct {
	// ns is "" for the namespace under test, "other" for the second one (where moved links go).
	ns string
	// opt is a global option of ip ("-6" for rules without addresses); lines with different ns or opt go to
	// different ip processes.
	opt string
	// args are ip's arguments after the global options.
	args []string
	// nl asks the writer to use nlkit for this operation when it can.
	nl bool
	// burst > 0 is a burst of that many route adds through nlkit (args unused).
	burst int
	// check asks for a checkpoint (barrier and comparison) after this operation.
	check bool
	// index is the operation's number in the seed's sequence, and batch the batch bounds of the plan, which
	// the sequence depends on (for the replay line).
	index int
	batch [2]int
	// result is the kernel's refusal, when it refused (set by the writer, for the log).
	result string
}

// String is the operation as the command it was: "ip -n other link del va0", "nlkit: ip route add ...".
func (o op) String() string {
	if o.burst > 0 {
		return fmt.Sprintf("nlkit: %d x ip route add 10.200.X.Y/32 dev lo table 250 (burst)", o.burst)
	}
	var b strings.Builder
	if o.nl {
		b.WriteString("nlkit: ")
	}
	b.WriteString("ip")
	if o.ns != "" {
		b.WriteString(" -n " + o.ns)
	}
	if o.opt != "" {
		b.WriteString(" " + o.opt)
	}
	b.WriteString(" " + strings.Join(o.args, " "))
	return b.String()
}

// linkDef is a link the grammar may create.
type linkDef struct {
	name, kind string
	add        string // ip link add arguments after "link add"
}

// linkDefs are all the links of the grammar; only those of kinds the kernel offers are used.
var linkDefs = []linkDef{
	{"va0", "veth", "va0 type veth peer name vb0"},
	{"va1", "veth", "va1 type veth peer name vb1"},
	{"br0", "bridge", "br0 type bridge"},
	{"br1", "bridge", "br1 type bridge"},
	{"mv0", "macvlan", "mv0 link va0 type macvlan mode bridge"},
	{"vx0", "vxlan", "vx0 type vxlan id 42 dstport 4789"},
	{"ifb0", "ifb", "ifb0 type ifb"},
	{"ifb1", "ifb", "ifb1 type ifb"},
	{"dm0", "dummy", "dm0 type dummy"},
	{"vl0", "vlan", "vl0 link va1 type vlan id 10"},
	{"bo0", "bond", "bo0 type bond"},
	{"vrf0", "vrf", "vrf0 type vrf table 10"},
}

// The small address space, so that operations collide often.
var (
	addrs4 = []string{"10.0.0.1/24", "10.0.0.2/24", "10.0.1.1/24", "10.0.1.2/24", "10.0.2.1/28"}
	addrs6 = []string{"2001:db8::1/64", "2001:db8::2/64", "2001:db8:1::1/64", "2001:db8:1::2/64"}
	gws4   = []string{"10.0.0.10", "10.0.0.11", "10.0.1.10", "10.0.2.5"}
	gws6   = []string{"2001:db8::a", "2001:db8::b", "2001:db8:1::a"}
	dsts4  = []string{"10.10.0.0/24", "10.10.1.0/24", "10.10.0.0/16", "0.0.0.0/0", "10.10.2.1/32"}
	dsts6  = []string{"2001:db8:a::/64", "2001:db8:b::/64", "2001:db8:a::/48", "::/0"}
	srcs4  = []string{"10.0.0.1", "10.0.1.1"}
	srcs6  = []string{"2001:db8::1", "2001:db8:1::1"}
	tables = []string{"", "", "table 100", "table 200"}
	metric = []string{"", "", "metric 10", "metric 20"}
	neigh4 = []string{"10.0.0.20", "10.0.0.21", "10.0.1.20"}
	neigh6 = []string{"2001:db8::20", "2001:db8::21"}
	macs   = []string{"02:00:00:00:00:01", "02:00:00:00:00:02"}
	nhIDs  = []string{"1", "2", "3", "4", "5", "6"}
	grpIDs = []string{"10", "11"}
	prefs  = []string{"100", "101", "102", "103"}
)

// gen draws operations. The sequence depends on the seed and on the link kinds only, never on the kernel's
// answers, so a seed (and a list of kept operations) replays exactly.
type gen struct {
	r     *rand.Rand
	links []linkDef // links of kinds the kernel offers
	devs  []string  // names operations refer to: the links, veth peers, and rename targets
	// mainNS and otherNS are the names of the two namespaces (for link set netns).
	mainNS, otherNS string
}

func newGen(seed uint64, kinds map[string]bool, mainNS, otherNS string) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x6d6972726f72)), mainNS: mainNS, otherNS: otherNS}
	for _, d := range linkDefs {
		if kinds[d.kind] {
			g.links = append(g.links, d)
			g.devs = append(g.devs, d.name)
			if d.kind == "veth" {
				g.devs = append(g.devs, "vb"+d.name[2:])
			}
		}
	}
	g.devs = append(g.devs, "rn0", "rn1")
	return g
}

func (g *gen) pick(s []string) string { return s[g.r.IntN(len(s))] }
func (g *gen) chance(p float64) bool  { return g.r.Float64() < p }

// dev picks a link name, favouring the veth ends, which carry addresses and routes best.
func (g *gen) dev() string {
	if g.chance(0.5) {
		return g.pick([]string{"va0", "vb0", "va1", "va0"})
	}
	return g.pick(g.devs)
}

func fields(parts ...string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, strings.Fields(p)...)
	}
	return out
}

// plan draws n operations in batches, marking checkpoints: at every batch's end and, now and then, inside one.
// Each batch has one writer: ip, nlkit, or a mix drawn per operation.
func (g *gen) plan(n int, minBatch, maxBatch int) []op {
	var ops []op
	for len(ops) < n {
		size := minBatch + g.r.IntN(maxBatch-minBatch+1)
		writer := g.r.IntN(3) // 0 ip, 1 nlkit, 2 mixed
		for i := 0; i < size && len(ops) < n; i++ {
			o := g.next()
			switch writer {
			case 1:
				o.nl = true
			case 2:
				o.nl = g.chance(0.5)
			}
			if o.burst > 0 {
				o.nl = true
			}
			o.check = g.chance(0.04)
			ops = append(ops, o)
		}
		ops[len(ops)-1].check = true
	}
	return ops
}

// next draws one operation.
func (g *gen) next() op {
	switch x := g.r.IntN(1000); {
	case x < 170:
		return g.linkOp()
	case x < 330:
		return g.addrOp()
	case x < 680:
		return g.routeOp()
	case x < 780:
		return g.nexthopOp()
	case x < 870:
		return g.neighOp()
	case x < 970:
		return g.ruleOp()
	case x < 975:
		return op{burst: 100 + g.r.IntN(400)}
	default:
		return op{args: fields(g.pick([]string{"route flush table 250", "route flush table 100", "addr flush dev " + g.dev(),
			"route flush dev " + g.dev(), "neigh flush dev " + g.dev()}))}
	}
}

func (g *gen) linkOp() op {
	d := g.dev()
	switch x := g.r.IntN(100); {
	case x < 22:
		l := g.links[g.r.IntN(len(g.links))]
		return op{args: fields("link add " + l.add)}
	case x < 32:
		return op{args: fields("link del " + d)}
	case x < 52:
		return op{args: fields("link set " + d + " up")}
	case x < 60:
		return op{args: fields("link set " + d + " down")}
	case x < 65:
		return op{args: fields("link set " + d + " mtu " + g.pick([]string{"1280", "1400", "1500", "9000"}))}
	case x < 70:
		to := g.pick([]string{"rn0", "rn1", "va0", "br0", "ifb0"})
		return op{args: fields("link set " + d + " name " + to)}
	case x < 80:
		m := g.pick([]string{"br0", "br0", "br1", "bo0", "vrf0"})
		return op{args: fields("link set " + d + " master " + m)}
	case x < 85:
		return op{args: fields("link set " + d + " nomaster")}
	case x < 88:
		return op{args: fields("link set " + d + " alias " + g.pick([]string{"a", "bb", "uplink"}))}
	case x < 93:
		return op{args: fields("link set " + d + " netns " + g.otherNS)}
	case x < 97:
		return op{ns: "other", args: fields("link set " + d + " netns " + g.mainNS)}
	default:
		return op{ns: "other", args: fields("link del " + d)}
	}
}

func (g *gen) addrOp() op {
	v6 := g.chance(0.45)
	a := g.pick(addrs4)
	if v6 {
		a = g.pick(addrs6)
	}
	verb := g.pick([]string{"add", "add", "add", "del", "del", "replace"})
	parts := []string{"addr", verb, a, "dev", g.dev()}
	if verb != "del" {
		if v6 {
			parts = append(parts, "nodad")
		}
		if g.chance(0.2) {
			valid := g.pick([]string{"4", "30", "600", "forever"})
			pref := valid
			if valid != "forever" && g.chance(0.5) {
				pref = "2"
			}
			parts = append(parts, "valid_lft", valid, "preferred_lft", pref)
		}
		if g.chance(0.1) {
			parts = append(parts, "noprefixroute")
		}
		if g.chance(0.1) {
			parts = append(parts, "metric", g.pick([]string{"5", "50"}))
		}
	}
	return op{args: parts}
}

// hop is "via G dev D" or "dev D" in the family.
func (g *gen) hop(v6 bool) string {
	gw := g.pick(gws4)
	if v6 {
		gw = g.pick(gws6)
	}
	if g.chance(0.15) {
		return "dev " + g.dev()
	}
	if g.chance(0.3) {
		return "via " + gw
	}
	return "via " + gw + " dev " + g.dev()
}

func (g *gen) routeOp() op {
	v6 := g.chance(0.45)
	dst := g.pick(dsts4)
	src := g.pick(srcs4)
	if v6 {
		dst, src = g.pick(dsts6), g.pick(srcs6)
	}
	var verb string
	switch x := g.r.IntN(100); {
	case x < 32:
		verb = "add"
	case x < 57:
		verb = "del"
	case x < 72:
		verb = "replace"
	case x < 85:
		verb = "append"
	case x < 94:
		verb = "prepend"
	default:
		verb = "change"
	}
	parts := []string{"route", verb}
	tail := []string{g.pick(tables), g.pick(metric)}
	if verb == "del" {
		switch x := g.r.IntN(10); {
		case x < 4: // by key only
			return op{args: fields(append(parts, append([]string{dst}, tail...)...)...)}
		case x < 5:
			return op{args: fields(append(parts, append([]string{g.pick([]string{"blackhole", "unreachable", "prohibit"}), dst}, tail...)...)...)}
		default: // one hop (IPv6 takes one nexthop out of a multipath route)
			return op{args: fields(append(parts, append([]string{dst, g.hop(v6)}, tail...)...)...)}
		}
	}
	switch x := g.r.IntN(100); {
	case x < 55:
		parts = append(parts, dst, g.hop(v6))
	case x < 70:
		parts = append(parts, dst)
		for range 2 + g.r.IntN(2) {
			h := g.hop(v6)
			if !strings.Contains(h, "dev") {
				h += " dev " + g.pick([]string{"va0", "vb0", "va1"})
			}
			parts = append(parts, "nexthop", h)
			if g.chance(0.2) {
				parts = append(parts, "weight", "3")
			}
		}
	case x < 80:
		parts = append(parts, g.pick([]string{"blackhole", "unreachable", "prohibit"}), dst)
	default:
		parts = append(parts, dst, "nhid", g.pick(append(nhIDs, grpIDs...)))
	}
	if g.chance(0.1) {
		parts = append(parts, "src", src)
	}
	if g.chance(0.05) {
		parts = append(parts, "proto", "static")
	}
	return op{args: fields(append(parts, tail...)...)}
}

func (g *gen) nexthopOp() op {
	verb := g.pick([]string{"add", "add", "replace", "del"})
	if verb == "del" {
		return op{args: fields("nexthop del id " + g.pick(append(nhIDs, grpIDs...)))}
	}
	if g.chance(0.25) {
		a, b := g.pick(nhIDs), g.pick(nhIDs)
		grp := a + "/" + b
		if g.chance(0.3) {
			grp = a + ",2/" + b
		}
		return op{args: fields("nexthop " + verb + " id " + g.pick(grpIDs) + " group " + grp)}
	}
	id := g.pick(nhIDs)
	switch x := g.r.IntN(10); {
	case x < 5:
		return op{args: fields("nexthop " + verb + " id " + id + " via " + g.pick(gws4) + " dev " + g.dev())}
	case x < 8:
		return op{args: fields("nexthop " + verb + " id " + id + " via " + g.pick(gws6) + " dev " + g.dev())}
	case x < 9:
		return op{args: fields("nexthop " + verb + " id " + id + " dev " + g.dev())}
	default:
		return op{args: fields("nexthop " + verb + " id " + id + " blackhole")}
	}
}

func (g *gen) neighOp() op {
	dst := g.pick(neigh4)
	if g.chance(0.4) {
		dst = g.pick(neigh6)
	}
	verb := g.pick([]string{"add", "add", "replace", "change", "del"})
	if verb == "del" {
		return op{args: fields("neigh del " + dst + " dev " + g.dev())}
	}
	nud := g.pick([]string{"permanent", "permanent", "noarp", "stale", "reachable"})
	return op{args: fields("neigh " + verb + " " + dst + " lladdr " + g.pick(macs) + " dev " + g.dev() + " nud " + nud)}
}

func (g *gen) ruleOp() op {
	verb := g.pick([]string{"add", "add", "add", "del"})
	pref := "pref " + g.pick(prefs)
	table := g.pick([]string{"table 100", "table 200", "table main"})
	var sel, opt string
	switch x := g.r.IntN(10); {
	case x < 3:
		sel = "iif " + g.dev()
	case x < 5:
		sel = "oif " + g.dev()
	case x < 6:
		sel = "from " + g.pick([]string{"10.10.0.0/16", "10.0.0.0/24"})
	case x < 7:
		sel = "to " + g.pick([]string{"2001:db8:a::/48", "2001:db8::/64"})
	case x < 8:
		sel = "fwmark " + g.pick([]string{"0x1", "0x2/0xff"})
	case x < 9:
		sel = "not from 10.10.0.0/16 iif " + g.dev()
	default:
		sel = "ipproto tcp dport 80"
	}
	if !strings.Contains(sel, ":") && !strings.Contains(sel, ".") && g.chance(0.4) {
		opt = "-6"
	}
	if verb == "del" && g.chance(0.5) {
		return op{opt: opt, args: fields("rule del " + pref)}
	}
	return op{opt: opt, args: fields("rule "+verb, pref, sel, table)}
}

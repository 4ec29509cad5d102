//go:build linux

package tc_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/tc"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The host kernel has none of the kinds below, but tc still encodes them: these tests catch the request tc
// sends (strace's dump of its sendmsg, whatever the kernel answers) and check that nlkit's typed decoders read
// every option tc was given, from tc's own bytes.

// tcRequest runs `tc -n NS ARGS` under strace and returns the last message of type typ it sent.
func tcRequest(t *testing.T, ns, args string, typ uint16) proto.Message {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace")
	cmd := exec.Command("strace", append([]string{"-f", "-o", out, "-e", "trace=sendmsg,sendto", "-e", "write=all",
		"tc", "-n", ns}, splitArgs(args)...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.CombinedOutput() // the kernel refuses the kinds it lacks: the request is what counts
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var bufs [][]byte
	var cur []byte
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, " | ") {
			if cur != nil {
				bufs = append(bufs, cur)
				cur = nil
			}
			continue
		}
		if len(line) < 58 {
			continue
		}
		for _, h := range strings.Fields(line[10:58]) {
			v, err := hex.DecodeString(h)
			if err != nil || len(v) != 1 {
				t.Fatalf("strace line %q", line)
			}
			cur = append(cur, v[0])
		}
	}
	if cur != nil {
		bufs = append(bufs, cur)
	}
	var found *proto.Message
	for _, buf := range bufs {
		msgs, err := proto.ParseMessages(buf)
		if err != nil {
			continue
		}
		for i := range msgs {
			if msgs[i].Header.Type == typ {
				found = &msgs[i]
			}
		}
	}
	if found == nil {
		t.Fatalf("tc %s sent no message of type %d:\n%s", args, typ, b)
	}
	return *found
}

// splitArgs splits on spaces, keeping 'quoted words' whole.
func splitArgs(s string) []string {
	var out []string
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		if s[0] == '\'' {
			end := strings.IndexByte(s[1:], '\'')
			out = append(out, s[1:1+end])
			s = s[2+end:]
			continue
		}
		w, rest, _ := strings.Cut(s, " ")
		out = append(out, w)
		s = rest
	}
	return out
}

func needStrace(t *testing.T) *nstest.NS {
	t.Helper()
	for _, p := range []string{"tc", "strace"} {
		if _, err := exec.LookPath(p); err != nil {
			nstest.Skipf(t, "%s is missing: %v", p, err)
		}
	}
	ns := nstest.NewNamed(t)
	for _, c := range [][]string{
		{"ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"},
	} {
		if out, err := ns.Output(c[0], c[1:]...); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	return ns
}

func u32p(p *uint32) uint32 {
	if p == nil {
		return 1<<32 - 1
	}
	return *p
}

// TestTcEncodedQdiscs decodes the qdiscs and classes tc encodes.
func TestTcEncodedQdiscs(t *testing.T) {
	ns := needStrace(t)
	cases := []struct {
		args  string
		class bool
		check func(t *testing.T, o tc.Options) bool
	}{
		{"qdisc add dev v0 root fq_codel limit 1000 flows 2048 target 3ms interval 90ms quantum 1400 ecn ce_threshold 2ms memory_limit 16mb drop_batch 32", false,
			func(t *testing.T, o tc.Options) bool {
				f := o.(*tc.FQCodel)
				return u32p(f.Limit) == 1000 && u32p(f.Flows) == 2048 && u32p(f.Target) == 3000 && u32p(f.Interval) == 90000 &&
					u32p(f.Quantum) == 1400 && u32p(f.ECN) == 1 && u32p(f.CEThreshold) == 2000 &&
					u32p(f.MemoryLimit) == 16<<20 && u32p(f.DropBatchSize) == 32
			}},
		{"qdisc add dev v0 root codel limit 500 target 4ms interval 80ms ecn ce_threshold 1ms", false,
			func(t *testing.T, o tc.Options) bool {
				c := o.(*tc.Codel)
				return u32p(c.Limit) == 500 && u32p(c.Target) == 4000 && u32p(c.Interval) == 80000 && u32p(c.ECN) == 1 &&
					u32p(c.CEThreshold) == 1000
			}},
		{"qdisc add dev v0 root fq limit 5000 flow_limit 90 quantum 3000 initial_quantum 12000 maxrate 100mbit buckets 2048 orphan_mask 511 ce_threshold 3ms horizon 5s horizon_drop", false,
			func(t *testing.T, o tc.Options) bool {
				f := o.(*tc.FQ)
				return u32p(f.PLimit) == 5000 && u32p(f.FlowPLimit) == 90 && u32p(f.Quantum) == 3000 &&
					u32p(f.InitialQuantum) == 12000 && u32p(f.FlowMaxRate) == 12500000 && u32p(f.BucketsLog) == 11 &&
					u32p(f.OrphanMask) == 511 && u32p(f.CEThreshold) == 3000 && u32p(f.Horizon) == 5000000 &&
					f.HorizonDrop != nil && *f.HorizonDrop == 1
			}},
		{"qdisc add dev v0 root sfq perturb 10 quantum 1600 limit 100 divisor 512 flows 64 depth 32 headdrop", false,
			func(t *testing.T, o tc.Options) bool {
				s := o.(*tc.SFQ)
				return s.PerturbPeriod == 10 && s.Quantum == 1600 && s.Limit == 100 && s.Divisor == 512 && s.Flows == 64 &&
					s.V1 && s.Depth == 32 && s.Headdrop == 1
			}},
		{"qdisc add dev v0 root prio bands 4 priomap 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3", false,
			func(t *testing.T, o tc.Options) bool {
				p := o.(*tc.Prio)
				return p.Bands == 4 && p.Map == [16]uint8{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}
			}},
		{"qdisc add dev v0 root netem limit 2000 delay 100ms 10ms 25% loss 1% duplicate 2% reorder 25% 50% corrupt 0.1% rate 1mbit", false,
			func(t *testing.T, o tc.Options) bool {
				n := o.(*tc.Netem)
				pct := func(p float64) uint32 { return uint32(p / 100 * float64(1<<32-1)) }
				near := func(a, b uint32) bool { return a-b < 4 || b-a < 4 }
				// tc 6.1 sends the delay and jitter in ticks in tc_netem_qopt (the 64-bit attributes only
				// when they do not fit).
				ps := tc.DefaultPsched()
				return n.Qopt.Limit == 2000 && n.Qopt.Latency == ps.Time2Tick(100000) && n.Qopt.Jitter == ps.Time2Tick(10000) && near(n.Qopt.Loss, pct(1)) && near(n.Qopt.Duplicate, pct(2)) &&
					n.Corr != nil && near(n.Corr.DelayCorr, pct(25)) && n.Reorder != nil && near(n.Reorder.Probability, pct(25)) &&
					near(n.Reorder.Correlation, pct(50)) && n.Corrupt != nil && near(n.Corrupt.Probability, pct(0.1)) &&
					n.Rate != nil && n.Rate.Rate == 125000
			}},
		{"qdisc add dev v0 root red limit 400000 min 30000 max 90000 avpkt 1000 burst 55 probability 0.02 bandwidth 10mbit ecn", false,
			func(t *testing.T, o tc.Options) bool {
				r := o.(*tc.RED)
				return r.Parms != nil && r.Parms.Limit == 400000 && r.Parms.QthMin == 30000 && r.Parms.QthMax == 90000 &&
					(r.Parms.Flags&1 != 0 || r.Flags != nil && r.Flags.Value&1 != 0) && r.MaxP != nil && len(r.Stab) == 256
			}},
		{"qdisc add dev v0 root cake bandwidth 100mbit rtt 50ms diffserv4 nat wash ack-filter overhead 18 mpu 64", false,
			func(t *testing.T, o tc.Options) bool {
				c := o.(*tc.Cake)
				return c.BaseRate64 != nil && *c.BaseRate64 == 12500000 && u32p(c.RTT) == 50000 && u32p(c.DiffservMode) == 1 /* CAKE_DIFFSERV_DIFFSERV4 */ &&
					u32p(c.NAT) == 1 && u32p(c.Wash) == 1 && u32p(c.AckFilter) == 1 && c.Overhead != nil && *c.Overhead == 18 &&
					u32p(c.MPU) == 64
			}},
		{"qdisc add dev v0 root handle 1: ets bands 4 strict 1 quanta 1000 2000 3000 priomap 3 2 1 0", false,
			func(t *testing.T, o tc.Options) bool {
				e := o.(*tc.ETS)
				return e.NBands != nil && *e.NBands == 4 && e.NStrict != nil && *e.NStrict == 1 &&
					len(e.Quanta) == 3 && e.Quanta[2] == 3000 && len(e.PrioMap) == 4 && e.PrioMap[0] == 3
			}},
		{"qdisc add dev v0 root handle 1: hfsc default 10", false,
			func(t *testing.T, o tc.Options) bool { return o.(*tc.HFSC).DefaultClass == 0x10 }},
		{"class add dev v0 parent 1: classid 1:10 hfsc sc rate 1mbit ul rate 2mbit", true,
			func(t *testing.T, o tc.Options) bool {
				h := o.(*tc.HFSCClass)
				return h.RSC != nil && h.RSC.M2 == 125000 && h.FSC != nil && h.FSC.M2 == 125000 && h.USC != nil && h.USC.M2 == 250000
			}},
		{"class add dev v0 parent 1: classid 1:10 drr quantum 1500", true,
			func(t *testing.T, o tc.Options) bool { return u32p(o.(*tc.DRRClass).Quantum) == 1500 }},
		{"class change dev v0 classid 1:2 ets quantum 500", true,
			func(t *testing.T, o tc.Options) bool { return u32p(o.(*tc.ETSClass).Quantum) == 500 }},
	}
	for _, c := range cases {
		typ := uint16(unix.RTM_NEWQDISC)
		if c.class {
			typ = unix.RTM_NEWTCLASS
		}
		m := tcRequest(t, ns.Name, c.args, typ)
		var o tc.Object
		var err error
		if c.class {
			var cl tc.Class
			err = cl.UnmarshalBinary(m.Data)
			o = cl.Object
		} else {
			var q tc.Qdisc
			err = q.UnmarshalBinary(m.Data)
			o = q.Object
		}
		if err != nil {
			t.Errorf("tc %s: %v", c.args, err)
			continue
		}
		if _, raw := o.Options.(*tc.Raw); raw || o.Options == nil {
			t.Errorf("tc %s: options %T", c.args, o.Options)
			continue
		}
		if !c.check(t, o.Options) {
			t.Errorf("tc %s: nlkit decodes %s", c.args, dump(o.Options))
		}
	}
}

// dump prints options with the values behind their pointers.
func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTcEncodedFilters decodes the classifiers, with their actions, that tc encodes.
func TestTcEncodedFilters(t *testing.T) {
	ns := needStrace(t)
	v1 := func() uint32 {
		out, err := ns.Output("ip", "-j", "link", "show", "v1")
		if err != nil {
			t.Fatal(err)
		}
		var l []struct{ Ifindex uint32 }
		if err := json.Unmarshal([]byte(out), &l); err != nil || len(l) != 1 {
			t.Fatalf("ip -j link show v1: %v %s", err, out)
		}
		return l[0].Ifindex
	}()
	gact := func(acts []tc.Action, i int, verdict int32) bool {
		if len(acts) <= i || acts[i].Kind != "gact" {
			return false
		}
		g, ok := acts[i].Options.(*tc.Gact)
		return ok && g.Parms != nil && g.Parms.Action == verdict
	}
	cases := []struct {
		args  string
		check func(f *tc.Filter) bool
	}{
		{"filter add dev v0 parent 1: protocol ip prio 7 u32 match ip dst 10.0.0.0/24 match ip dport 80 0xffff flowid 1:10 action drop",
			func(f *tc.Filter) bool {
				u := f.Options.(*tc.U32)
				return f.Priority == 7 && f.Protocol == unix.ETH_P_IP && u32p(u.ClassID) == 0x10010 && u.HasSel &&
					len(u.Keys) == 2 && u.Keys[0].Val == 0x0a000000 && u.Keys[0].Mask == 0xffffff00 && u.Keys[0].Off == 16 &&
					u.Keys[1].Val == 80 && u.Keys[1].Mask == 0xffff && u.Sel.Flags&1 != 0 && gact(u.Actions, 0, tc.ActShot)
			}},
		{"filter add dev v0 parent 1: prio 2 handle 2: protocol ip u32 divisor 256",
			func(f *tc.Filter) bool { return u32p(f.Options.(*tc.U32).Divisor) == 256 && f.Handle == 0x200000 }},
		{"filter add dev v0 ingress protocol ip pref 3 flower src_mac 02:00:00:00:00:01 dst_ip 10.1.0.0/16 ip_proto tcp dst_port 443 tcp_flags 0x2/0x12 ip_tos 0x10/0xff skip_sw action mirred egress redirect dev v1",
			func(f *tc.Filter) bool {
				fl := f.Options.(*tc.Flower)
				m, ok := func() (*tc.Mirred, bool) {
					if len(fl.Actions) != 1 {
						return nil, false
					}
					m, ok := fl.Actions[0].Options.(*tc.Mirred)
					return m, ok
				}()
				return f.Parent == tc.MakeHandle(0xffff, tc.MinIngress) && f.Priority == 3 &&
					fl.EthType != nil && *fl.EthType == unix.ETH_P_IP && len(fl.EthSrc) == 6 && fl.EthSrc[5] == 1 &&
					fl.IPv4Dst.String() == "10.1.0.0" && fl.IPv4DstMask.String() == "255.255.0.0" &&
					fl.IPProto != nil && *fl.IPProto == 6 && fl.TCPDst != nil && *fl.TCPDst == 443 &&
					fl.TCPFlags != nil && *fl.TCPFlags == 2 && fl.TCPFlagsMask != nil && *fl.TCPFlagsMask == 0x12 &&
					fl.IPTOS != nil && *fl.IPTOS == 0x10 && u32p(fl.Flags) == 2 /* TCA_CLS_FLAGS_SKIP_SW */ &&
					ok && m.Parms != nil && m.Parms.EAction == 1 && m.Parms.Ifindex == v1 && m.Parms.Action == tc.ActStolen
			}},
		{"filter add dev v0 egress matchall skip_hw action gact pass action gact drop",
			func(f *tc.Filter) bool {
				m := f.Options.(*tc.Matchall)
				return f.Parent == tc.MakeHandle(0xffff, tc.MinEgress) && u32p(m.Flags) == 1 && gact(m.Actions, 0, tc.ActOK) &&
					gact(m.Actions, 1, tc.ActShot) && m.Actions[1].Order == 2
			}},
		{"filter add dev v0 parent 1: bpf bytecode '1,6 0 0 4294967295,' classid 1:1",
			func(f *tc.Filter) bool {
				b := f.Options.(*tc.BPF)
				return b.OpsLen != nil && *b.OpsLen == 1 && len(b.Ops) == 8 && u32p(b.ClassID) == 0x10001
			}},
		{"filter add dev v0 parent 1: basic match 'cmp(u8 at 0 layer network eq 0x45)' classid 1:2",
			func(f *tc.Filter) bool {
				b := f.Options.(*tc.Basic)
				return len(b.Ematches) > 0 && u32p(b.ClassID) == 0x10002
			}},
		{"filter add dev v0 parent 1: handle 5 fw classid 1:5",
			func(f *tc.Filter) bool { return f.Handle == 5 && u32p(f.Options.(*tc.FW).ClassID) == 0x10005 }},
		{"filter add dev v0 parent 1: route to 10 classid 1:10",
			func(f *tc.Filter) bool {
				r := f.Options.(*tc.Route)
				return u32p(r.ClassID) == 0x10010 && u32p(r.To) == 10
			}},
	}
	for _, c := range cases {
		m := tcRequest(t, ns.Name, c.args, unix.RTM_NEWTFILTER)
		var f tc.Filter
		if err := f.UnmarshalBinary(m.Data); err != nil {
			t.Errorf("tc %s: %v", c.args, err)
			continue
		}
		if _, raw := f.Options.(*tc.Raw); raw || f.Options == nil {
			t.Errorf("tc %s: options %T", c.args, f.Options)
			continue
		}
		if !c.check(&f) {
			t.Errorf("tc %s: nlkit decodes %s", c.args, dump(f.Options))
		}
	}
}

// TestTcEncodedActions decodes the standalone actions that tc encodes (RTM_NEWACTION).
func TestTcEncodedActions(t *testing.T) {
	ns := needStrace(t)
	cases := []struct {
		args  string
		check func(a *tc.Action) bool
	}{
		{"actions add action gact drop random determ pass 10 index 5", func(a *tc.Action) bool {
			g := a.Options.(*tc.Gact)
			return g.Parms != nil && g.Parms.Index == 5 && g.Parms.Action == tc.ActShot && g.Prob != nil &&
				g.Prob.PType == 2 && g.Prob.PVal == 10 && g.Prob.PAction == tc.ActOK
		}},
		{"actions add action mirred egress mirror dev v1 index 6", func(a *tc.Action) bool {
			m := a.Options.(*tc.Mirred)
			return m.Parms != nil && m.Parms.Index == 6 && m.Parms.EAction == 2 && m.Parms.Action == tc.ActPipe
		}},
		{"actions add action police rate 1mbit burst 10k conform-exceed drop index 7", func(a *tc.Action) bool {
			p := a.Options.(*tc.Police)
			return p.Parms != nil && p.Parms.Index == 7 && p.Parms.Rate.Rate == 125000 && p.Parms.Action == tc.ActShot &&
				len(p.RateTable) == 1024
		}},
		{"actions add action skbedit mark 5 priority 1:1 queue_mapping 2", func(a *tc.Action) bool {
			s := a.Options.(*tc.SkbEdit)
			return u32p(s.Mark) == 5 && u32p(s.Priority) == 0x10001 && s.QueueMapping != nil && *s.QueueMapping == 2
		}},
		{"actions add action vlan push id 100 priority 3", func(a *tc.Action) bool {
			v := a.Options.(*tc.VLAN)
			return v.Parms != nil && v.Parms.VAction == 2 && v.ID != nil && *v.ID == 100 && v.Priority != nil && *v.Priority == 3
		}},
		{"actions add action tunnel_key set src_ip 1.1.1.1 dst_ip 2.2.2.2 id 7 dst_port 4789 tos 0x10 ttl 64", func(a *tc.Action) bool {
			k := a.Options.(*tc.TunnelKey)
			return k.Parms != nil && k.Parms.TAction == 1 && k.Src4.String() == "1.1.1.1" && k.Dst4.String() == "2.2.2.2" &&
				u32p(k.KeyID) == 7 && k.DstPort != nil && *k.DstPort == 4789 && k.TOS != nil && *k.TOS == 0x10 &&
				k.TTL != nil && *k.TTL == 64
		}},
		{"actions add action csum ip4h tcp", func(a *tc.Action) bool {
			c := a.Options.(*tc.Csum)
			return c.Parms != nil && c.Parms.UpdateFlags == 1|8
		}},
		{"actions add action connmark zone 3 index 9", func(a *tc.Action) bool {
			c := a.Options.(*tc.Connmark)
			return c.Parms != nil && c.Parms.Zone == 3 && c.Parms.Index == 9
		}},
		{"actions add action ct zone 2 commit mark 5/0xff", func(a *tc.Action) bool {
			c := a.Options.(*tc.CT)
			return c.Zone != nil && *c.Zone == 2 && u32p(c.Mark) == 5 && u32p(c.MarkMask) == 0xff && c.Action != nil &&
				*c.Action&1 != 0 /* TCA_CT_ACT_COMMIT */
		}},
		{"actions add action nat ingress 10.0.0.1 1.1.1.1", func(a *tc.Action) bool {
			n := a.Options.(*tc.NAT)
			return n.Parms != nil && n.Parms.OldAddr == [4]byte{10, 0, 0, 1} && n.Parms.NewAddr == [4]byte{1, 1, 1, 1} &&
				n.Parms.Mask == [4]byte{255, 255, 255, 255} && n.Parms.Flags == 0
		}},
		{"actions add action sample rate 100 group 5 trunc 128", func(a *tc.Action) bool {
			s := a.Options.(*tc.Sample)
			return u32p(s.Rate) == 100 && u32p(s.PsampleGroup) == 5 && u32p(s.TruncSize) == 128
		}},
		{"actions add action pedit ex munge ip ttl set 10", func(a *tc.Action) bool {
			p := a.Options.(*tc.Pedit)
			// The TTL is the first byte of the IPv4 header's third word: the key keeps the other three.
			return p.HasSel && p.Extended && len(p.Keys) == 1 && p.Keys[0].Val == 10 && p.Keys[0].Mask == 0xffffff00 &&
				p.Keys[0].Off == 8 && len(p.KeysEx) > 0
		}},
	}
	for _, c := range cases {
		m := tcRequest(t, ns.Name, c.args, unix.RTM_NEWACTION)
		acts, err := tc.DecodeActionMessage(m.Data)
		if err != nil || len(acts) != 1 {
			t.Errorf("tc %s: %d actions, %v", c.args, len(acts), err)
			continue
		}
		if _, raw := acts[0].Options.(*tc.Raw); raw || acts[0].Options == nil {
			t.Errorf("tc %s: options %T", c.args, acts[0].Options)
			continue
		}
		if !c.check(&acts[0]) {
			t.Errorf("tc %s: nlkit decodes %s", c.args, dump(acts[0].Options))
		}
	}
}

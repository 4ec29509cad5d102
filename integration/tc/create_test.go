//go:build linux

package tc_test

import (
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/tc"
)

// TestQdiscCreatedByNlkit creates a qdisc of each host kind with nlkit and checks that `tc -j` and
// `tc -s -d -j` show what nlkit shows, key by key, and that nlkit reads back the options it sent.
func TestQdiscCreatedByNlkit(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	v0 := e.index["v0"]
	ps, err := tc.ReadPsched()
	if err != nil {
		t.Fatal(err)
	}
	tbf, err := tc.NewTBF(tc.TBFParams{Rate: 375000, Burst: 40 * 1024, Latency: 50000, MPU: 64}, ps)
	if err != nil {
		t.Fatal(err)
	}
	root := func(h tc.Handle, o tc.Options) tc.Qdisc {
		return tc.Qdisc{Object: tc.Object{Ifindex: v0, Parent: tc.HandleRoot, Handle: h, Options: o}}
	}
	cases := []struct {
		q     tc.Qdisc
		check func(o tc.Options) bool
	}{
		{root(tc.MakeHandle(1, 0), &tc.FIFO{KindName: "pfifo", Limit: 55, HasLimit: true}),
			func(o tc.Options) bool { return o.(*tc.FIFO).Limit == 55 }},
		{root(tc.MakeHandle(2, 0), &tc.FIFO{KindName: "bfifo", Limit: 99999, HasLimit: true}),
			func(o tc.Options) bool { return o.(*tc.FIFO).Limit == 99999 }},
		{tc.Qdisc{Object: tc.Object{Ifindex: v0, Parent: tc.HandleRoot, Handle: tc.MakeHandle(3, 0), Kind: "pfifo_fast"}},
			func(o tc.Options) bool { return o.(*tc.PfifoFast).PrioMap == tc.DefaultPrioMap() }},
		{root(tc.MakeHandle(4, 0), &tc.HTB{Version: 3, Rate2Quantum: 12, Default: 0x20, DirectQlen: 500, HasDirectQlen: true}),
			func(o tc.Options) bool {
				h := o.(*tc.HTB)
				return h.Rate2Quantum == 12 && h.Default == 0x20 && h.DirectQlen == 500
			}},
		{root(tc.MakeHandle(5, 0), tbf), func(o tc.Options) bool {
			b := o.(*tc.TBF)
			// The kernel recomputes the buffer from TCA_TBF_BURST in nanoseconds: a tick or so apart from tc's.
			burst := ps.XmitSize(b.RateBps(), b.Buffer)
			return b.RateBps() == 375000 && b.Limit == tbf.Limit && burst > 40*1024-16 && burst <= 40*1024 && b.Rate.MPU == 64
		}},
		{root(tc.MakeHandle(6, 0), &tc.Empty{KindName: "mq"}), nil},
		{tc.Qdisc{Object: tc.Object{Ifindex: e.index["v1"], Parent: tc.HandleIngress, Handle: tc.MakeHandle(0xffff, 0), Kind: "clsact"}}, nil},
	}
	for _, c := range cases {
		if err := e.c.Qdisc.Replace(ctx, c.q); err != nil {
			t.Fatalf("replace %s: %v", c.q.Options, err)
		}
		dev := e.names[c.q.Ifindex]
		got, err := e.c.Qdisc.Get(ctx, tc.Qdisc{Object: tc.Object{Ifindex: c.q.Ifindex, Parent: c.q.Parent}})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if got.Handle != c.q.Handle || got.Kind != c.q.Kind && got.Kind != c.q.Options.Kind() {
			t.Errorf("get: %v %q, sent %v", got.Handle, got.Kind, c.q.Handle)
		}
		if c.check != nil && !c.check(got.Options) {
			t.Errorf("%s: sent %+v, read back %+v", got.Kind, c.q.Options, got.Options)
		}
		for _, flags := range []string{"", "-s -d "} {
			j := findJSON(t, e.tcJSON(flags+"qdisc show dev "+dev), "", got.Handle.QdiscString())
			j["dev"] = dev
			q := e.qdisc(dev, got.Handle)
			checkCommon(t, e, q, j)
			checkOptions(t, q, j, flags != "")
		}
	}
	// Delete: the clsact qdisc goes.
	if err := e.c.Qdisc.Delete(ctx, tc.Qdisc{Object: tc.Object{Ifindex: e.index["v1"], Parent: tc.HandleIngress}}); err != nil {
		t.Fatal(err)
	}
	if out := e.tc("qdisc show dev v1"); strings.Contains(out, "clsact") {
		t.Errorf("clsact still there after Delete: %s", out)
	}
}

// TestHTBClasses creates an htb tree with nlkit and compares tc's view of the classes (tc 6.1 prints classes
// as text even with -j) with nlkit's, and reads back classes tc creates.
func TestHTBClasses(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	v0 := e.index["v0"]
	ps, err := tc.ReadPsched()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.Qdisc.Add(ctx, tc.Qdisc{Object: tc.Object{Ifindex: v0, Parent: tc.HandleRoot,
		Handle: tc.MakeHandle(1, 0), Options: tc.NewHTB(0x10)}}); err != nil {
		t.Fatal(err)
	}
	hc, err := tc.NewHTBClass(tc.HTBClassParams{Rate: 125000, Ceil: 250000, Burst: 15 * 1024, Prio: 3, Quantum: 1500}, ps, 0)
	if err != nil {
		t.Fatal(err)
	}
	cl := tc.Class{Object: tc.Object{Ifindex: v0, Parent: tc.MakeHandle(1, 0), Handle: tc.MakeHandle(1, 0x10), Options: hc}}
	if err := e.c.Class.Add(ctx, cl); err != nil {
		t.Fatal(err)
	}
	e.tc("class add dev v0 parent 1: classid 1:20 htb rate 3mbit ceil 5mbit burst 20kb cburst 3kb prio 2 quantum 3000")
	classes, err := e.c.Class.List(ctx, &tc.ClassFilter{Ifindex: v0})
	if err != nil {
		t.Fatal(err)
	}
	text := e.tc("-d class show dev v0")
	seen := 0
	for _, c := range classes {
		o, ok := c.Options.(*tc.HTBClass)
		if !ok {
			t.Fatalf("class %v: options %T", c.Handle, c.Options)
		}
		if c.Handle == tc.MakeHandle(1, 0x20) {
			seen++
			// nlkit computes what tc computed from the same parameters (the kernel keeps buffer and cbuffer).
			want, err := tc.NewHTBClass(tc.HTBClassParams{Rate: 375000, Ceil: 625000, Burst: 20 * 1024,
				CBurst: 3 * 1024, Prio: 2, Quantum: 3000}, ps, 0)
			if err != nil {
				t.Fatal(err)
			}
			if o.Buffer != want.Buffer || o.CBuffer != want.CBuffer || o.Rate.Rate != want.Rate.Rate ||
				o.Ceil.Rate != want.Ceil.Rate || o.Quantum != want.Quantum || o.Prio != want.Prio {
				t.Errorf("class 1:20: tc made %+v, nlkit computes %+v", o, want)
			}
			if o.RateBps() != 375000 || o.CeilBps() != 625000 || o.Prio != 2 || o.Quantum != 3000 ||
				ps.XmitSize(o.RateBps(), o.Buffer) < 20*1024-16 || ps.XmitSize(o.CeilBps(), o.CBuffer) < 3*1024-16 {
				t.Errorf("class 1:20 from tc: %+v", o)
			}
		}
		if c.Handle == tc.MakeHandle(1, 0x10) {
			seen++
			if o.RateBps() != 125000 || o.CeilBps() != 250000 || o.Prio != 3 || o.Quantum != 1500 {
				t.Errorf("class 1:10 from nlkit: %+v", o)
			}
		}
		// What tc -d prints of the class, from nlkit's values.
		line := "class htb " + c.Handle.String() + " root prio " + itoa(o.Prio) + " quantum " + itoa(o.Quantum) +
			" rate " + tc.FormatRate(o.RateBps()) + " ceil " + tc.FormatRate(o.CeilBps()) + " linklayer " +
			o.Rate.LinkLayer.String() + " burst " + tc.FormatSize(ps.XmitSize(o.RateBps(), o.Buffer)) + "/" +
			itoa(1<<o.Rate.CellLog) + " mpu " + tc.FormatSize(uint32(o.Rate.MPU)) + " cburst " +
			tc.FormatSize(ps.XmitSize(o.CeilBps(), o.CBuffer)) + "/" + itoa(1<<o.Ceil.CellLog) + " mpu " +
			tc.FormatSize(uint32(o.Ceil.MPU)) + " level " + itoa(o.Level) + " "
		if !strings.Contains(text, line+"\n") {
			t.Errorf("tc -d shows no line %q:\n%s", line, text)
		}
	}
	if seen != 2 {
		t.Errorf("saw %d of the 2 classes: %+v", seen, classes)
	}
	if err := e.c.Class.Delete(ctx, tc.Class{Object: tc.Object{Ifindex: v0, Handle: tc.MakeHandle(1, 0x20)}}); err != nil {
		t.Fatal(err)
	}
	if out := e.tc("class show dev v0"); strings.Contains(out, "1:20") {
		t.Errorf("class 1:20 still there: %s", out)
	}
}

func itoa(v uint32) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + uitoa(uint64(v)))
}

func uitoa(v uint64) string {
	if v < 10 {
		return string(rune('0' + v))
	}
	return uitoa(v/10) + string(rune('0'+v%10))
}

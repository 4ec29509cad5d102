//go:build linux

package tc_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/tc"
)

// num reads a JSON number of tc's output.
func num(t *testing.T, m map[string]any, key string) uint64 {
	t.Helper()
	v, ok := m[key].(float64)
	if !ok {
		t.Fatalf("tc's JSON has no number %q: %v", key, m)
	}
	return uint64(v)
}

// findJSON returns tc's object of dev with handle h.
func findJSON(t *testing.T, objs []map[string]any, dev string, h string) map[string]any {
	t.Helper()
	for _, o := range objs {
		if (dev == "" || o["dev"] == dev) && o["handle"] == h {
			return o
		}
	}
	t.Fatalf("tc shows no %s on %s: %v", h, dev, objs)
	return nil
}

// checkCommon compares what every qdisc shows: kind, handle, parent or root, refcnt, and the statistics of
// `tc -s`.
func checkCommon(t *testing.T, e *env, q tc.Qdisc, j map[string]any) {
	t.Helper()
	if j["kind"] != q.Kind {
		t.Errorf("kind: tc %v, nlkit %q", j["kind"], q.Kind)
	}
	if j["handle"] != q.Handle.QdiscString() {
		t.Errorf("handle: tc %v, nlkit %q", j["handle"], q.Handle.QdiscString())
	}
	if j["dev"] != e.names[q.Ifindex] {
		t.Errorf("dev: tc %v, nlkit %q", j["dev"], e.names[q.Ifindex])
	}
	if q.Parent == tc.HandleRoot {
		if j["root"] != true {
			t.Errorf("root: tc %v, nlkit root", j["root"])
		}
	} else if j["parent"] != q.Parent.String() {
		t.Errorf("parent: tc %v, nlkit %v", j["parent"], q.Parent)
	}
	if q.RefCount() != 1 {
		if got := num(t, j, "refcnt"); got != uint64(q.RefCount()) {
			t.Errorf("refcnt: tc %d, nlkit %d", got, q.RefCount())
		}
	} else if _, ok := j["refcnt"]; ok {
		t.Errorf("refcnt: tc shows %v, nlkit 1", j["refcnt"])
	}
	if _, ok := j["bytes"]; ok {
		if q.Stats == nil {
			t.Fatalf("nlkit has no statistics; tc shows %v", j)
		}
		s := q.Stats
		// The counters of idle qdiscs: no traffic runs in the namespace between the two dumps.
		for key, v := range map[string]uint64{"bytes": s.Bytes, "packets": s.Packets, "drops": uint64(s.Drops),
			"overlimits": uint64(s.Overlimits), "requeues": uint64(s.Requeues), "backlog": uint64(s.Backlog),
			"qlen": uint64(s.Qlen)} {
			if got := num(t, j, key); got != v {
				t.Errorf("%s: tc %d, nlkit %d", key, got, v)
			}
		}
	}
}

// checkOptions compares every key of tc's "options" with nlkit's typed options.
func checkOptions(t *testing.T, q tc.Qdisc, j map[string]any, details bool) {
	t.Helper()
	opts, _ := j["options"].(map[string]any)
	want := map[string]any{}
	ps := tc.DefaultPsched()
	switch o := q.Options.(type) {
	case *tc.FIFO:
		want["limit"] = float64(o.Limit)
	case *tc.PfifoFast:
		want["bands"] = float64(o.Bands)
		pm := []any{}
		for _, b := range o.Map {
			pm = append(pm, float64(b))
		}
		want["priomap"] = pm
		want["multiqueue"] = false
	case *tc.HTB:
		want["r2q"] = float64(o.Rate2Quantum)
		want["default"] = fmt.Sprintf("%#x", o.Default)
		want["direct_packets_stat"] = float64(o.DirectPackets)
		if o.HasDirectQlen {
			want["direct_qlen"] = float64(o.DirectQlen)
		}
		if details {
			want["ver"] = fmt.Sprintf("%d.%d", o.Version>>16, o.Version&0xffff)
		}
	case *tc.TBF:
		want["rate"] = float64(o.RateBps())
		burst := ps.XmitSize(o.RateBps(), o.Buffer)
		if details {
			want["burst"] = fmt.Sprintf("%s/%d", tc.FormatSize(burst), 1<<o.Rate.CellLog)
			want["mpu"] = float64(o.Rate.MPU)
			want["linklayer"] = o.Rate.LinkLayer.String()
		} else {
			want["burst"] = float64(burst)
		}
		lat := float64(tc.TimeUnitsPerSec)*(float64(o.Limit)/float64(o.RateBps())) - float64(ps.Tick2Time(o.Buffer))
		want["lat"] = float64(uint32(lat))
	case *tc.Empty, nil:
	default:
		t.Fatalf("%s: options of type %T", q.Kind, o)
	}
	for k, v := range opts {
		w, ok := want[k]
		if !ok {
			t.Errorf("%s: tc shows option %q = %v, nlkit has no value for it", q.Kind, k, v)
			continue
		}
		if fmt.Sprint(w) != fmt.Sprint(v) {
			t.Errorf("%s option %q: tc %v, nlkit %v", q.Kind, k, v, w)
		}
	}
	for k, w := range want {
		if _, ok := opts[k]; !ok {
			t.Errorf("%s: nlkit has option %q = %v, tc shows none", q.Kind, k, w)
		}
	}
}

// hostKinds are qdiscs of the host kernel's kinds as tc creates them, and what nlkit must decode.
var hostKinds = []struct {
	dev, tc string
	handle  tc.Handle
	check   func(t *testing.T, o tc.Options)
}{
	{"v0", "qdisc add dev v0 root handle 1: pfifo limit 77", tc.MakeHandle(1, 0), func(t *testing.T, o tc.Options) {
		if f := o.(*tc.FIFO); f.Limit != 77 || f.Kind() != "pfifo" {
			t.Errorf("pfifo: %+v", f)
		}
	}},
	{"v0", "qdisc replace dev v0 root handle 2: bfifo limit 12345", tc.MakeHandle(2, 0), func(t *testing.T, o tc.Options) {
		if f := o.(*tc.FIFO); f.Limit != 12345 || f.Kind() != "bfifo" {
			t.Errorf("bfifo: %+v", f)
		}
	}},
	{"v0", "qdisc replace dev v0 root handle 3: pfifo_fast", tc.MakeHandle(3, 0), func(t *testing.T, o tc.Options) {
		if f := o.(*tc.PfifoFast); f.PrioMap != tc.DefaultPrioMap() {
			t.Errorf("pfifo_fast: %+v", f)
		}
	}},
	{"v0", "qdisc replace dev v0 root handle 4: htb default 1a r2q 7 direct_qlen 33", tc.MakeHandle(4, 0), func(t *testing.T, o tc.Options) {
		if h := o.(*tc.HTB); h.Default != 0x1a || h.Rate2Quantum != 7 || h.DirectQlen != 33 || h.Version != 3<<16|17 {
			t.Errorf("htb: %+v", h)
		}
	}},
	{"v0", "qdisc replace dev v0 root handle 5: tbf rate 2mbit burst 20kb latency 70ms mpu 64", tc.MakeHandle(5, 0), func(t *testing.T, o tc.Options) {
		b := o.(*tc.TBF)
		burst := tc.DefaultPsched().XmitSize(b.RateBps(), b.Buffer)
		want, err := tc.NewTBF(tc.TBFParams{Rate: 250000, Burst: 20 * 1024, Latency: 70000, MPU: 64}, tc.DefaultPsched())
		if err != nil || want.Limit != b.Limit || want.Rate.Rate != b.Rate.Rate {
			t.Errorf("tbf: tc made %+v, nlkit computes %+v (%v)", b, want, err)
		}
		if b.RateBps() != 250000 || b.Rate.MPU != 64 || burst < 20*1024-64 || burst > 20*1024 ||
			b.Limit != 250000*70/1000+20*1024 || b.Rate.LinkLayer != tc.LinkLayerEthernet {
			t.Errorf("tbf: %+v (burst %d)", b, burst)
		}
	}},
	{"v0", "qdisc replace dev v0 root handle 6: mq", tc.MakeHandle(6, 0), nil},
	{"v0", "qdisc replace dev v0 root noqueue", 0, nil},
	{"v1", "qdisc add dev v1 ingress", tc.MakeHandle(0xffff, 0), nil},
	{"v1", "qdisc del dev v1 ingress", 0, nil},
	{"v1", "qdisc add dev v1 clsact", tc.MakeHandle(0xffff, 0), nil},
}

// TestQdiscCreatedByTc creates a qdisc of each host kind with tc, and checks nlkit's decode against the options
// tc was given and against `tc -j` and `tc -s -d -j`, key by key.
func TestQdiscCreatedByTc(t *testing.T) {
	e := newEnv(t)
	for _, k := range hostKinds {
		e.tc(k.tc)
		if strings.HasPrefix(k.tc, "qdisc del") {
			continue
		}
		for _, flags := range []string{"", "-s -d "} {
			objs := e.tcJSON(flags + "qdisc show dev " + k.dev)
			h := k.handle
			if h == 0 {
				// An explicit noqueue takes a handle the kernel picks (8001:...): the root qdisc's.
				for _, q := range e.qdiscs(k.dev) {
					if q.Parent == tc.HandleRoot {
						h = q.Handle
					}
				}
			}
			q := e.qdisc(k.dev, h)
			j := findJSON(t, objs, "", h.QdiscString())
			j["dev"] = k.dev // tc leaves dev out when it is the filter
			checkCommon(t, e, q, j)
			checkOptions(t, q, j, flags != "")
			if k.check != nil {
				k.check(t, q.Options)
			}
		}
	}
}

//go:build linux

package tc_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/tc"
	"golang.org/x/sys/unix"
)

// Each kind, both ways: tc creates the object; nlkit's typed decode of it is recreated by nlkit after the
// object is deleted; `tc -j` and `tc -s -j` (text for classes, which tc 6.1 prints as text) must then show
// exactly what they showed of tc's object, key by key — so the typed decode carried every option tc shows —
// and nlkit must read back the options it sent.
//
// The host kernel has few of these kinds (no classifiers or actions at all); the VM (integration/vm) loads
// every sch_*, cls_* and act_* module. On the host a kind the kernel lacks is skipped; in the VM
// (NLKIT_VM_GUEST=1) it fails.

type kindCase struct {
	obj   string   // "qdisc", "class", "filter" or "action"
	kind  string   // TCA_KIND
	setup []string // tc commands run first (kept)
	cmd   string   // the tc command that creates the object(s) under test
	// fromRequest: nlkit recreates what tc sent (caught with strace) rather than the dump, for the kinds whose
	// dump lacks a table the request needs (red's TCA_RED_STAB, police's TCA_POLICE_RATE).
	fromRequest bool
	// handle, when set, is the one object under test, which exists before cmd (ets's classes come with it).
	handle string
}

var htbRoot = "qdisc add dev v0 root handle 1: htb default 10"
var clsact = "qdisc add dev v0 clsact"

var kindCases = []kindCase{
	{obj: "qdisc", kind: "pfifo", cmd: "qdisc replace dev v0 root handle 1: pfifo limit 77"},
	{obj: "qdisc", kind: "bfifo", cmd: "qdisc replace dev v0 root handle 1: bfifo limit 12345"},
	{obj: "qdisc", kind: "pfifo_fast", cmd: "qdisc replace dev v0 root handle 1: pfifo_fast"},
	{obj: "qdisc", kind: "htb", cmd: "qdisc replace dev v0 root handle 1: htb default 1a r2q 7 direct_qlen 33"},
	{obj: "qdisc", kind: "tbf", cmd: "qdisc replace dev v0 root handle 1: tbf rate 2mbit burst 20kb latency 70ms mpu 64"},
	{obj: "qdisc", kind: "mq", cmd: "qdisc replace dev v0 root handle 1: mq"},
	{obj: "qdisc", kind: "ingress", cmd: "qdisc add dev v0 ingress"},
	{obj: "qdisc", kind: "clsact", cmd: "qdisc add dev v0 clsact"},
	// The kernel keeps codel's times in 1.024 µs units and dumps them 1 µs short: recreating a dump would
	// drift by 1 µs each time, so nlkit sends what tc sent.
	{obj: "qdisc", kind: "fq_codel", fromRequest: true, cmd: "qdisc replace dev v0 root handle 1: fq_codel limit 1000 flows 2048 target 3ms interval 90ms quantum 1400 ecn ce_threshold 2ms memory_limit 16mb drop_batch 32"},
	{obj: "qdisc", kind: "codel", fromRequest: true, cmd: "qdisc replace dev v0 root handle 1: codel limit 500 target 4ms interval 80ms ecn ce_threshold 1ms"},
	{obj: "qdisc", kind: "fq", cmd: "qdisc replace dev v0 root handle 1: fq limit 5000 flow_limit 90 quantum 3000 initial_quantum 12000 maxrate 100mbit buckets 2048 orphan_mask 511 ce_threshold 3ms horizon 5s horizon_drop"},
	{obj: "qdisc", kind: "sfq", cmd: "qdisc replace dev v0 root handle 1: sfq perturb 10 quantum 1600 limit 100 divisor 512 flows 64 depth 32 headdrop"},
	{obj: "qdisc", kind: "prio", cmd: "qdisc replace dev v0 root handle 1: prio bands 4 priomap 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3"},
	{obj: "qdisc", kind: "netem", cmd: "qdisc replace dev v0 root handle 1: netem limit 2000 delay 100ms 10ms 25% loss 1% duplicate 2% reorder 25% 50% corrupt 0.1% rate 1mbit"},
	{obj: "qdisc", kind: "red", fromRequest: true, cmd: "qdisc replace dev v0 root handle 1: red limit 400000 min 30000 max 90000 avpkt 1000 burst 55 probability 0.02 bandwidth 10mbit ecn"},
	{obj: "qdisc", kind: "cake", cmd: "qdisc replace dev v0 root handle 1: cake bandwidth 100mbit rtt 50ms diffserv4 nat wash ack-filter overhead 18 mpu 64"},
	{obj: "qdisc", kind: "ets", cmd: "qdisc replace dev v0 root handle 1: ets bands 4 strict 1 quanta 1000 2000 3000 priomap 3 2 1 0"},
	{obj: "qdisc", kind: "hfsc", cmd: "qdisc replace dev v0 root handle 1: hfsc default 10"},
	{obj: "qdisc", kind: "drr", cmd: "qdisc replace dev v0 root handle 1: drr"},

	{obj: "class", kind: "htb", setup: []string{htbRoot},
		cmd: "class add dev v0 parent 1: classid 1:20 htb rate 3mbit ceil 5mbit burst 20kb cburst 3kb prio 2 quantum 3000"},
	{obj: "class", kind: "hfsc", setup: []string{"qdisc add dev v0 root handle 1: hfsc default 10"},
		cmd: "class add dev v0 parent 1: classid 1:10 hfsc sc rate 1mbit ul rate 2mbit"},
	{obj: "class", kind: "drr", setup: []string{"qdisc add dev v0 root handle 1: drr"},
		cmd: "class add dev v0 parent 1: classid 1:10 drr quantum 1500"},
	{obj: "class", kind: "ets", setup: []string{"qdisc add dev v0 root handle 1: ets bands 3 quanta 1000 2000 3000"},
		cmd: "class change dev v0 classid 1:2 ets quantum 500", handle: "1:2"},

	{obj: "filter", kind: "u32", setup: []string{htbRoot},
		cmd: "filter add dev v0 parent 1: protocol ip prio 7 u32 match ip dst 10.0.0.0/24 match ip dport 80 0xffff flowid 1:10 action drop"},
	{obj: "filter", kind: "u32", setup: []string{htbRoot},
		cmd: "filter add dev v0 parent 1: prio 2 handle 2: protocol ip u32 divisor 256"},
	{obj: "filter", kind: "flower", setup: []string{clsact},
		cmd: "filter add dev v0 ingress protocol ip pref 3 flower src_mac 02:00:00:00:00:01 dst_ip 10.1.0.0/16 ip_proto tcp dst_port 443 tcp_flags 0x2/0x12 ip_tos 0x10/0xff action mirred egress redirect dev v1"},
	{obj: "filter", kind: "matchall", setup: []string{clsact},
		cmd: "filter add dev v0 egress matchall skip_hw action gact pass action gact drop"},
	{obj: "filter", kind: "bpf", setup: []string{htbRoot},
		cmd: "filter add dev v0 parent 1: bpf bytecode '1,6 0 0 4294967295,' classid 1:1"},
	{obj: "filter", kind: "basic", setup: []string{htbRoot},
		cmd: "filter add dev v0 parent 1: basic match 'cmp(u8 at 0 layer network eq 0x45)' classid 1:2 action gact pass"},
	{obj: "filter", kind: "fw", setup: []string{htbRoot},
		cmd: "filter add dev v0 parent 1: handle 5 fw classid 1:5 action mirred egress mirror dev v1"},
	{obj: "filter", kind: "route", setup: []string{htbRoot},
		cmd: "filter add dev v0 parent 1: route to 10 classid 1:10"},

	{obj: "action", kind: "gact", cmd: "actions add action gact drop random determ pass 10 index 5"},
	{obj: "action", kind: "mirred", cmd: "actions add action mirred egress mirror dev v1 index 6"},
	{obj: "action", kind: "police", fromRequest: true, cmd: "actions add action police rate 1mbit burst 10k conform-exceed drop index 7"},
	{obj: "action", kind: "skbedit", cmd: "actions add action skbedit mark 5 priority 1:1 queue_mapping 2 index 3"},
	{obj: "action", kind: "vlan", cmd: "actions add action vlan push id 100 priority 3 index 3"},
	{obj: "action", kind: "tunnel_key", cmd: "actions add action tunnel_key set src_ip 1.1.1.1 dst_ip 2.2.2.2 id 7 dst_port 4789 tos 0x10 ttl 64 index 3"},
	{obj: "action", kind: "csum", cmd: "actions add action csum ip4h tcp index 3"},
	{obj: "action", kind: "connmark", cmd: "actions add action connmark zone 3 index 9"},
	{obj: "action", kind: "ct", cmd: "actions add action ct zone 2 commit mark 5/0xff index 3"},
	{obj: "action", kind: "nat", cmd: "actions add action nat ingress 10.0.0.1 1.1.1.1 index 3"},
	{obj: "action", kind: "sample", cmd: "actions add action sample rate 100 group 5 trunc 128 index 3"},
	{obj: "action", kind: "pedit", cmd: "actions add action pedit ex munge ip ttl set 10 index 3"},
}

var inVM = os.Getenv("NLKIT_VM_GUEST") == "1"

// TestKinds runs every kind case in a namespace of its own.
func TestKinds(t *testing.T) {
	ran := 0
	for _, c := range kindCases {
		name := c.obj + "/" + c.kind
		t.Run(name, func(t *testing.T) {
			if testKind(t, c) {
				ran++
			}
		})
	}
	t.Logf("%d of %d kind cases ran on this kernel", ran, len(kindCases))
	if ran == 0 {
		t.Errorf("no kind case ran")
	}
}

// object is one tc object of any class, as nlkit handles it.
type object struct {
	qdisc  *tc.Qdisc
	class  *tc.Class
	filter *tc.Filter
	action *tc.Action
}

func (o object) options() tc.Options {
	switch {
	case o.qdisc != nil:
		return o.qdisc.Options
	case o.class != nil:
		return o.class.Options
	case o.filter != nil:
		return o.filter.Options
	}
	return o.action.Options
}

func (o object) key() string {
	switch {
	case o.qdisc != nil:
		return "qdisc " + o.qdisc.Handle.QdiscString() + " " + o.qdisc.Kind
	case o.class != nil:
		return "class " + o.class.Handle.String() + " " + o.class.Kind
	case o.filter != nil:
		f := o.filter
		return fmt.Sprintf("filter %v prio %d proto %#x chain %d handle %#x %s", f.Parent, f.Priority, f.Protocol, f.Chain, uint32(f.Handle), f.Kind)
	}
	return fmt.Sprintf("action %s %d", o.action.Kind, actIndex(o.action))
}

// actIndex is an action's index: TCA_ACT_INDEX, which dumps leave out, or its parameters' (tc_gen's index).
func actIndex(a *tc.Action) uint32 {
	if a.Index != 0 || a.Options == nil {
		return a.Index
	}
	o := reflect.ValueOf(a.Options).Elem()
	if p := o.FieldByName("Parms"); p.IsValid() && !p.IsNil() {
		if i := p.Elem().FieldByName("Index"); i.IsValid() {
			return uint32(i.Uint())
		}
	}
	if p := o.FieldByName("Sel"); p.IsValid() { // pedit's tc_pedit_sel
		return uint32(p.FieldByName("Index").Uint())
	}
	return 0
}

// list lists the objects of c's class and kind on v0 (or the actions of c's kind).
func (e *env) list(c kindCase) []object {
	e.t.Helper()
	ctx := ctxT(e.t)
	var out []object
	v0 := e.index["v0"]
	switch c.obj {
	case "qdisc":
		for _, q := range e.qdiscs("v0") {
			if q.Kind == c.kind {
				out = append(out, object{qdisc: &q})
			}
		}
	case "class":
		cs, err := e.c.Class.List(ctx, &tc.ClassFilter{Ifindex: v0})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, cl := range cs {
			if cl.Kind == c.kind {
				out = append(out, object{class: &cl})
			}
		}
	case "filter":
		for _, parent := range []tc.Handle{tc.MakeHandle(1, 0), tc.MakeHandle(0xffff, 0xfff2), tc.MakeHandle(0xffff, 0xfff3)} {
			fs, err := e.c.Filter.List(ctx, &tc.FilterFilter{Ifindex: v0, Parent: parent})
			if err != nil {
				continue // no such qdisc
			}
			for _, f := range fs {
				if f.Kind == c.kind {
					out = append(out, object{filter: &f})
				}
			}
		}
	case "action":
		as, err := e.c.Action.List(ctx, c.kind)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, a := range as {
			out = append(out, object{action: &a})
		}
	}
	return out
}

// show is what tc shows of c's objects: "-j" and "-s -j" output decoded (classes: text), normalised.
func (e *env) show(c kindCase) map[string]any {
	e.t.Helper()
	var args string
	switch c.obj {
	case "qdisc":
		args = "qdisc show dev v0"
	case "class":
		args = "class show dev v0"
	case "filter":
		// Every filter of v0: the htb root and, for clsact, ingress and egress.
		out := map[string]any{}
		for _, p := range []string{"parent 1:", "ingress", "egress"} {
			for _, s := range []string{"-j ", "-s -j "} {
				if o, err := e.ns.Output("tc", strings.Fields(s+"filter show dev v0 "+p)...); err == nil {
					out[s+p] = decodeTC(o)
				}
			}
		}
		return normalise(out).(map[string]any)
	case "action":
		args = "actions ls action " + c.kind
	}
	out := map[string]any{}
	for _, s := range []string{"-j ", "-s -j "} {
		o := e.tc(s + args)
		if c.obj == "class" {
			out[s] = o
		} else {
			out[s] = decodeTC(o)
		}
	}
	return normalise(out).(map[string]any)
}

// decodeTC decodes tc's JSON; what is not JSON stays text (tc 6.1 prints hfsc's qdisc options as text in
// the middle of its JSON).
func decodeTC(s string) any {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return "not JSON: " + s
	}
	return v
}

// normalise drops what differs between two creations of the same object: the times of actions and filters
// (seconds since install and last use).
func normalise(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "installed", "last_used", "first_used", "expires":
				delete(v, k)
			default:
				v[k] = normalise(x)
			}
		}
	case []any:
		for i := range v {
			v[i] = normalise(v[i])
		}
	}
	return v
}

// diffJSON lists the differences of a and b, key by key.
func diffJSON(path string, a, b any) []string {
	ma, oka := a.(map[string]any)
	mb, okb := b.(map[string]any)
	if oka && okb {
		var keys []string
		for k := range ma {
			keys = append(keys, k)
		}
		for k := range mb {
			if _, ok := ma[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var d []string
		for _, k := range keys {
			d = append(d, diffJSON(path+"."+k, ma[k], mb[k])...)
		}
		return d
	}
	la, oka := a.([]any)
	lb, okb := b.([]any)
	if oka && okb && len(la) == len(lb) {
		var d []string
		for i := range la {
			d = append(d, diffJSON(fmt.Sprintf("%s[%d]", path, i), la[i], lb[i])...)
		}
		return d
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []string{fmt.Sprintf("%s: tc's object %v, nlkit's %v", path, a, b)}
}

// scrub clears what a dump carries that a request must not (TCA_*_TM times, statistics), in options and in
// the action lists of classifiers.
func scrub(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			scrub(v.Elem())
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Uint8 {
			for i := 0; i < v.Len(); i++ {
				scrub(v.Index(i))
			}
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(tc.Action{}) {
			a := v.Addr().Interface().(*tc.Action)
			a.Stats, a.XStats = nil, nil
		}
		for i := 0; i < v.NumField(); i++ {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			switch f := v.Field(i); v.Type().Field(i).Name {
			case "Tm":
				f.SetZero()
				continue
			case "Flags", "FlagsGen":
				// A classifier's TCA_CLS_FLAGS_IN_HW and _NOT_IN_HW are the kernel's report: a request
				// with them is refused.
				if f.Type() == reflect.TypeOf((*uint32)(nil)) && !f.IsNil() && v.Type() != reflect.TypeOf(tc.Action{}) {
					f.Set(reflect.ValueOf(tc.Ptr(uint32(f.Elem().Uint()) &^ 0xc)))
				}
				continue
			}
			scrub(v.Field(i))
		}
	}
}

// missingKind says whether tc's error is the kernel lacking the kind.
func missingKind(out string) bool {
	for _, s := range []string{"nknown", "not found", "Failed to load", "No such file or directory", "not supported"} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}

// testKind runs one case; it returns false when the kernel lacks the kind (outside the VM).
func testKind(t *testing.T, c kindCase) bool {
	e := newEnvNS(t, c.fromRequest)
	ctx := ctxT(t)
	for _, s := range c.setup {
		if out, err := e.ns.Output("tc", splitArgs(s)...); err != nil {
			if !inVM && missingKind(out+err.Error()) {
				t.Skipf("the kernel lacks what %s needs: %v %s", c.kind, err, out)
				return false
			}
			t.Fatalf("tc %s: %v\n%s", s, err, out)
		}
	}
	before := map[string]bool{}
	for _, o := range e.list(c) {
		before[o.key()] = true
	}
	var req []object
	if c.fromRequest {
		req = e.request(c)
	}
	if out, err := e.ns.Output("tc", splitArgs(c.cmd)...); err != nil {
		if !inVM && missingKind(out+err.Error()) {
			t.Skipf("the kernel lacks %s %s: %v %s", c.obj, c.kind, err, out)
			return false
		}
		t.Fatalf("tc %s: %v\n%s", c.cmd, err, out)
	}
	var made []object
	for _, o := range e.list(c) {
		if c.handle != "" {
			if o.class == nil || o.class.Handle.String() != c.handle {
				continue
			}
		} else if before[o.key()] {
			continue
		}
		// The root of a u32 filter's hash tables (800:) comes with its first key; a dump's first entry for
		// each classifier instance has no handle and no options.
		if f := o.filter; f != nil && (f.Kind == "u32" && uint32(f.Handle) == 0x80000000 || f.Handle == 0 && f.Options == nil) {
			continue
		}
		made = append(made, o)
	}
	if len(made) == 0 {
		t.Fatalf("tc %s: nlkit finds no new %s %s", c.cmd, c.obj, c.kind)
	}
	for _, o := range made {
		if _, raw := o.options().(*tc.Raw); raw || (o.options() == nil && c.obj != "qdisc") {
			t.Errorf("%s: options %T", o.key(), o.options())
		}
		if o.filter != nil && o.filter.Options != nil {
			if fo := reflect.ValueOf(o.filter.Options).Elem().FieldByName("Actions"); fo.IsValid() {
				for _, a := range fo.Interface().([]tc.Action) {
					if _, raw := a.Options.(*tc.Raw); raw {
						t.Errorf("%s: action %s options %T", o.key(), a.Kind, a.Options)
					}
				}
			}
		}
	}
	shown := e.show(c)
	if !strings.Contains(fmt.Sprint(shown), c.kind) {
		t.Fatalf("tc shows no %s: %v", c.kind, shown)
	}

	// Delete tc's objects with nlkit, then recreate them with nlkit.
	for _, o := range slices.Backward(made) {
		var err error
		switch {
		case o.qdisc != nil:
			err = e.c.Qdisc.Delete(ctx, tc.Qdisc{Object: tc.Object{Ifindex: o.qdisc.Ifindex, Parent: o.qdisc.Parent}})
		case o.class != nil:
			if c.kind == "ets" {
				continue // ets's classes live as long as their qdisc: the change below changes it back
			}
			err = e.c.Class.Delete(ctx, tc.Class{Object: tc.Object{Ifindex: o.class.Ifindex, Handle: o.class.Handle}})
		case o.filter != nil:
			err = e.c.Filter.Delete(ctx, tc.Filter{Object: tc.Object{Ifindex: o.filter.Ifindex, Parent: o.filter.Parent},
				Priority: o.filter.Priority, Protocol: o.filter.Protocol})
			if errors.Is(err, unix.ENOENT) {
				err = nil // gone with the priority's other filter
			}
		default:
			err = e.c.Action.Delete(ctx, tc.Action{Kind: o.action.Kind, Index: actIndex(o.action)})
		}
		if err != nil {
			t.Fatalf("delete %s: %v", o.key(), err)
		}
	}
	if c.obj == "class" && c.kind == "ets" {
		e.tc("class change dev v0 classid 1:2 ets quantum 2000")
	}
	recreate := made
	if c.fromRequest {
		recreate = req
	}
	for _, o := range recreate {
		var err error
		switch {
		case o.qdisc != nil:
			q := *o.qdisc
			scrub(reflect.ValueOf(&q.Options))
			q.Stats, q.XStats = nil, nil
			err = e.c.Qdisc.Replace(ctx, q)
		case o.class != nil:
			cl := *o.class
			scrub(reflect.ValueOf(&cl.Options))
			cl.Stats, cl.XStats = nil, nil
			if c.kind == "ets" {
				err = e.c.Class.Change(ctx, cl)
			} else {
				err = e.c.Class.Add(ctx, cl)
			}
		case o.filter != nil:
			f := *o.filter
			scrub(reflect.ValueOf(&f.Options))
			f.Stats, f.XStats = nil, nil
			err = e.c.Filter.Add(ctx, f)
		default:
			a := *o.action
			scrub(reflect.ValueOf(&a))
			err = e.c.Action.Add(ctx, a)
		}
		if err != nil {
			t.Fatalf("nlkit recreating %s (%s): %v", o.key(), dump(o.options()), err)
		}
	}
	for _, d := range diffJSON("tc", shown, e.show(c)) {
		t.Errorf("%s %s: %s", c.obj, c.kind, d)
	}
	// nlkit reads back the options it sent.
	again := map[string]tc.Options{}
	for _, o := range e.list(c) {
		again[o.key()] = o.options()
	}
	for _, o := range made {
		got, ok := again[o.key()]
		if !ok {
			t.Errorf("%s: not read back", o.key())
			continue
		}
		want := o.options()
		scrub(reflect.ValueOf(&want))
		scrub(reflect.ValueOf(&got))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back\n%s\nwant\n%s", o.key(), dump(got), dump(want))
		}
	}
	t.Logf("%s %s: created by tc and by nlkit, tc shows the same (%d objects)", c.obj, c.kind, len(made))
	return true
}

// request is what tc sends for c.cmd, decoded by nlkit (strace; the command is run again for real after).
func (e *env) request(c kindCase) []object {
	e.t.Helper()
	// Run it on a dummy device first so the kernel's answer does not matter, then delete what it made.
	typ := map[string]uint16{"qdisc": unix.RTM_NEWQDISC, "action": unix.RTM_NEWACTION}[c.obj]
	m := tcRequest(e.t, e.ns.Name, c.cmd, typ)
	switch c.obj {
	case "qdisc":
		var q tc.Qdisc
		if err := q.UnmarshalBinary(m.Data); err != nil {
			e.t.Fatal(err)
		}
		e.ns.Output("tc", strings.Fields("qdisc del dev v0 root")...)
		return []object{{qdisc: &q}}
	default:
		acts, err := tc.DecodeActionMessage(m.Data)
		if err != nil || len(acts) != 1 {
			e.t.Fatalf("tc's request: %v %v", acts, err)
		}
		e.ns.Output("tc", strings.Fields("actions flush action "+c.kind)...)
		return []object{{action: &acts[0]}}
	}
}

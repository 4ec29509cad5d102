//go:build linux

package tc

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// kernel is a fake rtnetlink for traffic control: it answers dumps with its objects as the kernel encodes
// them, records every request, and answers other requests with err or an ack (a get with its first object).
type kernel struct {
	mu      sync.Mutex
	qdiscs  []Qdisc
	classes []Class
	filters []Filter
	reqs    []proto.Message
	intr    int // mark this many more dumps NLM_F_DUMP_INTR
	err     error
}

func (k *kernel) handle(t *testing.T) nltest.Func {
	return func(reqs []proto.Message) ([]proto.Message, error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		req := reqs[0]
		req.Data = append([]byte(nil), req.Data...)
		k.reqs = append(k.reqs, req)
		var out []proto.Message
		add := func(typ uint16, v interface{ MarshalBinary() ([]byte, error) }) {
			b, err := v.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			m := proto.Message{Header: proto.Header{Type: typ}, Data: b}
			if k.intr > 0 {
				m.Header.Flags |= proto.FlagDumpIntr
			}
			out = append(out, m)
		}
		switch {
		case req.Header.Flags&proto.FlagDump != 0:
			switch req.Header.Type {
			case unix.RTM_GETQDISC:
				for i := range k.qdiscs {
					add(unix.RTM_NEWQDISC, &k.qdiscs[i])
				}
			case unix.RTM_GETTCLASS:
				for i := range k.classes {
					add(unix.RTM_NEWTCLASS, &k.classes[i])
				}
			case unix.RTM_GETTFILTER:
				for i := range k.filters {
					add(unix.RTM_NEWTFILTER, &k.filters[i])
				}
			}
			if k.intr > 0 {
				k.intr--
			}
			return out, nil
		case req.Header.Type == unix.RTM_GETQDISC && k.err == nil:
			add(unix.RTM_NEWQDISC, &k.qdiscs[0])
			return out, nil
		}
		return nil, k.err
	}
}

func newFake(t *testing.T, k *kernel) *Client {
	c := New(nltest.Dial(unix.NETLINK_ROUTE, k.handle(t)))
	t.Cleanup(func() { c.Close() })
	return c
}

func sampleQdiscs() []Qdisc {
	return []Qdisc{
		{Object: Object{Ifindex: 2, Handle: MakeHandle(1, 0), Parent: HandleRoot, Info: 2, Kind: "htb",
			Options: NewHTB(0x10), Stats: &Stats{HasBasic: true, Bytes: 1000, Packets: 10, HasQueue: true, Drops: 1,
				HasRate: true, Rate64: true, RateBps: 5, RatePps: 1}}},
		{Object: Object{Ifindex: 2, Handle: MakeHandle(10, 0), Parent: MakeHandle(1, 0x10), Info: 1, Kind: "fq_codel",
			Options: &FQCodel{Limit: Ptr[uint32](1000), ECN: Ptr[uint32](1)}, XStats: []byte{1, 2, 3, 4}}},
		{Object: Object{Ifindex: 3, Handle: MakeHandle(0xffff, 0), Parent: HandleIngress, Info: 1, Kind: "clsact",
			Options: &Empty{KindName: "clsact"}, IngressBlock: 7}},
		{Object: Object{Ifindex: 3, Handle: MakeHandle(2, 0), Parent: HandleRoot, Info: 1, Kind: "newkind",
			Options: &Raw{KindName: "newkind", Data: []byte{0xde, 0xad}}}},
	}
}

func TestQdiscListDecodesAndFilters(t *testing.T) {
	k := &kernel{qdiscs: sampleQdiscs()}
	c := newFake(t, k)
	ctx := context.Background()
	all, err := c.Qdisc.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, k.qdiscs) {
		t.Fatalf("List:\n%+v\nwant\n%+v", all, k.qdiscs)
	}
	if raw, ok := all[3].Options.(*Raw); !ok || raw.Kind() != "newkind" {
		t.Errorf("an unknown kind decodes as %T", all[3].Options)
	}
	for _, c2 := range []struct {
		f    *QdiscFilter
		want []int
	}{
		{&QdiscFilter{Ifindex: 3}, []int{2, 3}},
		{&QdiscFilter{Kind: "fq_codel"}, []int{1}},
		{&QdiscFilter{Parent: HandleRoot}, []int{0, 3}},
		{&QdiscFilter{Handle: MakeHandle(0xffff, 0)}, []int{2}},
	} {
		got, err := c.Qdisc.List(ctx, c2.f)
		if err != nil {
			t.Fatal(err)
		}
		var want []Qdisc
		for _, i := range c2.want {
			want = append(want, k.qdiscs[i])
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("filter %+v: got %d qdiscs, want %v", c2.f, len(got), c2.want)
		}
	}
	// All streams the same, and stops when the loop does.
	n := 0
	for q, err := range c.Qdisc.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if q.Kind != k.qdiscs[n].Kind {
			t.Errorf("All: %d is %q", n, q.Kind)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("All yielded %d", n)
	}
	// The dump asked for TCA_DUMP_INVISIBLE only when told.
	c.Qdisc.List(ctx, &QdiscFilter{Invisible: true})
	last := k.reqs[len(k.reqs)-1]
	if last.Header.Type != unix.RTM_GETQDISC || len(last.Data) != sizeofTcmsg+4 {
		t.Errorf("invisible dump request: %+v % x", last.Header, last.Data)
	}
}

func TestDumpInterruptedRetries(t *testing.T) {
	k := &kernel{qdiscs: sampleQdiscs(), intr: 2}
	c := newFake(t, k)
	got, err := c.Qdisc.List(context.Background(), nil)
	if err != nil || len(got) != 4 {
		t.Fatalf("List after 2 interrupted dumps: %d, %v", len(got), err)
	}
	k.intr = 100
	_, err = c.Qdisc.List(context.Background(), nil)
	if !errors.Is(err, nlkit.ErrDumpInterrupted) {
		t.Fatalf("List with every dump interrupted: %v", err)
	}
	if n := len(k.reqs); n != 3+1+DefaultDumpRetries {
		t.Errorf("%d dumps sent, want %d", n, 3+1+DefaultDumpRetries)
	}
}

func TestChangeRequests(t *testing.T) {
	k := &kernel{}
	c := newFake(t, k)
	ctx := context.Background()
	q := sampleQdiscs()[1]
	q.Stats, q.XStats = nil, nil
	for _, op := range []struct {
		do    func(context.Context, Qdisc) error
		typ   uint16
		flags uint16
	}{
		{c.Qdisc.Add, unix.RTM_NEWQDISC, unix.NLM_F_CREATE | unix.NLM_F_EXCL},
		{c.Qdisc.Replace, unix.RTM_NEWQDISC, unix.NLM_F_CREATE | unix.NLM_F_REPLACE},
		{c.Qdisc.Change, unix.RTM_NEWQDISC, 0},
		{c.Qdisc.Link, unix.RTM_NEWQDISC, unix.NLM_F_REPLACE},
		{c.Qdisc.Delete, unix.RTM_DELQDISC, 0},
	} {
		if err := op.do(ctx, q); err != nil {
			t.Fatal(err)
		}
		req := k.reqs[len(k.reqs)-1]
		if req.Header.Type != op.typ || req.Header.Flags&^(proto.FlagRequest|proto.FlagAck) != op.flags {
			t.Errorf("%d: type %d flags %#x, want %d %#x", op.typ, req.Header.Type, req.Header.Flags, op.typ, op.flags)
		}
		var got Qdisc
		if err := got.UnmarshalBinary(req.Data); err != nil {
			t.Fatal(err)
		}
		want := q
		if op.typ == unix.RTM_DELQDISC {
			want.Options = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("request %d carries %+v, want %+v", op.typ, got, want)
		}
	}
	// Options of another kind than the object's are refused before anything is sent.
	n := len(k.reqs)
	bad := q
	bad.Kind = "htb"
	if err := c.Qdisc.Add(ctx, bad); err == nil || len(k.reqs) != n {
		t.Errorf("mismatched kind: %v, %d requests", err, len(k.reqs)-n)
	}
	// The kernel's errors come back with their errno and message.
	k.err = &proto.Error{Errno: syscall.EEXIST, ExtAck: proto.ExtAck{Msg: "Exclusivity flag on, cannot modify"}}
	// (Change: a request without NLM_F_CREATE/EXCL/REPLACE, whose bits the core's request() takes for
	// NLM_F_DUMP's and then loses the fake's error; the real kernel's errors come back, see integration/tc.)
	err := c.Qdisc.Change(ctx, q)
	var oe *OpError
	if !errors.Is(err, unix.EEXIST) || !errors.As(err, &oe) || KernelMessage(err) != "Exclusivity flag on, cannot modify" {
		t.Errorf("Add error: %v", err)
	}
	//lint:ignore SA1012 the nil context is the test
	if err := c.Qdisc.Add(nil, q); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("nil context: %v", err)
	}
}

func TestGetEchoes(t *testing.T) {
	k := &kernel{qdiscs: sampleQdiscs()}
	c := newFake(t, k)
	got, err := c.Qdisc.Get(context.Background(), Qdisc{Object: Object{Ifindex: 2, Parent: HandleRoot}})
	if err != nil || !reflect.DeepEqual(got, k.qdiscs[0]) {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	req := k.reqs[0]
	if req.Header.Type != unix.RTM_GETQDISC || req.Header.Flags&unix.NLM_F_ECHO == 0 {
		t.Errorf("get request: %+v", req.Header)
	}
}

func TestFilterRequest(t *testing.T) {
	f := Filter{Object: Object{Ifindex: 4, Parent: MakeHandle(0xffff, MinIngress), Kind: "matchall", Chain: 3, HasChain: true,
		Options: seedOptions("Matchall")[0]}, Priority: 49152, Protocol: unix.ETH_P_ALL}
	k := &kernel{filters: []Filter{f}}
	c := newFake(t, k)
	ctx := context.Background()
	if err := c.Filter.Add(ctx, f); err != nil {
		t.Fatal(err)
	}
	b := k.reqs[0].Data
	if info := ne.Uint32(b[16:]); info != 49152<<16|0x0300 {
		t.Errorf("tcm_info %#x", info)
	}
	if _, err := c.Filter.List(ctx, nil); err == nil {
		t.Error("a filter dump without a device went out")
	}
	got, err := c.Filter.List(ctx, &FilterFilter{Ifindex: 4, Parent: f.Parent, Priority: 49152, Protocol: unix.ETH_P_ALL,
		HasChain: true, Chain: 3, Terse: true})
	if err != nil {
		t.Fatal(err)
	}
	f.Info = 49152<<16 | 0x0300
	if len(got) != 1 || !reflect.DeepEqual(got[0], f) {
		t.Fatalf("filters: %+v\nwant %+v", got, f)
	}
	dumpReq := k.reqs[len(k.reqs)-1]
	var sent Filter
	if err := sent.UnmarshalBinary(dumpReq.Data); err != nil || sent.Priority != 49152 || !sent.HasChain || sent.Chain != 3 {
		t.Errorf("dump request %+v, %v", sent, err)
	}
	if none, _ := c.Filter.List(ctx, &FilterFilter{Ifindex: 4, Priority: 1}); len(none) != 0 {
		t.Errorf("priority filter kept %d", len(none))
	}
}

func TestClassAndActionCodec(t *testing.T) {
	hc, err := NewHTBClass(HTBClassParams{Rate: 125000}, DefaultPsched(), 0)
	if err != nil {
		t.Fatal(err)
	}
	cl := Class{Object: Object{Ifindex: 2, Handle: MakeHandle(1, 0x10), Parent: MakeHandle(1, 0), Kind: "htb", Options: hc}}
	k := &kernel{classes: []Class{cl}}
	c := newFake(t, k)
	got, err := c.Class.List(context.Background(), &ClassFilter{Ifindex: 2, Parent: MakeHandle(1, 0)})
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], cl) {
		t.Fatalf("classes %+v, %v", got, err)
	}
	// tc's default burst at HZ 1e9 is the 1600-byte MTU: 12.8 ms at 1mbit.
	if hc.Buffer != DefaultPsched().XmitTime(125000, 1600) || hc.Ceil.Rate != 125000 || hc.RTab == nil {
		t.Errorf("NewHTBClass: %+v", hc)
	}
	req, err := actionRequest([]Action{{Kind: "gact", Options: seedOptions("Gact")[0]}, {Kind: "mystery",
		Options: &Raw{KindName: "mystery", Data: []byte{1}}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := decodeActionMsg(req)
	if err != nil || len(acts) != 2 || acts[0].Order != 1 || acts[1].Order != 2 ||
		!reflect.DeepEqual(acts[0].Options, seedOptions("Gact")[0]) || acts[1].Options.(*Raw).KindName != "mystery" {
		t.Fatalf("actions %+v, %v", acts, err)
	}
}

func TestWatcherDecodesEvents(t *testing.T) {
	conn, fake := nltest.New(unix.NETLINK_ROUTE, nil, nil)
	w := NewWatcher(conn)
	defer w.Close()
	q := sampleQdiscs()[0]
	qb, _ := q.MarshalBinary()
	areq, _ := actionRequest(seedOptionsActions()[:1], 0)
	fake.Inject(nltest.Sockaddr{}, proto.Message{Header: proto.Header{Type: unix.RTM_NEWQDISC, Flags: unix.NLM_F_CREATE | unix.NLM_F_EXCL}, Data: qb},
		proto.Message{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: make([]byte, 16)},
		proto.Message{Header: proto.Header{Type: unix.RTM_DELACTION}, Data: areq})
	evs, err := w.Next(context.Background())
	if err != nil || len(evs) != 2 {
		t.Fatalf("Next: %d events, %v", len(evs), err)
	}
	if evs[0].Qdisc == nil || !reflect.DeepEqual(*evs[0].Qdisc, q) || evs[0].Deleted() || evs[0].Flags&unix.NLM_F_EXCL == 0 {
		t.Errorf("qdisc event %v", evs[0])
	}
	if !evs[1].Deleted() || len(evs[1].Actions) != 1 || evs[1].Actions[0].Kind != "gact" {
		t.Errorf("action event %v", evs[1])
	}
	if s := evs[0].String(); s != "RTM_NEWQDISC htb 1: parent root dev 2" {
		t.Errorf("String: %q", s)
	}
	fake.Inject(nltest.Sockaddr{}, proto.Message{Header: proto.Header{Type: unix.RTM_NEWTCLASS}, Data: []byte{1}})
	if _, err := w.Next(context.Background()); err == nil {
		t.Error("a short RTM_NEWTCLASS decoded")
	}
}

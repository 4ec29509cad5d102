package genl_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

func tctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

var testFamily = genl.Family{ID: 0x20, Name: "TESTFAM", Version: 1, MaxAttr: 3,
	Ops:    []genl.Op{{Command: 1, Flags: genl.OpCapDo}, {Command: 2, Flags: genl.OpCapDump | genl.OpAdminPerm}},
	Groups: []genl.Group{{Name: "events", ID: 9}, {Name: "other", ID: 10}},
}

func TestFakeResolve(t *testing.T) {
	c, fake := genltest.Dial(genltest.Family{Family: testFamily})
	defer c.Close()
	f, err := c.Family(tctx(t), "TESTFAM")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, testFamily) {
		t.Fatalf("Family = %+v\nwant %+v", f, testFamily)
	}
	if f, err := c.FamilyByID(tctx(t), 0x20); err != nil || f.Name != "TESTFAM" {
		t.Fatalf("FamilyByID = %+v, %v", f, err)
	}
	fams, err := c.Families(tctx(t))
	if err != nil || len(fams) != 2 || fams[0].Name != "nlctrl" || fams[1].Name != "TESTFAM" {
		t.Fatalf("Families = %+v, %v", fams, err)
	}

	_, err = c.Family(tctx(t), "nosuch")
	var nf *genl.FamilyNotFoundError
	if !errors.As(err, &nf) || nf.Name != "nosuch" || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Family(nosuch) err = %v", err)
	}
	if !strings.Contains(err.Error(), `"nosuch" is not registered`) {
		t.Errorf("message = %q", err)
	}
	_, err = c.FamilyByID(tctx(t), 0x99)
	if !errors.As(err, &nf) || nf.ID != 0x99 {
		t.Fatalf("FamilyByID(0x99) err = %v", err)
	}

	g, err := c.JoinGroup(tctx(t), "TESTFAM", "other")
	if err != nil || g.ID != 10 || !fake.Joined(10) {
		t.Fatalf("JoinGroup = %+v, %v; joined %v", g, err, fake.Joined(10))
	}
	if err := c.LeaveGroup(g); err != nil || fake.Joined(10) {
		t.Fatalf("LeaveGroup: %v", err)
	}
	_, err = c.JoinGroup(tctx(t), "TESTFAM", "nope")
	var gnf *genl.GroupNotFoundError
	if !errors.As(err, &gnf) || !errors.Is(err, syscall.ENOENT) || len(gnf.Groups) != 2 {
		t.Fatalf("JoinGroup(nope) err = %v", err)
	}
	if _, err := c.JoinGroup(tctx(t), "nosuch", "x"); !errors.As(err, &nf) {
		t.Fatalf("JoinGroup(nosuch) err = %v", err)
	}
}

func TestFakeRequest(t *testing.T) {
	var got genl.Message
	c, fake := genltest.Dial(genltest.Family{Family: testFamily, Handle: func(req genl.Message) ([]genl.Message, error) {
		got = req
		switch req.Header.Command {
		case 1:
			return []genl.Message{{Header: genl.Header{Command: 1, Version: 1}, Data: req.Data}}, nil
		case 3:
			return nil, &proto.Error{Errno: syscall.EINVAL, ExtAck: proto.ExtAck{Msg: "bad attribute"}}
		}
		return nil, syscall.EOPNOTSUPP
	}})
	defer c.Close()
	ae := proto.NewAttrEncoder(nil)
	ae.String(1, "hello")
	replies, err := c.Request(tctx(t), 0x20, 1, 1, ae.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got.Header != (genl.Header{Command: 1, Version: 1}) || !bytes.Equal(got.Data, ae.Bytes()) {
		t.Errorf("handler saw %+v", got)
	}
	if len(replies) != 1 || replies[0].Netlink.Type != 0x20 || !bytes.Equal(replies[0].Data, ae.Bytes()) {
		t.Fatalf("replies = %+v", replies)
	}
	// On the wire: nlmsg_type is the family, NLM_F_REQUEST|NLM_F_ACK, then struct genlmsghdr.
	sent := fake.Sent()
	msgs, err := proto.ParseMessages(sent[len(sent)-1])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("sent %v, %v", msgs, err)
	}
	h := msgs[0].Header
	if h.Type != 0x20 || h.Flags != proto.FlagRequest|proto.FlagAck || !bytes.Equal(msgs[0].Data[:4], []byte{1, 1, 0, 0}) {
		t.Errorf("sent header %+v data % x", h, msgs[0].Data[:4])
	}

	_, err = c.Request(tctx(t), 0x20, 3, 1, nil)
	if !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "bad attribute") {
		t.Fatalf("err = %v", err)
	}
	// Flags pass through Execute.
	_, err = c.Execute(tctx(t), genl.Message{Header: genl.Header{Command: 1}}, 0x20, proto.FlagEcho)
	if err != nil {
		t.Fatal(err)
	}
	sent = fake.Sent()
	if h, _ := proto.ParseHeader(sent[len(sent)-1]); h.Flags != proto.FlagRequest|proto.FlagAck|proto.FlagEcho {
		t.Errorf("Execute flags = %#x", h.Flags)
	}
}

func TestFakeDump(t *testing.T) {
	c, _ := genltest.Dial(genltest.Family{Family: testFamily, Handle: func(req genl.Message) ([]genl.Message, error) {
		var out []genl.Message
		for i := range 5 {
			out = append(out, genl.Message{Header: genl.Header{Command: 2}, Data: []byte{byte(i), 0, 0, 0}})
		}
		return out, nil
	}})
	defer c.Close()
	var seen []byte
	for m, err := range c.Dump(tctx(t), 0x20, 2, 1, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if m.Netlink.Flags&proto.FlagMulti == 0 {
			t.Errorf("dump reply without NLM_F_MULTI: %+v", m.Netlink)
		}
		seen = append(seen, m.Data[0])
	}
	if !bytes.Equal(seen, []byte{0, 1, 2, 3, 4}) {
		t.Fatalf("dump saw %v", seen)
	}
	// Abandon a dump: the next request still gets its own answer.
	for range c.Dump(tctx(t), 0x20, 2, 1, nil) {
		break
	}
	if f, err := c.Family(tctx(t), "TESTFAM"); err != nil || f.ID != 0x20 {
		t.Fatalf("after abandoned dump: %+v, %v", f, err)
	}
}

func TestFakeDumpShortMessage(t *testing.T) {
	c := genl.New(shortReplyConn())
	defer c.Close()
	n := 0
	var last error
	for _, err := range c.Dump(tctx(t), 0x20, 2, 1, nil) {
		n++
		last = err
	}
	var re *nlkit.ReceiveError
	if n != 1 || !errors.As(last, &re) || !errors.Is(last, &proto.MessageError{Kind: proto.ErrShortPayload}) {
		t.Fatalf("n=%d err=%v", n, last)
	}
	if _, err := c.Request(tctx(t), 0x20, 2, 1, nil); !errors.Is(err, &proto.MessageError{Kind: proto.ErrShortPayload}) {
		t.Fatalf("Request err = %v", err)
	}
}

// shortReplyConn is a connection whose family 0x20 answers with a message too short for struct genlmsghdr.
func shortReplyConn() *nlkit.Conn {
	fn := genltest.Func()
	return nltestNew(func(reqs []proto.Message) ([]proto.Message, error) {
		if reqs[0].Header.Type == 0x20 {
			return []proto.Message{{Header: proto.Header{Type: 0x20}, Data: []byte{1, 2}}}, nil
		}
		return fn(reqs)
	})
}

func TestReceive(t *testing.T) {
	c, fake := genltest.Dial(genltest.Family{Family: testFamily})
	defer c.Close()
	ev := genl.Message{Header: genl.Header{Command: 7, Version: 1}, Data: []byte{8, 0, 1, 0, 42, 0, 0, 0}}
	fake.Inject(nltestAddr(0, nlkit.GroupMask(9)),
		proto.Message{Header: proto.Header{Type: proto.TypeNoop}},
		ev.NetlinkMessage(0x20, 0))
	msgs, from, err := c.Receive(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if from.Group != 9 || len(msgs) != 1 || msgs[0].Header != ev.Header || msgs[0].Netlink.Type != 0x20 {
		t.Fatalf("Receive = %+v from %+v", msgs, from)
	}
	ad := msgs[0].Attrs()
	if !ad.Next() || ad.Type() != 1 || ad.Uint32() != 42 {
		t.Errorf("attribute: %v %v", ad.Type(), ad.Err())
	}
	fake.Inject(nltestAddr(0, 0), proto.Message{Header: proto.Header{Type: 0x20}, Data: []byte{1}})
	_, _, err = c.Receive(tctx(t))
	var re *nlkit.ReceiveError
	if !errors.As(err, &re) {
		t.Fatalf("short message err = %v", err)
	}
}

func TestParseMessage(t *testing.T) {
	m := genl.Message{Header: genl.Header{Command: 3, Version: 2, Reserved: 0x0102}, Data: []byte("abcd")}
	nm := m.NetlinkMessage(0x10, proto.FlagDump)
	if nm.Header.Type != 0x10 || nm.Header.Flags != proto.FlagDump {
		t.Fatalf("header %+v", nm.Header)
	}
	back, err := genl.ParseMessage(nm)
	if err != nil || back.Header != m.Header || string(back.Data) != "abcd" {
		t.Fatalf("ParseMessage = %+v, %v", back, err)
	}
	_, err = genl.ParseMessage(proto.Message{Data: []byte{1, 2, 3}})
	if !errors.Is(err, &proto.MessageError{Kind: proto.ErrShortPayload}) {
		t.Fatalf("short: %v", err)
	}
}

func TestParseFamily(t *testing.T) {
	msg := genl.Message{Header: genl.Header{Command: genl.CtrlCmdNewFamily, Version: 2},
		Data: genl.AppendFamily(nil, testFamily)}
	f, err := genl.ParseFamily(msg)
	if err != nil || !reflect.DeepEqual(f, testFamily) {
		t.Fatalf("ParseFamily = %+v, %v", f, err)
	}
	if g, ok := f.Group("events"); !ok || g.ID != 9 {
		t.Errorf("Group(events) = %+v %v", g, ok)
	}
	if _, ok := f.Group("x"); ok {
		t.Error("Group(x) found")
	}
	if o, ok := f.Op(2); !ok || o.Flags != genl.OpCapDump|genl.OpAdminPerm {
		t.Errorf("Op(2) = %+v %v", o, ok)
	}

	// A u16 family id of the wrong size, and a truncated nest.
	ae := proto.NewAttrEncoder(nil)
	ae.Uint32(genl.CtrlAttrFamilyID, 1)
	if _, err := genl.ParseFamily(genl.Message{Data: ae.Bytes()}); !errors.Is(err, &proto.AttrError{Kind: proto.AttrBadSize}) {
		t.Errorf("bad size: %v", err)
	}
	full := genl.AppendFamily(nil, testFamily)
	for cut := 1; cut < len(full); cut += 3 {
		if _, err := genl.ParseFamily(genl.Message{Data: full[:cut]}); err == nil {
			// Cuts on an attribute boundary are well formed.
			if _, err := proto.ParseAttrs(full[:cut]); err != nil {
				t.Errorf("cut at %d: no error", cut)
			}
		}
	}
}

func TestOpFlagsString(t *testing.T) {
	for f, want := range map[genl.OpFlags]string{
		0: "0", genl.OpCapDo | genl.OpCapDump: "do|dump", genl.OpAdminPerm | genl.OpCapHasPolicy: "admin|policy",
		genl.OpUnsAdminPerm | 0x100: "uns-admin|0x100",
	} {
		if got := f.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint32(f), got, want)
		}
	}
}

func TestFormatFamilies(t *testing.T) {
	v2 := testFamily
	v2.Name, v2.Version = "V2", 2
	v2.Ops = append(v2.Ops, genl.Op{Command: 5})
	v2.Groups = nil
	var b bytes.Buffer
	if err := genl.FormatFamilies(&b, []genl.Family{testFamily, v2, {ID: 0x30, Name: "BARE", Version: 1}}); err != nil {
		t.Fatal(err)
	}
	want := "\nName: TESTFAM\n" +
		"\tID: 0x20  Version: 0x1  header size: 0  max attribs: 3 \n" +
		"\tcommands supported: \n" +
		"\t\t#1:  ID-0x1 \n" +
		"\t\t#2:  ID-0x2 \n" +
		"\n" +
		"\tmulticast groups:\n" +
		"\t\t#1:  ID-0x9  name: events \n" +
		"\t\t#2:  ID-0xa  name: other \n" +
		"\n" +
		"\nName: V2\n" +
		"\tID: 0x20  Version: 0x2  header size: 0  max attribs: 3 \n" +
		"\tcommands supported: \n" +
		"\t\t#1:  ID-0x1 \n\t\tCapabilities (0x2):\n \t\t  can doit;\n\n" +
		"\t\t#2:  ID-0x2 \n\t\tCapabilities (0x5):\n \t\t  requires admin permission; can dumpit;\n\n" +
		"\t\t#3:  ID-0x5 \n\t\tCapabilities (0x0):\n \n\n" +
		"\n" +
		"\nName: BARE\n" +
		"\tID: 0x30  Version: 0x1  header size: 0  max attribs: 0 \n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

// fiveReplies answers every request to testFamily with five messages whose first data byte counts 0..4.
func fiveReplies(req genl.Message) ([]genl.Message, error) {
	var out []genl.Message
	for i := range 5 {
		out = append(out, genl.Message{Header: genl.Header{Command: req.Header.Command}, Data: []byte{byte(i), 0, 0, 0}})
	}
	return out, nil
}

// TestFakeSeparateDatagrams: every reply and the ack (or NLMSG_DONE) in a datagram of its own, as a kernel doit
// sends them (genlmsg_reply, then netlink_ack). Execute must keep each reply intact while the next datagram is
// read into the same buffer, and a dump abandoned before its end must be drained, not stall the next request.
func TestFakeSeparateDatagrams(t *testing.T) {
	nc, fake := nltest.New(nlkit.UnitGeneric, genltest.Func(genltest.Family{Family: testFamily, Handle: fiveReplies}), nil)
	fake.SeparateDatagrams = true
	c := genl.New(nc)
	defer c.Close()

	replies, err := c.Request(tctx(t), 0x20, 1, 1, nil)
	if err != nil || len(replies) != 5 {
		t.Fatalf("Request: %d replies, %v", len(replies), err)
	}
	for i, r := range replies {
		if r.Header.Command != 1 || !bytes.Equal(r.Data, []byte{byte(i), 0, 0, 0}) {
			t.Errorf("reply %d = %+v % x: overwritten by a later datagram?", i, r.Header, r.Data)
		}
	}
	f, err := c.Family(tctx(t), "TESTFAM")
	if err != nil || f.ID != 0x20 || f.Name != "TESTFAM" || len(f.Groups) != 2 {
		t.Fatalf("Family: %+v, %v", f, err)
	}

	// Abandon a dump after its first message: four replies and NLMSG_DONE are still queued.
	for m, err := range c.Dump(tctx(t), 0x20, 2, 1, nil) {
		if err != nil || m.Data[0] != 0 {
			t.Fatalf("dump: %+v, %v", m, err)
		}
		break
	}
	start := time.Now()
	short, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	replies, err = c.Request(short, 0x20, 1, 1, []byte{7, 0, 0, 0})
	if err != nil || len(replies) != 5 || replies[4].Data[0] != 4 {
		t.Fatalf("Request after an abandoned dump: %d replies, %v", len(replies), err)
	}
	// Abandon at the last message: NLMSG_DONE is in the next datagram, so the drain must read it.
	n := 0
	for _, err := range c.Dump(short, 0x20, 2, 1, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 {
			break
		}
	}
	seen := 0
	for _, err := range c.Dump(short, 0x20, 2, 1, nil) {
		if err != nil {
			t.Fatalf("dump after abandoning at the last message: %v", err)
		}
		seen++
	}
	if seen != 5 {
		t.Fatalf("dump after abandoning at the last message: %d replies, want 5", seen)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("requests after abandoned dumps took %v: a drain waited for its timeout", d)
	}
}

// TestFakeAbandonedDumpCancelled: the caller's ctx bounds the drain of an abandoned dump whose end never comes.
func TestFakeAbandonedDumpCancelled(t *testing.T) {
	ctrl := genltest.Func(genltest.Family{Family: testFamily, Handle: fiveReplies})
	nc := nltest.Dial(nlkit.UnitGeneric, func(reqs []proto.Message) ([]proto.Message, error) {
		req := reqs[0]
		if req.Header.Type != 0x30 {
			return ctrl(reqs)
		}
		// A dump of family 0x30 sends one message and never ends (the NLMSG_DONE is another request's).
		return []proto.Message{
			{Header: proto.Header{Type: 0x30}, Data: []byte{2, 1, 0, 0}},
			{Header: proto.Header{Type: proto.TypeDone, Sequence: req.Header.Sequence + 1000}, Data: make([]byte, 4)},
		}, nil
	})
	c := genl.New(nc)
	defer c.Close()
	for _, err := range c.Dump(tctx(t), 0x30, 2, 1, nil) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Request(short, 0x20, 1, 1, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Request while an abandoned dump never ends: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the drain ignored the caller's ctx: %v", d)
	}
}

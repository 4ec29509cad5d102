package knetlink_test

import (
	"bytes"
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/families/genl/knetlink"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

func tctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// fakeModule plays the KNETLINK family as knetlink.ko registers it: ECHO replies with KNETLINK_A_MSG and
// publishes it to "events", on every subscriber's fake.
type fakeModule struct {
	subs []*nltest.Fake
}

var fakeFamily = genl.Family{ID: 0x1a, Name: knetlink.FamilyName, Version: knetlink.FamilyVersion,
	MaxAttr: 1, Ops: []genl.Op{{Command: uint32(knetlink.CmdEcho), Flags: genl.OpCapDo | genl.OpCapHasPolicy}},
	Groups: []genl.Group{{Name: knetlink.GroupEvents, ID: 12}}}

func (fm *fakeModule) family() genltest.Family {
	return genltest.Family{Family: fakeFamily, Handle: func(req genl.Message) ([]genl.Message, error) {
		if req.Header.Command != knetlink.CmdEcho {
			return nil, syscall.EOPNOTSUPP
		}
		msg, err := knetlink.ParseEcho(req)
		if err != nil {
			return nil, &proto.Error{Errno: syscall.EINVAL, ExtAck: proto.ExtAck{Msg: "missing KNETLINK_A_MSG",
				MissType: uint32(knetlink.AttrMsg), HasMissType: true}}
		}
		reply := genl.Message{Header: genl.Header{Command: knetlink.CmdEcho, Version: knetlink.FamilyVersion},
			Data: knetlink.AppendEcho(nil, msg)}
		for _, f := range fm.subs {
			if f.Joined(12) {
				f.Inject(nlkit.Sockaddr{Groups: 0}, reply.NetlinkMessage(fakeFamily.ID, 0))
			}
		}
		return []genl.Message{reply}, nil
	}}
}

func (fm *fakeModule) dial(t *testing.T) *knetlink.Client {
	c, fake := genltest.Dial(fm.family())
	fm.subs = append(fm.subs, fake)
	t.Cleanup(func() { c.Close() })
	k, err := knetlink.New(tctx(t), c)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestEchoFake(t *testing.T) {
	fm := &fakeModule{}
	k := fm.dial(t)
	sub := fm.dial(t)
	if f := k.Family(); f.ID != 0x1a || f.Version != 1 {
		t.Fatalf("family %+v", f)
	}
	g, err := sub.Subscribe()
	if err != nil || g.ID != 12 {
		t.Fatalf("Subscribe = %+v, %v", g, err)
	}
	for _, msg := range [][]byte{[]byte("hello, kernel"), {}, bytes.Repeat([]byte{0, 0xff}, 1000)} {
		got, err := k.Echo(tctx(t), msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("echo %q, want %q", got, msg)
		}
		ev, err := sub.Receive(tctx(t))
		if err != nil || !bytes.Equal(ev, msg) {
			t.Fatalf("event %q, %v", ev, err)
		}
	}
	if k.Close() != nil || k.Conn() == nil {
		t.Error("Close of a borrowed conn")
	}
}

func TestEchoRejected(t *testing.T) {
	fm := &fakeModule{}
	k := fm.dial(t)
	// An ECHO without KNETLINK_A_MSG is refused, as GENL_REQ_ATTR_CHECK does.
	_, err := k.Conn().Request(tctx(t), k.Family().ID, knetlink.CmdEcho, 1, nil)
	var pe *proto.Error
	if !errors.As(err, &pe) || pe.Errno != syscall.EINVAL || pe.ExtAck.MissType != uint32(knetlink.AttrMsg) {
		t.Fatalf("err = %v", err)
	}
}

func TestNotLoaded(t *testing.T) {
	c, _ := genltest.Dial()
	defer c.Close()
	_, err := knetlink.New(tctx(t), c)
	var nf *genl.FamilyNotFoundError
	if !errors.Is(err, knetlink.ErrNotLoaded) || !errors.As(err, &nf) || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseEcho(t *testing.T) {
	m := genl.Message{Header: genl.Header{Command: knetlink.CmdEcho}, Data: knetlink.AppendEcho(nil, []byte("abc"))}
	if got, err := knetlink.ParseEcho(m); err != nil || string(got) != "abc" {
		t.Fatalf("ParseEcho = %q, %v", got, err)
	}
	for name, bad := range map[string]genl.Message{
		"other command": {Header: genl.Header{Command: 2}, Data: m.Data},
		"no attribute":  {Header: genl.Header{Command: knetlink.CmdEcho}},
		"truncated":     {Header: genl.Header{Command: knetlink.CmdEcho}, Data: m.Data[:5]},
	} {
		if _, err := knetlink.ParseEcho(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzParseEcho(f *testing.F) {
	f.Add(uint8(1), knetlink.AppendEcho(nil, []byte("hello")))
	f.Add(uint8(1), []byte{4, 0, 1, 0})
	f.Fuzz(func(t *testing.T, cmd uint8, b []byte) {
		msg, err := knetlink.ParseEcho(genl.Message{Header: genl.Header{Command: cmd}, Data: b})
		if err != nil {
			return
		}
		if cmd != knetlink.CmdEcho {
			t.Fatalf("command %d accepted", cmd)
		}
		if len(msg) > len(b) {
			t.Fatal("message longer than its input")
		}
	})
}

package compat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// names collects the IFLA_IFNAME of each link a dump delivers.
func names(n *Nlmsghdr, arg any) int {
	out := arg.(*[]string)
	var tb [tIflaLinkinfo + 1]Rtattr
	ParseRtattr(tb[:], tIflaLinkinfo, IFLA_RTA(n), IFLA_PAYLOAD(n))
	*out = append(*out, RtaGetattrStr(tb[tIflaIfname]))
	return 0
}

func twoLinks(req []proto.Message) ([]proto.Message, error) {
	if req[0].Header.Type != tRtmGetlink {
		return nil, nil
	}
	return []proto.Message{linkMsg(1, "lo", 0x49), linkMsg(2, "eth0", 0x1003)}, nil
}

func TestDumpFilter(t *testing.T) {
	rth, _ := fakeHandle(t, twoLinks)
	if err := RtnlLinkdumpReq(rth, 0); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := RtnlDumpFilter(rth, names, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "lo" || got[1] != "eth0" {
		t.Errorf("dump gave %v", got)
	}
	if rth.Dump != rth.Seq {
		t.Errorf("dump seq %d, handle seq %d", rth.Dump, rth.Seq)
	}
}

// TestDumpFilterSkips checks libnetlink's skip rules: messages for another portid or another sequence number are
// not given to the filter, and neither is what a user process sends (nlkit drops it before).
func TestDumpFilterSkips(t *testing.T) {
	rth, fake := fakeHandle(t, twoLinks)
	stray := func(seq, pid uint32) proto.Message {
		m := linkMsg(9, "stray", 0)
		m.Header.Sequence, m.Header.PortID = seq, pid
		return m
	}
	next := rth.Seq + 1
	fake.Inject(nlkit.Sockaddr{}, stray(next, nltest.PortID+1)) // another socket's
	fake.Inject(nlkit.Sockaddr{}, stray(next-1, nltest.PortID)) // an older request's
	fake.Inject(nlkit.Sockaddr{PortID: 777}, stray(next, nltest.PortID))
	if err := RtnlLinkdumpReq(rth, 0); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := RtnlDumpFilter(rth, names, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("filter saw %v", got)
	}
}

func TestDumpFilterAbort(t *testing.T) {
	rth, _ := fakeHandle(t, twoLinks)
	RtnlLinkdumpReq(rth, 0)
	calls := 0
	err := RtnlDumpFilter(rth, func(n *Nlmsghdr, _ any) int { calls++; return -7 }, nil)
	var ce *CallbackError
	if !errors.As(err, &ce) || ce.Value != -7 || calls != 1 {
		t.Errorf("err %v after %d calls, want CallbackError -7 after 1", err, calls)
	}
}

func doneWith(errno syscall.Errno, msg string) proto.Message {
	d := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
	m := proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagMulti}}
	if msg != "" {
		ae := proto.NewAttrEncoder(d)
		ae.String(proto.ExtAckMsg, msg)
		d = ae.Bytes()
		m.Header.Flags |= proto.FlagAckTLVs
	}
	m.Data = d
	return m
}

func TestDumpErrors(t *testing.T) {
	cases := []struct {
		name  string
		reply []proto.Message
		err   error
		text  string
		quiet bool
	}{
		{"done errno", []proto.Message{doneWith(syscall.EINVAL, "")}, nil, "RTNETLINK answers: Invalid argument", false},
		{"done ext ack", []proto.Message{doneWith(syscall.EINVAL, "Invalid header for link dump")}, nil,
			"Error: Invalid header for link dump.", false},
		{"done emsgsize", []proto.Message{doneWith(syscall.EMSGSIZE, "")}, nil, "Error: Buffer too small for object.", false},
		{"done enoent", []proto.Message{doneWith(syscall.ENOENT, "")}, nil, "RTNETLINK answers: No such file or directory", true},
		{"error", nil, syscall.EOPNOTSUPP, "RTNETLINK answers: Operation not supported", false},
		{"error with ext ack", nil, &proto.Error{Errno: syscall.EPERM, ExtAck: proto.ExtAck{Msg: "no"}},
			"RTNETLINK answers: Operation not permitted", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rth, _ := fakeHandle(t, func([]proto.Message) ([]proto.Message, error) { return tc.reply, tc.err })
			RtnlLinkdumpReq(rth, 0)
			err := RtnlDumpFilter(rth, names, new([]string))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Error() != tc.text || e.Quiet != tc.quiet {
				t.Errorf("got %q quiet=%v, want %q quiet=%v", e.Error(), e.Quiet, tc.text, tc.quiet)
			}
			if !errors.Is(err, e.Errno) || !errors.Is(err, &proto.Error{Errno: e.Errno}) {
				t.Error("errors.Is does not match the errno")
			}
		})
	}
}

func TestDumpErrhndlr(t *testing.T) {
	rth, _ := fakeHandle(t, func([]proto.Message) ([]proto.Message, error) {
		return []proto.Message{linkMsg(1, "lo", 0), doneWith(syscall.EOPNOTSUPP, "")}, nil
	})
	RtnlLinkdumpReq(rth, 0)
	var got []string
	handled := 0
	err := RtnlDumpFilterErrhndlr(rth, names, &got, func(n *Nlmsghdr, arg any) int {
		handled++
		return RTNL_SUPPRESS_NLMSG_DONE_NLERR
	}, nil)
	if err != nil || handled != 1 || len(got) != 1 {
		t.Errorf("err %v, handler called %d times, %v", err, handled, got)
	}
}

func TestDumpInterrupted(t *testing.T) {
	rth, _ := fakeHandle(t, func([]proto.Message) ([]proto.Message, error) {
		a, b := linkMsg(1, "lo", 0), linkMsg(2, "eth0", 0)
		b.Header.Flags |= proto.FlagDumpIntr
		return []proto.Message{a, b}, nil
	})
	RtnlLinkdumpReq(rth, 0)
	var got []string
	err := RtnlDumpFilter(rth, names, &got)
	var de *nlkit.DumpInterruptedError
	if !errors.Is(err, nlkit.ErrDumpInterrupted) || !errors.As(err, &de) || len(got) != 2 {
		t.Errorf("err %v, %v: want a *nlkit.DumpInterruptedError after both links", err, got)
	}
	if de != nil && de.Sequence != rth.Dump {
		t.Errorf("sequence %d, want the dump's %d", de.Sequence, rth.Dump)
	}
	// NLM_F_DUMP_INTR in nc_flags (as ip's flush does) lets the dump pass.
	RtnlLinkdumpReq(rth, 0)
	if err := RtnlDumpFilterNc(rth, names, new([]string), proto.FlagDumpIntr); err != nil {
		t.Errorf("with nc_flags: %v", err)
	}
}

func TestDumpFp(t *testing.T) {
	rth, _ := fakeHandle(t, twoLinks)
	var file bytes.Buffer
	rth.DumpFp = &file
	RtnlLinkdumpReq(rth, 0)
	called := 0
	if err := RtnlDumpFilter(rth, func(*Nlmsghdr, any) int { called++; return 0 }, nil); err != nil {
		t.Fatal(err)
	}
	if called != 0 {
		t.Errorf("filter called %d times with DumpFp set", called)
	}
	// The file replays: two links and NLMSG_DONE.
	var types []uint16
	err := RtnlFromFile(bytes.NewReader(file.Bytes()), func(ctrl *RtnlCtrlData, n *Nlmsghdr, _ any) int {
		if ctrl != nil {
			t.Error("RtnlFromFile gave a ctrl")
		}
		types = append(types, n.Type)
		return 0
	}, nil)
	if err != nil || len(types) != 3 || types[0] != tRtmNewlink || types[2] != proto.TypeDone {
		t.Errorf("replay: %v, types %v", err, types)
	}
}

func TestTalk(t *testing.T) {
	rth, fake := fakeHandle(t, nil)
	req := NewRequest(tRtmNewlink, tNlmFRequest, Ifinfomsg{}, 64)
	if err := RtnlTalk(rth, req, nil); err != nil {
		t.Fatal(err)
	}
	if req.Flags&tNlmFAck == 0 || req.Seq != rth.Seq {
		t.Errorf("flags %#x seq %d (handle %d): want NLM_F_ACK and the handle's seq", req.Flags, req.Seq, rth.Seq)
	}
	// With an answer wanted, no NLM_F_ACK and the answer is a copy.
	rth2, _ := fakeHandle(t, linkAnswer)
	get := NewRequest(tRtmGetlink, tNlmFRequest, Ifinfomsg{Index: 3}, 64)
	var answer *Nlmsghdr
	if err := RtnlTalk(rth2, get, &answer); err != nil {
		t.Fatal(err)
	}
	if get.Flags&tNlmFAck != 0 || answer == nil || answer.Type != tRtmNewlink || NlmsgData[Ifinfomsg](answer).Index != 3 {
		t.Errorf("answer %+v", answer)
	}
	_ = fake
}

func TestTalkErrors(t *testing.T) {
	cases := []struct {
		err  error
		text string
	}{
		{syscall.EEXIST, "RTNETLINK answers: File exists"},
		{&proto.Error{Errno: syscall.EINVAL, ExtAck: proto.ExtAck{Msg: "Nexthop device is not up"}},
			"Error: Nexthop device is not up."},
		{&proto.Error{Errno: syscall.EINVAL, ExtAck: proto.ExtAck{Msg: "ends with a period."}}, "Error: ends with a period."},
		{&proto.Error{Errno: syscall.EINVAL, ExtAck: proto.ExtAck{MissType: 3, HasMissType: true}},
			"Missing required attribute type 3\nRTNETLINK answers: Invalid argument"},
		{syscall.Errno(4000), "RTNETLINK answers: Unknown error 4000"},
	}
	for _, tc := range cases {
		rth, _ := fakeHandle(t, func([]proto.Message) ([]proto.Message, error) { return nil, tc.err })
		req := NewRequest(tRtmNewlink, tNlmFRequest, Ifinfomsg{}, 64)
		err := RtnlTalk(rth, req, nil)
		if err == nil || err.Error() != tc.text {
			t.Errorf("got %q, want %q", err, tc.text)
		}
		var e *Error
		if !errors.As(err, &e) || e.Quiet {
			t.Errorf("%v: not a loud *Error", err)
		}
		err = RtnlTalkSuppressRtnlErrmsg(rth, req, nil)
		if !errors.As(err, &e) || !e.Quiet {
			t.Errorf("suppressed: %v is not quiet", err)
		}
	}
}

func TestTalkIov(t *testing.T) {
	calls := 0
	rth, _ := fakeHandle(t, func(req []proto.Message) ([]proto.Message, error) {
		calls++
		if calls == 2 {
			return nil, syscall.ENODEV
		}
		return nil, nil
	})
	a := NewRequest(tRtmNewlink, tNlmFRequest, Ifinfomsg{}, 64)
	Addattrstrz(a, a.Size(), tIflaIfname, "x") // nlmsg_len 38: the next message starts aligned
	b := NewRequest(tRtmDellink, tNlmFRequest, Ifinfomsg{}, 64)
	c := NewRequest(tRtmDellink, tNlmFRequest, Ifinfomsg{}, 64)
	err := RtnlTalkIov(rth, []*Nlmsghdr{a, b, c}, nil)
	if calls != 3 || err == nil || err.Error() != "RTNETLINK answers: No such device" {
		t.Errorf("%d requests answered, err %v", calls, err)
	}
	if c.Seq != a.Seq+2 {
		t.Errorf("seqs %d %d %d", a.Seq, b.Seq, c.Seq)
	}
}

func TestSendCheck(t *testing.T) {
	rth, _ := fakeHandle(t, func(req []proto.Message) ([]proto.Message, error) {
		if req[0].Header.Type == tRtmDellink {
			return nil, syscall.EADDRNOTAVAIL
		}
		return nil, nil
	})
	ok := NewRequest(tRtmNewlink, tNlmFRequest, Ifinfomsg{}, 64) // no ack asked: nothing comes back
	if err := RtnlSendCheck(rth, ok.Bytes()); err != nil {
		t.Errorf("quiet request: %v", err)
	}
	bad := NewRequest(tRtmDellink, tNlmFRequest, Ifinfomsg{}, 64)
	err := RtnlSendCheck(rth, bad.Bytes())
	if !errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Errorf("failing request: %v", err)
	}
	// The error stays queued, as after MSG_PEEK: the next reader sees it.
	got := 0
	RtnlSend(rth, nil)
	rth.Ctx = nil
	d, err := rth.recv()
	if err == nil {
		it := proto.NewIter(d.data)
		for it.Next() {
			if it.Message().Header.Type == proto.TypeError {
				got++
			}
		}
	}
	if got != 1 {
		t.Errorf("the peeked error was consumed (%v)", err)
	}
}

func TestListen(t *testing.T) {
	rth, fake := fakeHandle(t, nil)
	fake.Inject(nlkit.Sockaddr{Groups: 1}, linkMsg(1, "lo", 0), linkMsg(2, "eth0", 0))
	var got []string
	err := RtnlListen(rth, func(ctrl *RtnlCtrlData, n *Nlmsghdr, arg any) int {
		if ctrl.Nsid != -1 {
			t.Errorf("nsid %d without LISTEN_ALL_NSID", ctrl.Nsid)
		}
		names(n, &got)
		if len(got) == 2 {
			return -1
		}
		return 0
	}, nil)
	var ce *CallbackError
	if !errors.As(err, &ce) || len(got) != 2 {
		t.Errorf("err %v, got %v", err, got)
	}
	// Closing the handle ends a listen.
	done := make(chan error, 1)
	go func() { done <- RtnlListen(rth, func(*RtnlCtrlData, *Nlmsghdr, any) int { return 0 }, nil) }()
	rth.Fd.Close()
	if err := <-done; !errors.Is(err, nlkit.ErrClosed) {
		t.Errorf("listen after close: %v", err)
	}
}

func TestOpenConnOptions(t *testing.T) {
	rth, _ := fakeHandle(t, nil)
	RtnlSetStrictDump(rth)
	if rth.Flags&RTNL_HANDLE_F_STRICT_CHK != 0 {
		t.Error("strict flag set on a Conn the handle cannot redial")
	}
	if err := RtnlListenAllNsid(rth); !errors.Is(err, ErrOptionAfterOpen) {
		t.Errorf("RtnlListenAllNsid on a foreign Conn: %v", err)
	}
	if err := RtnlAddNlGroup(rth, 40); err != nil {
		t.Error(err)
	}
	RtnlClose(rth)
	if rth.Fd != nil {
		t.Error("RtnlClose left Fd")
	}
	if err := RtnlLinkdumpReq(rth, 0); !errors.Is(err, nlkit.ErrClosed) {
		t.Errorf("request on a closed handle: %v", err)
	}
}

func TestWilddumpAndDumpRequest(t *testing.T) {
	rth, fake := fakeHandle(t, nil)
	RtnlWilddumpRequest(rth, tAfInet, tRtmGetaddr)
	RtnlDumpRequest(rth, tRtmGetroute, []byte{tAfInet6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	n := NewRequest(tRtmGetaddr, 0, Ifaddrmsg{Family: tAfInet}, 0)
	RtnlDumpRequestN(rth, n)
	RtnlNetconfdumpReq(rth, tAfInet)
	RtnlNsiddumpReqFilterFn(rth, 0, func(*Nlmsghdr, int) error { return nil })
	sent := fake.Sent()
	want := []struct {
		len   int
		typ   uint16
		flags uint16
	}{{20, tRtmGetaddr, 0x301}, {28, tRtmGetroute, 0x301}, {24, tRtmGetaddr, 0x301}, {20, 82, 0x301}, {20, 90, 0x301}}
	if len(sent) != len(want) {
		t.Fatalf("%d datagrams", len(sent))
	}
	for i, w := range want {
		h, _ := proto.ParseHeader(sent[i])
		if int(h.Length) != w.len || h.Type != w.typ || h.Flags != w.flags || len(sent[i]) != w.len {
			t.Errorf("request %d: %+v (%d bytes), want %+v", i, h, len(sent[i]), w)
		}
	}
	if sent[0][16] != tAfInet {
		t.Error("rtgen_family")
	}
	if err := RtnlLinkdumpReqFilterFn(rth, 0, nil); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("nil filter fn: %v", err)
	}
}

func TestStrerror(t *testing.T) {
	for e, want := range map[syscall.Errno]string{0: "Success", syscall.EEXIST: "File exists",
		syscall.ENODEV: "No such device", syscall.ENETUNREACH: "Network is unreachable"} {
		if got := Strerror(e); got != want {
			t.Errorf("Strerror(%d) = %q, want %q", e, got, want)
		}
	}
}

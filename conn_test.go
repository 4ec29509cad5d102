package nlkit_test

import (
	"context"
	"encoding/binary"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

const typeThing = 100

func thing(payload string) proto.Message {
	return proto.Message{Header: proto.Header{Type: typeThing}, Data: []byte(payload)}
}

func TestExecuteReplyAndAck(t *testing.T) {
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		if req[0].Header.Flags&(proto.FlagRequest|proto.FlagAck) != proto.FlagRequest|proto.FlagAck {
			t.Errorf("flags %#x: want NLM_F_REQUEST|NLM_F_ACK", req[0].Header.Flags)
		}
		return []proto.Message{thing("answer")}, nil
	})
	defer conn.Close()
	msgs, err := conn.Execute(context.Background(), thing("question"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || string(msgs[0].Data) != "answer" {
		t.Fatalf("replies %+v", msgs)
	}
}

func TestExecuteErrorCarriesExtAck(t *testing.T) {
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		return nil, &proto.Error{Errno: syscall.EEXIST, ExtAck: proto.ExtAck{Msg: "Nexthop device is not up"}}
	})
	defer conn.Close()
	_, err := conn.Execute(context.Background(), thing("x"))
	if !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("err %v: want EEXIST", err)
	}
	var pe *proto.Error
	if !errors.As(err, &pe) || pe.ExtAck.Msg != "Nexthop device is not up" {
		t.Fatalf("err %v: want the extended-ack message", err)
	}
}

func TestDumpStreamsAndReportsInterrupt(t *testing.T) {
	const n = 500
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		var out []proto.Message
		for i := range n {
			m := thing(string(rune('a' + i%26)))
			if i == n/2 {
				m.Header.Flags |= proto.FlagDumpIntr
			}
			out = append(out, m)
		}
		return out, nil
	})
	defer conn.Close()
	got := 0
	var last error
	for m, err := range conn.Dump(context.Background(), thing("")) {
		if err != nil {
			last = err
			continue
		}
		if m.Header.Type != typeThing {
			t.Fatalf("type %d", m.Header.Type)
		}
		got++
	}
	if got != n {
		t.Fatalf("got %d messages, want %d", got, n)
	}
	if !errors.Is(last, nlkit.ErrDumpInterrupted) {
		t.Fatalf("last error %v: want ErrDumpInterrupted", last)
	}
}

func TestStrayMessagesSkipped(t *testing.T) {
	conn, fake := nltest.New(0, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{thing("mine")}, nil
	}, nil)
	defer conn.Close()
	// A reply to another request and a datagram from a user process arrive before ours.
	fake.Inject(nlkit.Sockaddr{}, proto.Message{Header: proto.Header{Type: typeThing, Sequence: 1, PortID: nltest.PortID},
		Data: []byte("stale")})
	fake.Inject(nlkit.Sockaddr{PortID: 777}, thing("forged"))
	msgs, err := conn.Execute(context.Background(), thing("x"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || string(msgs[0].Data) != "mine" {
		t.Fatalf("replies %v: want only ours", msgs)
	}
	if conn.Dropped() != 1 {
		t.Fatalf("dropped %d, want 1 (the datagram from portid 777 on a kernel unit)", conn.Dropped())
	}
}

func TestUserSendersKeptOnUsersock(t *testing.T) {
	conn, fake := nltest.New(nlkit.UnitUsersock, nil, nil)
	defer conn.Close()
	fake.Inject(nlkit.Sockaddr{PortID: 777}, thing("peer"))
	msgs, from, err := conn.Receive(context.Background())
	if err != nil || from.Addr.PortID != 777 || string(msgs[0].Data) != "peer" {
		t.Fatalf("msgs %v from %+v err %v", msgs, from, err)
	}
}

func TestCloseUnblocksReceive(t *testing.T) {
	conn, _ := nltest.New(0, nil, nil)
	done := make(chan error, 1)
	go func() {
		_, _, err := conn.Receive(context.Background())
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	conn.Close()
	select {
	case err := <-done:
		if !errors.Is(err, nlkit.ErrClosed) {
			t.Fatalf("err %v: want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Receive still blocked after Close")
	}
}

func TestTruncatedDatagramGrowsBuffer(t *testing.T) {
	conn, fake := nltest.New(0, nil, &nlkit.Config{ReceiveBuffer: 64})
	defer conn.Close()
	fake.Inject(nlkit.Sockaddr{}, thing(string(make([]byte, 100))))
	fake.Inject(nlkit.Sockaddr{}, thing(string(make([]byte, 100))))
	_, _, err := conn.Receive(context.Background())
	var te *nlkit.TruncatedError
	if !errors.As(err, &te) || te.Size != 116 || te.Buffer != 64 {
		t.Fatalf("err %v: want a TruncatedError of 116 bytes in 64", err)
	}
	if !errors.Is(err, &proto.MessageError{Kind: proto.ErrTruncatedDatagram}) {
		t.Fatal("TruncatedError should match proto.ErrTruncatedDatagram")
	}
	msgs, _, err := conn.Receive(context.Background())
	if err != nil || len(msgs) != 1 || len(msgs[0].Data) != 100 {
		t.Fatalf("after growing: %v %v", msgs, err)
	}
}

func TestDatagramSize(t *testing.T) {
	conn, fake := nltest.New(0, nil, &nlkit.Config{ReceiveBuffer: 64})
	defer conn.Close()
	fake.Inject(nlkit.Sockaddr{}, thing(string(make([]byte, 100))))
	fake.Inject(nlkit.Sockaddr{}, thing("ok"))
	d, err := conn.ReceiveDatagram(context.Background())
	var te *nlkit.TruncatedError
	if !errors.As(err, &te) || d == nil || d.Size != 116 || len(d.Data) != 64 || !d.Truncated() {
		t.Fatalf("cut datagram: %v, %+v", err, d)
	}
	d, err = conn.ReceiveDatagram(context.Background())
	if err != nil || d.Size != 20 || len(d.Data) != 20 || d.Truncated() {
		t.Fatalf("whole datagram: %v, %+v", err, d)
	}
}

func TestMalformedDatagramIsTyped(t *testing.T) {
	conn, fake := nltest.New(0, nil, nil)
	defer conn.Close()
	good := thing("ok").AppendTo(nil)
	bad := make([]byte, 16)
	binary.NativeEndian.PutUint32(bad, 4) // nlmsg_len below the header size
	fake.InjectRaw(nlkit.Sockaddr{}, append(good, bad...))
	msgs, _, err := conn.Receive(context.Background())
	var re *nlkit.ReceiveError
	if !errors.As(err, &re) || !errors.Is(err, &proto.MessageError{Kind: proto.ErrShortLength}) {
		t.Fatalf("err %v: want a ReceiveError with ErrShortLength", err)
	}
	if len(msgs) != 1 || string(msgs[0].Data) != "ok" {
		t.Fatalf("the well-formed message before the fault was lost: %v", msgs)
	}
}

func TestReceiveContextCancel(t *testing.T) {
	conn, fake := nltest.New(0, nil, nil)
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, _, err := conn.Receive(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	// The cancellation must not leak into the next receive.
	fake.Inject(nlkit.Sockaddr{}, thing("next"))
	msgs, _, err := conn.Receive(context.Background())
	if err != nil || string(msgs[0].Data) != "next" {
		t.Fatalf("after cancel: %v %v", msgs, err)
	}
}

func TestSendGroupAndErrors(t *testing.T) {
	conn, fake := nltest.New(nlkit.UnitUsersock, nil, nil)
	defer conn.Close()
	if err := conn.SendGroup(3, thing("g")); err != nil {
		t.Fatal(err)
	}
	if err := conn.SendGroup(40, thing("g")); err == nil {
		t.Fatal("group 40 cannot be addressed; want an error")
	}
	err := conn.SendTo(nlkit.Sockaddr{PortID: 99}, thing("x"))
	var np *nlkit.NoPeerError
	if !errors.As(err, &np) || np.PortID != 99 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err %v: want NoPeerError for 99", err)
	}
	if got := len(fake.Sent()); got != 2 {
		t.Fatalf("sent %d datagrams, want 2", got)
	}
}

func TestExecuteRepliesInSeparateDatagrams(t *testing.T) {
	conn, fake := nltest.New(0, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{thing("first"), thing("second")}, nil
	}, nil)
	fake.SeparateDatagrams = true
	defer conn.Close()
	msgs, err := conn.Execute(context.Background(), thing("q"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || string(msgs[0].Data) != "first" || string(msgs[1].Data) != "second" {
		t.Fatalf("replies %v: each must survive the datagrams that follow it", msgs)
	}
}

func TestAbandonedDumpEndingInSameDatagram(t *testing.T) {
	// The kernel packs NLMSG_DONE with the last replies: stopping at the first message must not make the next
	// request wait for an end that was already read.
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{thing("a"), thing("b"), thing("c")}, nil
	})
	defer conn.Close()
	for _, err := range conn.Dump(context.Background(), thing("")) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := conn.Execute(ctx, thing("next")); err != nil {
		t.Fatalf("request after an abandoned dump: %v", err)
	}
}

func TestAbandonedDumpDrained(t *testing.T) {
	// With every message in its own datagram, the rest of the dump is still queued when the loop stops: the
	// next request reads past it and gets its own reply.
	conn, fake := nltest.New(0, func(req []proto.Message) ([]proto.Message, error) {
		if req[0].Header.Flags&proto.FlagDump == proto.FlagDump {
			return []proto.Message{thing("a"), thing("b"), thing("c")}, nil
		}
		return []proto.Message{thing("reply")}, nil
	}, nil)
	fake.SeparateDatagrams = true
	defer conn.Close()
	for _, err := range conn.Dump(context.Background(), thing("")) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	msgs, err := conn.Execute(ctx, thing("next"))
	if err != nil || len(msgs) != 1 || string(msgs[0].Data) != "reply" {
		t.Fatalf("request after an abandoned dump: %v %v", msgs, err)
	}
}

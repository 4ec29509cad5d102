package unit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
)

// echo answers every request with its payload.
func echo(_ context.Context, req unit.Request) ([]byte, error) { return req.Message.Data, nil }

// serve starts an echo server in a fresh namespace and returns it with the namespace's unit.Config.
func serve(t *testing.T, scfg unit.ServerConfig) (*unit.Server, unit.Config) {
	t.Helper()
	ns := nstest.New(t)
	scfg.NetNS = ns.Handle.Fd()
	srv, err := unit.Listen(&scfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, echo) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
	})
	return srv, unit.Config{NetNS: ns.Handle.Fd()}
}

func TestClientServer(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []nlkit.Sender
	)
	ns := nstest.New(t)
	srv, err := unit.Listen(&unit.ServerConfig{Config: unit.Config{NetNS: ns.Handle.Fd()}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.PortID() != uint32(os.Getpid()) {
		t.Errorf("server portid %d: want the process id %d, as in the seed", srv.PortID(), os.Getpid())
	}
	go srv.Serve(context.Background(), func(ctx context.Context, req unit.Request) ([]byte, error) {
		mu.Lock()
		seen = append(seen, req.From)
		mu.Unlock()
		return append([]byte("echo: "), req.Message.Data...), nil
	})
	c, err := unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: unit.Config{NetNS: ns.Handle.Fd()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Request(context.Background(), 0, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Message.Data) != "echo: hello" || r.From.Addr.PortID != srv.PortID() {
		t.Fatalf("reply %q from %d", r.Message.Data, r.From.Addr.PortID)
	}
	mu.Lock()
	defer mu.Unlock()
	from := seen[0]
	if from.Addr.PortID != c.PortID() {
		t.Errorf("server saw portid %d, client is %d", from.Addr.PortID, c.PortID())
	}
	if !from.HasCred || from.Cred.PID != int32(os.Getpid()) || from.Cred.UID != uint32(os.Getuid()) {
		t.Errorf("server saw credentials %+v (has %v), want pid %d uid %d", from.Cred, from.HasCred, os.Getpid(), os.Getuid())
	}
}

func TestServerSeesChildProcessCredentials(t *testing.T) {
	srv, cfg := serve(t, unit.ServerConfig{})
	var got nlkit.Sender
	var mu sync.Mutex
	srv2, err := unit.Listen(&unit.ServerConfig{Config: unit.Config{NetNS: cfg.NetNS, PortID: srv.PortID() + 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	go srv2.Serve(context.Background(), func(_ context.Context, req unit.Request) ([]byte, error) {
		mu.Lock()
		got = req.From
		mu.Unlock()
		return req.Message.Data, nil
	})
	bin := buildExample(t, "netlink-cs")
	cmd := exec.Command("nsenter", fmt.Sprintf("--net=/proc/%d/fd/%d", os.Getpid(), cfg.NetNS), bin,
		"-m", "from a child", fmt.Sprint(srv2.PortID()))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client: %v\n%s", err, out)
	}
	want := fmt.Sprintf("reply from portid %d: from a child\n", srv2.PortID())
	if string(out) != want {
		t.Fatalf("client printed %q, want %q", out, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if !got.HasCred || got.Cred.PID != int32(cmd.Process.Pid) {
		t.Fatalf("server saw pid %d (has %v), the client process is %d", got.Cred.PID, got.HasCred, cmd.Process.Pid)
	}
}

// buildExample builds examples/name with go build, or, when NLKIT_PREBUILT_DIR is set (in the test VM, which has
// no go command), returns the binary of that name the host built there.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	return testbin.Go(t, "github.com/nlkit/nlkit/examples/"+name, name)
}

func TestClientInC(t *testing.T) {
	srv, cfg := serve(t, unit.ServerConfig{})
	bin := testbin.C(t, "testdata/client.c", "client")
	out, err := exec.Command("nsenter", fmt.Sprintf("--net=/proc/%d/fd/%d", os.Getpid(), cfg.NetNS), bin,
		fmt.Sprint(srv.PortID()), "hello from C").CombinedOutput()
	if err != nil {
		t.Fatalf("C client: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("reply from portid %d: hello from C\n", srv.PortID()); string(out) != want {
		t.Fatalf("C client printed %q, want %q", out, want)
	}
}

func TestPeerToPeer(t *testing.T) {
	ns := nstest.New(t)
	fd := ns.Handle.Fd()
	a, err := unit.DialPeer(&unit.PeerConfig{Config: unit.Config{NetNS: fd, PortID: 5001}, Remote: 5002})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := unit.DialPeer(&unit.PeerConfig{Config: unit.Config{NetNS: fd, PortID: 5002}, Remote: 5001})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// A third socket's message to b must not be taken for a's.
	stranger, err := unit.DialPeer(&unit.PeerConfig{Config: unit.Config{NetNS: fd, PortID: 5003}, Remote: 5002})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	if err := stranger.Send(0, 1, []byte("not from a")); err != nil {
		t.Fatal(err)
	}
	if err := a.Send(0x30, 7, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, from, err := b.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if from.Addr.PortID != 5001 || m.Header.Type != 0x30 || m.Header.Sequence != 7 || string(m.Data) != "ping" {
		t.Fatalf("got %+v %q from %d", m.Header, m.Data, from.Addr.PortID)
	}
}

func TestMulticastTwoSubscribers(t *testing.T) {
	ns := nstest.New(t)
	cfg := &unit.Config{NetNS: ns.Handle.Fd()}
	var subs []*unit.Subscriber
	for range 2 {
		s, err := unit.DialSubscriber(&unit.SubscriberConfig{Config: *cfg, Groups: []uint32{5}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		subs = append(subs, s)
	}
	other, err := unit.DialSubscriber(&unit.SubscriberConfig{Config: *cfg, Groups: []uint32{6}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	pub, err := unit.DialPublisher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Publish(5, 0, []byte("news")); err != nil {
		t.Fatalf("publish: %v (a pure group send must not report ECONNREFUSED)", err)
	}
	for i, s := range subs {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ev, err := s.Receive(ctx)
		cancel()
		if err != nil {
			t.Fatalf("subscriber %d: %v", i, err)
		}
		if ev.Group != 5 || string(ev.Messages[0].Data) != "news" || ev.From.Addr.PortID != pub.Conn().PortID() {
			t.Fatalf("subscriber %d: %+v", i, ev)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if ev, err := other.Receive(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a subscriber of group 6 received %+v %v", ev, err)
	}
}

func TestSendToAbsentPortID(t *testing.T) {
	ns := nstest.New(t)
	c, err := unit.DialClient(&unit.ClientConfig{Server: 3999999999, Config: unit.Config{NetNS: ns.Handle.Fd()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Request(context.Background(), 0, []byte("anyone?"))
	var np *nlkit.NoPeerError
	if !errors.As(err, &np) || np.PortID != 3999999999 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err %v: want NoPeerError", err)
	}
	if !strings.Contains(err.Error(), "no such peer") {
		t.Fatalf("error text %q should say no such peer", err)
	}
}

func TestUnregisteredUnit(t *testing.T) {
	c, err := nlkit.Dial(17, nil)
	if err == nil {
		defer c.Close()
		data, _ := os.ReadFile("/proc/net/netlink")
		if !bytes.Contains(data, []byte(" 17 ")) {
			t.Fatal("unit 17 opened but /proc/net/netlink does not list it")
		}
		t.Logf("unit 17 is registered here (knetlink loaded): the clear-error path is not reachable")
		return
	}
	var ue *nlkit.UnitError
	if !errors.As(err, &ue) || ue.Unit != 17 || !errors.Is(err, syscall.EPROTONOSUPPORT) {
		t.Fatalf("err %v: want a UnitError for 17", err)
	}
	if !strings.Contains(err.Error(), "not registered") || !strings.Contains(err.Error(), "kernel module") {
		t.Fatalf("error text %q should explain a module must register the unit", err)
	}
}

func TestMalformedDatagramToServer(t *testing.T) {
	var reported []error
	var mu sync.Mutex
	srv, cfg := serve(t, unit.ServerConfig{OnMalformed: func(_ nlkit.Sender, err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	raw, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: cfg.NetNS})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	bad := proto.Message{Header: proto.Header{Type: 0x20, Sequence: 9}, Data: []byte("abcd")}.AppendTo(nil)
	bad[0] = 200 // nlmsg_len past the end of the datagram
	if err := raw.SendRaw(nlkit.Sockaddr{PortID: srv.PortID()}, bad); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, _, err := raw.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := proto.ParseAck(msgs[0])
	if err != nil || !errors.Is(ack.Err(), syscall.EBADMSG) {
		t.Fatalf("answer to a malformed datagram: %+v %v, want EBADMSG", ack, err)
	}
	c, err := unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Request(ctx, 0, []byte("still there?")); err != nil || string(r.Message.Data) != "still there?" {
		t.Fatalf("the server stopped answering after a malformed datagram: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 || !errors.Is(reported[0], &proto.MessageError{Kind: proto.ErrOverlong}) {
		t.Fatalf("reported %v, want one ErrOverlong", reported)
	}
	if srv.Stats().Malformed != 1 {
		t.Fatalf("stats %+v", srv.Stats())
	}
}

func TestConcurrentClients(t *testing.T) {
	const clients, requests = 50, 100
	srv, cfg := serve(t, unit.ServerConfig{})
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: cfg})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for j := range requests {
				want := fmt.Sprintf("client %d request %d", i, j)
				r, err := c.Request(context.Background(), 0, []byte(want))
				if err != nil {
					errs <- err
					return
				}
				if string(r.Message.Data) != want {
					errs <- fmt.Errorf("client %d got %q, want %q", i, r.Message.Data, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every client has its reply; the server counts a reply just after sending it, so allow it that moment.
	for i := 0; srv.Stats().Replies != clients*requests && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if st := srv.Stats(); st.Replies != clients*requests || st.Requests != clients*requests {
		t.Fatalf("server stats %+v, want %d requests and replies", st, clients*requests)
	}
}

func TestSharedClientMatchesReplies(t *testing.T) {
	srv, cfg := serve(t, unit.ServerConfig{})
	c, err := unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	var bad sync.Map
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				want := fmt.Sprintf("%d/%d", i, j)
				r, err := c.Request(context.Background(), 0, []byte(want))
				if err != nil || string(r.Message.Data) != want {
					bad.Store(want, err)
				}
			}
		}()
	}
	wg.Wait()
	bad.Range(func(k, v any) bool { t.Errorf("request %v: %v", k, v); return true })
}

func TestHandlerErrorBecomesNlmsgError(t *testing.T) {
	ns := nstest.New(t)
	cfg := unit.Config{NetNS: ns.Handle.Fd()}
	srv, err := unit.Listen(&unit.ServerConfig{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go srv.Serve(context.Background(), func(_ context.Context, req unit.Request) ([]byte, error) {
		if string(req.Message.Data) == "errno" {
			return nil, syscall.ENOENT
		}
		return nil, errors.New("no such thing here")
	})
	c, err := unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Request(context.Background(), 0, []byte("errno")); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("err %v: want ENOENT", err)
	}
	_, err = c.Request(context.Background(), 0, []byte("text"))
	if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), "no such thing here") {
		t.Fatalf("err %v: want EIO with the handler's text", err)
	}
}

func TestPeerReceivesEveryMessageOfADatagram(t *testing.T) {
	ns := nstest.New(t)
	fd := ns.Handle.Fd()
	a, err := unit.DialPeer(&unit.PeerConfig{Config: unit.Config{NetNS: fd, PortID: 5101}, Remote: 5102})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := unit.DialPeer(&unit.PeerConfig{Config: unit.Config{NetNS: fd, PortID: 5102}, Remote: 5101})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var batch []proto.Message
	for i := range 16 {
		batch = append(batch, proto.Message{Header: proto.Header{Type: 0x30, Sequence: uint32(i)},
			Data: []byte(fmt.Sprint("message ", i))})
	}
	if err := a.Conn().SendTo(nlkit.Sockaddr{PortID: 5102}, batch...); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 16 {
		m, _, err := b.Receive(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if m.Header.Sequence != uint32(i) || string(m.Data) != fmt.Sprint("message ", i) {
			t.Fatalf("message %d: got seq %d %q", i, m.Header.Sequence, m.Data)
		}
	}
}

// TestServerBatchWithCutDatagram queues requests before the server runs, so that it takes them in one batch:
// two datagrams among them are too large for the server's buffer. The others are answered, in order; each large
// one is reported as cut short and answered with EBADMSG.
func TestServerBatchWithCutDatagram(t *testing.T) {
	ns := nstest.New(t)
	var reported []error
	var mu sync.Mutex
	srv, err := unit.Listen(&unit.ServerConfig{Config: unit.Config{NetNS: ns.Handle.Fd(), ReceiveBuffer: 256},
		OnMalformed: func(_ nlkit.Sender, err error) {
			mu.Lock()
			reported = append(reported, err)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	raw, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	req := func(seq uint32, size int) proto.Message {
		return proto.Message{Header: proto.Header{Type: 0x20, Flags: proto.FlagRequest, Sequence: seq},
			Data: bytes.Repeat([]byte{byte(seq)}, size)}
	}
	two := req(2, 8).AppendTo(nil)
	two = req(3, 8).AppendTo(two)
	bufs := [][]byte{req(1, 8).AppendTo(nil), two, req(4, 1000).AppendTo(nil), req(5, 8).AppendTo(nil),
		req(6, 600).AppendTo(nil)}
	if n, err := raw.SendRawBatch(nlkit.Sockaddr{PortID: srv.PortID()}, bufs); err != nil || n != len(bufs) {
		t.Fatalf("sent %d of %d: %v", n, len(bufs), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, echo) }()
	var got []string
	for len(got) < 6 {
		msgs, _, err := raw.Receive(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		for _, m := range msgs {
			if m.Header.Type == proto.TypeError {
				ack, err := proto.ParseAck(m)
				if err != nil {
					t.Fatal(err)
				}
				if !errors.Is(ack.Err(), syscall.EBADMSG) {
					t.Fatalf("answer to %d: %v, want EBADMSG", m.Header.Sequence, ack.Err())
				}
				got = append(got, fmt.Sprintf("%d:EBADMSG", m.Header.Sequence))
				continue
			}
			got = append(got, fmt.Sprintf("%d:%d bytes", m.Header.Sequence, len(m.Data)))
		}
	}
	stop() // and wait, so that Stats has counted the last reply
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	want := []string{"1:8 bytes", "2:8 bytes", "3:8 bytes", "4:EBADMSG", "5:8 bytes", "6:EBADMSG"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("answers %v, want %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	var te1, te2 *nlkit.TruncatedError
	if len(reported) != 2 || !errors.As(reported[0], &te1) || te1.Size != 1016 || te1.Buffer != 256 ||
		!errors.As(reported[1], &te2) || te2.Size != 616 || te2.Buffer != 256 {
		t.Fatalf("reported %v, want TruncatedErrors of 1016 and 616 bytes in 256", reported)
	}
	if st := srv.Stats(); st.Requests != 4 || st.Replies != 4 || st.Malformed != 2 {
		t.Fatalf("stats %+v", st)
	}
}

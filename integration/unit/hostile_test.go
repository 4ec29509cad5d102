package unit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
)

// helperEnv makes the test binary a helper process: "refused PORTID" floods the server at PORTID with
// datagrams of 64 requests from a socket with the smallest receive queue, never reading, until it is killed.
// The tests run it through nsenter as uid and gid 65534, a sender the server's AllowUIDs refuses.
const helperEnv = "NLKIT_UNIT_TEST_HELPER"

func runHelper(mode string) int {
	var group uint32
	if _, err := fmt.Sscanf(mode, "publish %d", &group); err == nil {
		// A group send on NETLINK_USERSOCK needs no privilege.
		p, err := unit.DialPublisher(nil)
		if err == nil {
			err = p.Publish(group, 0, []byte("from uid "+strconv.Itoa(os.Getuid())))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 1
		}
		return 0
	}
	var portid uint32
	if _, err := fmt.Sscanf(mode, "refused %d", &portid); err != nil {
		fmt.Fprintln(os.Stderr, "helper: bad mode", mode)
		return 2
	}
	c, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{SocketReceiveBuffer: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fmt.Printf("uid %d portid %d\n", os.Getuid(), c.PortID())
	b := requests(64, 1)
	for {
		if err := c.SendRaw(nlkit.Sockaddr{PortID: portid}, b); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 1
		}
		time.Sleep(time.Millisecond)
	}
}

// helperBinary is a copy of the test binary that uid 65534 can run (go test's build directory is private).
func helperBinary(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nlkit-unit-helper")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "helper")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// requests is one datagram of n small requests, sequence numbers from seq.
func requests(n int, seq uint32) []byte {
	var b []byte
	for i := range n {
		b = proto.Message{Header: proto.Header{Type: proto.TypeMin, Flags: proto.FlagRequest,
			Sequence: seq + uint32(i)}, Data: []byte("deaf")}.AppendTo(b)
	}
	return b
}

// hostileLoad is one row of the hostile-peer table: what runs against a Server while 8 well-behaved clients
// make requests.
type hostileLoad struct {
	name string
	// deaf clients each send 64 small requests in one datagram from a socket with the smallest receive queue
	// and never read.
	deaf int
	// malformed floods the server with datagrams that are not well-formed netlink.
	malformed bool
	// oversized sends 400 kB datagrams (the server's buffers are 64 KiB).
	oversized bool
	// refused runs a helper process as uid 65534 (AllowUIDs admits only 0) flooding refused requests, deaf.
	refused bool
}

var hostileTable = []hostileLoad{
	{name: "deaf client", deaf: 1},
	{name: "50 deaf clients", deaf: 50},
	{name: "malformed flood", malformed: true},
	{name: "oversized datagrams", oversized: true},
	{name: "refused uid", refused: true},
	{name: "everything", deaf: 50, malformed: true, oversized: true, refused: true},
}

// TestServerHostilePeers runs the hostile-peer table against a Server: with each load, every request of 8
// well-behaved clients is answered within its deadline, the Server's heap returns to its baseline, and Serve
// returns promptly when its context is cancelled (the target is 100 ms; the test fails past 1 s and
// reports the figure). Each row runs 300 ms, or 10 s with NLKIT_RELIABILITY=full (the long form, which also
// prints FIGURE lines).
func TestServerHostilePeers(t *testing.T) {
	dur := 300 * time.Millisecond
	full := os.Getenv("NLKIT_RELIABILITY") == "full"
	if full {
		dur = 10 * time.Second
	}
	for _, load := range hostileTable {
		t.Run(load.name, func(t *testing.T) { runHostile(t, load, dur, full) })
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func runHostile(t *testing.T, load hostileLoad, dur time.Duration, figures bool) {
	ns := nstest.New(t)
	fd := ns.Handle.Fd()
	scfg := &unit.ServerConfig{Config: unit.Config{NetNS: fd}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if load.refused {
		scfg.AllowUIDs = []uint32{0}
	}
	srv, err := unit.Listen(scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, echo) }()

	const good = 8
	clients := make([]*unit.Client, good)
	for i := range clients {
		if clients[i], err = unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: unit.Config{NetNS: fd}}); err != nil {
			t.Fatal(err)
		}
		defer clients[i].Close()
	}
	request := func(c *unit.Client, payload []byte) error {
		rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer rcancel()
		r, err := c.Request(rctx, 0, payload)
		if err == nil && string(r.Message.Data) != string(payload) {
			err = fmt.Errorf("reply %q to %q", r.Message.Data, payload)
		}
		return err
	}
	for _, c := range clients {
		if err := request(c, []byte("warm up")); err != nil {
			t.Fatal(err)
		}
	}
	base := heapAlloc()

	var wg sync.WaitGroup
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }); wg.Wait() }
	defer halt()
	var hostileSent atomic.Int64
	var conns []*nlkit.Conn
	dial := func(cfg nlkit.Config) *nlkit.Conn {
		cfg.NetNS = fd
		c, err := nlkit.Dial(nlkit.UnitUsersock, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		return c
	}
	to := nlkit.Sockaddr{PortID: srv.PortID()}
	for i := range load.deaf {
		c := dial(nlkit.Config{SocketReceiveBuffer: 1})
		if err := c.SendRaw(to, requests(64, uint32(i)<<8)); err != nil {
			t.Fatal(err)
		}
		hostileSent.Add(1)
	}
	if load.malformed {
		c := dial(nlkit.Config{SocketReceiveBuffer: 1}) // deaf as well
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(15, 1))
			valid := requests(4, 1)
			for {
				select {
				case <-stop:
					return
				default:
				}
				b := append([]byte(nil), valid...)
				switch rng.IntN(3) {
				case 0:
					b[rng.IntN(4)] = byte(rng.IntN(256)) // nlmsg_len of the first message
				case 1:
					b = b[:rng.IntN(len(b)-1)+1]
					b[0] = 0xff
				case 2:
					b = append(b[:16], 1, 2, 3)
					b[0] = 200
				}
				if c.SendRaw(to, b) == nil {
					hostileSent.Add(1)
				}
			}
		}()
	}
	if load.oversized {
		c := dial(nlkit.Config{})
		if err := c.SetSendBuffer(1 << 20); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			big := requests(400<<10/24, 1) // 24-byte requests: about 400 kB
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				if err := c.SendRaw(to, big); err != nil {
					t.Errorf("oversized send: %v", err)
					return
				}
				hostileSent.Add(1)
			}
		}()
	}
	if load.refused {
		cmd := exec.Command("nsenter", fmt.Sprintf("--net=/proc/%d/fd/%d", os.Getpid(), fd),
			"--setuid=65534", "--setgid=65534", helperBinary(t), "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=refused "+strconv.FormatUint(uint64(srv.PortID()), 10))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		deadline := time.Now().Add(10 * time.Second)
		for srv.Stats().Refused == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the helper's requests were not refused in 10 s")
			}
			time.Sleep(time.Millisecond)
		}
	}

	// The well-behaved clients, while the load runs.
	var answered, failed atomic.Int64
	end := time.Now().Add(dur)
	var cwg sync.WaitGroup
	for i, c := range clients {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for n := 0; time.Now().Before(end); n++ {
				if err := request(c, fmt.Appendf(nil, "client %d request %d", i, n)); err != nil {
					if failed.Add(1) <= 5 {
						t.Errorf("client %d request %d: %v", i, n, err)
					}
					continue
				}
				answered.Add(1)
			}
		}()
	}
	cwg.Wait()
	halt()
	st := srv.Stats()
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	after := heapAlloc()

	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Serve did not return 1 s after its context was cancelled")
	}
	stopped := time.Since(start)

	t.Logf("%s: %d well-behaved requests answered, %d failed; %d hostile datagrams; stats %+v; heap %d kB -> %d kB; "+
		"Serve returned %v after cancel", load.name, answered.Load(), failed.Load(), hostileSent.Load(), st,
		base>>10, after>>10, stopped)
	if figures {
		key := "unit_hostile_" + sanitize(load.name)
		fmt.Printf("FIGURE %s_answered=%d\nFIGURE %s_failed=%d\nFIGURE %s_dropped=%d\nFIGURE %s_refused=%d\n"+
			"FIGURE %s_malformed=%d\nFIGURE %s_heap_growth_kb=%d\nFIGURE %s_serve_stop_us=%d\n",
			key, answered.Load(), key, failed.Load(), key, st.Dropped, key, st.Refused, key, st.Malformed,
			key, (int64(after)-int64(base))>>10, key, stopped.Microseconds())
	}
	if answered.Load() == 0 {
		t.Error("no well-behaved request was answered")
	}
	if load.deaf > 0 && st.Dropped == 0 {
		t.Errorf("%d deaf clients and no reply dropped: %+v", load.deaf, st)
	}
	if (load.malformed || load.oversized) && st.Malformed == 0 {
		t.Errorf("no malformed datagram counted: %+v", st)
	}
	// The server's receive memory is 16 buffers of 64 KiB, allocated before the baseline; nothing the clients
	// send may add to it.
	if growth := int64(after) - int64(base); growth > 3<<20 {
		t.Errorf("heap grew by %d kB under %s (baseline %d kB)", growth>>10, load.name, base>>10)
	}
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// A Client's request honours its context, and its Timeout, while the server's receive queue is full (the send
// used to wait for room forever).
func TestClientSendHonoursContextWhenServerFull(t *testing.T) {
	ns := nstest.New(t)
	fd := ns.Handle.Fd()
	// A "server" that never reads, with the smallest receive queue.
	mute, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: fd, SocketReceiveBuffer: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	c, err := unit.DialClient(&unit.ClientConfig{Server: mute.PortID(), Config: unit.Config{NetNS: fd},
		Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	payload := make([]byte, 1000)
	for i := range 15 {
		for _, withCtx := range []bool{true, false} {
			done := make(chan error, 1)
			go func() {
				ctx := context.Background()
				if withCtx {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
					defer cancel()
				}
				_, err := c.Request(ctx, 0, payload)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("request %d (context deadline %v): %v, want context.DeadlineExceeded", i, withCtx, err)
				}
			case <-time.After(2 * time.Second):
				t.Fatalf("request %d (context deadline %v) to a full server still blocked after 2 s", i, withCtx)
			}
		}
	}
}

// The answers follow the kernel's netlink_rcv_skb and netlink_ack: a reply carries the requester's portid and
// sequence number, NLM_F_ACK adds NLMSG_ERROR 0 after it, a failure is an NLMSG_ERROR alone, and a message that
// is not a request is acknowledged only when it asks.
func TestServerAnswersLikeTheKernel(t *testing.T) {
	ns := nstest.New(t)
	srv, err := unit.Listen(&unit.ServerConfig{Config: unit.Config{NetNS: ns.Handle.Fd()}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Serve(ctx, func(_ context.Context, req unit.Request) ([]byte, error) {
		if string(req.Message.Data) == "fail" {
			return nil, syscall.ENOENT
		}
		return req.Message.Data, nil
	})
	raw, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	me := raw.PortID()
	exchange := func(flags uint16, seq uint32, payload string) []proto.Message {
		t.Helper()
		m := proto.Message{Header: proto.Header{Type: proto.TypeMin + 1, Flags: flags, Sequence: seq, PortID: me},
			Data: []byte(payload)}
		if err := raw.SendTo(nlkit.Sockaddr{PortID: srv.PortID()}, m); err != nil {
			t.Fatal(err)
		}
		rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer rcancel()
		msgs, from, err := raw.Receive(rctx)
		if err != nil {
			t.Fatalf("seq %d: %v", seq, err)
		}
		if from.Addr.PortID != srv.PortID() {
			t.Fatalf("seq %d: answer from portid %d, want the server's %d", seq, from.Addr.PortID, srv.PortID())
		}
		for _, a := range msgs {
			if a.Header.PortID != me || a.Header.Sequence != seq {
				t.Fatalf("seq %d: answer %v has nlmsg_pid %d nlmsg_seq %d, want the requester's %d and %d",
					seq, a.Header, a.Header.PortID, a.Header.Sequence, me, seq)
			}
		}
		return msgs
	}
	msgs := exchange(proto.FlagRequest, 1, "plain")
	if len(msgs) != 1 || msgs[0].Header.Type != proto.TypeMin+1 || string(msgs[0].Data) != "plain" {
		t.Fatalf("reply to a plain request: %v", msgs)
	}
	msgs = exchange(proto.FlagRequest|proto.FlagAck, 2, "acked")
	if len(msgs) != 2 || string(msgs[0].Data) != "acked" || msgs[1].Header.Type != proto.TypeError {
		t.Fatalf("answer to a request with NLM_F_ACK: %v, want the reply then NLMSG_ERROR 0", msgs)
	}
	if ack, err := proto.ParseAck(msgs[1]); err != nil || ack.Err() != nil {
		t.Fatalf("ack %+v %v, want error 0", ack, err)
	}
	for _, flags := range []uint16{proto.FlagRequest, proto.FlagRequest | proto.FlagAck} {
		msgs = exchange(flags, 3, "fail")
		if len(msgs) != 1 || msgs[0].Header.Type != proto.TypeError {
			t.Fatalf("answer to a failing request (flags %#x): %v, want one NLMSG_ERROR", flags, msgs)
		}
		if ack, err := proto.ParseAck(msgs[0]); err != nil || !errors.Is(ack.Err(), syscall.ENOENT) {
			t.Fatalf("error %+v %v, want ENOENT", ack, err)
		}
	}
	msgs = exchange(proto.FlagAck, 4, "not a request")
	if len(msgs) != 1 || msgs[0].Header.Type != proto.TypeError {
		t.Fatalf("answer to a message without NLM_F_REQUEST but with NLM_F_ACK: %v, want NLMSG_ERROR 0", msgs)
	}
	if st := srv.Stats(); st.Requests != 4 || st.Replies != 2 {
		t.Fatalf("stats %+v, want 4 requests and 2 replies", st)
	}
}

// Any process may send to a NETLINK_USERSOCK group; a Subscriber sees each sender's credentials and admits only
// the uids it allows.
func TestSubscriberSeesCredentialsAndFilters(t *testing.T) {
	ns := nstest.New(t)
	fd := ns.Handle.Fd()
	sub, err := unit.DialSubscriber(&unit.SubscriberConfig{Groups: []uint32{7}, Config: unit.Config{NetNS: fd},
		AllowUIDs: []uint32{0}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	cmd := exec.Command("nsenter", fmt.Sprintf("--net=/proc/%d/fd/%d", os.Getpid(), fd),
		"--setuid=65534", "--setgid=65534", helperBinary(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=publish 7")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("a group send as uid 65534: %v\n%s", err, out)
	}
	pub, err := unit.DialPublisher(&unit.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Publish(7, 0, []byte("from uid 0")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, err := sub.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.From.HasCred || ev.From.Cred.UID != 0 || ev.Group != 7 || string(ev.Messages[0].Data) != "from uid 0" {
		t.Fatalf("received %q from %+v on group %d, want root's message with its credentials", ev.Messages[0].Data,
			ev.From, ev.Group)
	}
	if sub.Refused() != 1 {
		t.Fatalf("refused %d datagrams, want uid 65534's one", sub.Refused())
	}
}

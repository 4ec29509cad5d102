package reliability

import (
	"bytes"
	"context"
	"errors"
	"github.com/nlkit/nlkit/internal/testbin"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/proto"
)

// TestHostileServer sends the hostile table and mutated datagrams raw to a running unit Server: every
// datagram malformed at the netlink level (or cut because it exceeds the server's 64 KiB buffer) is reported
// through OnMalformed and Stats().Malformed, and a valid client is answered after each.
func TestHostileServer(t *testing.T) {
	ns := newNS(t)
	fd := ns.Handle.Fd()
	logs := &testbin.SyncBuffer{}
	var onMalformed atomic.Int64
	srv, err := unit.Listen(&unit.ServerConfig{
		Config:      unit.Config{NetNS: fd, PortID: 7100},
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
		OnMalformed: func(nlkit.Sender, error) { onMalformed.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(ctx, func(_ context.Context, req unit.Request) ([]byte, error) {
			return []byte(strconv.Itoa(len(req.Message.Data))), nil
		})
	}()
	defer func() {
		cancel()
		srv.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()

	// The hostile sender; whatever the server answers it is read and dropped, so the server never blocks on it.
	raw, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: fd, ReceiveBuffer: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			if _, err := raw.ReceiveDatagram(context.Background()); errors.Is(err, nlkit.ErrClosed) {
				return
			}
		}
	}()
	defer func() { raw.Close(); <-drained }()

	client, err := unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: unit.Config{NetNS: fd}, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	probe := func(after string) {
		t.Helper()
		payload := []byte("still there after " + after)
		rep, err := client.Request(context.Background(), 0, payload)
		if err != nil || string(rep.Message.Data) != strconv.Itoa(len(payload)) {
			t.Fatalf("valid client after %s: reply %q, %v", after, rep.Message.Data, err)
		}
	}

	const bufSize = 64 << 10 // each of the server's receive buffers, which never grow
	var sent, wantMalformed int64
	send := func(name string, b []byte) {
		t.Helper()
		err := raw.SendRaw(nlkit.Sockaddr{PortID: srv.PortID()}, b)
		if len(b) == 0 && errors.Is(err, syscall.ENODATA) {
			return // recent kernels refuse to send an empty datagram at all
		}
		if err != nil {
			t.Fatalf("%s: sending %d bytes: %v", name, len(b), err)
		}
		sent++
		it := proto.NewIter(b)
		for it.Next() {
		}
		if it.Err() != nil || len(b) > bufSize { // a datagram over the buffer is cut (MSG_TRUNC), every time
			wantMalformed++
		}
	}
	for _, c := range hostileTable() {
		send(c.name, c.data)
		probe(c.name)
	}
	seeds := validSeeds()
	rng := rand.New(rand.NewPCG(11, 11))
	n := size(2_000, 20_000)
	for i := range n {
		send("mutation", mutate(rng, seeds[rng.IntN(len(seeds))], seeds))
		if i%50 == 49 {
			probe("mutation " + strconv.Itoa(i))
		}
	}
	probe("everything")

	st := srv.Stats()
	if int64(st.Malformed) != wantMalformed || onMalformed.Load() != wantMalformed {
		t.Errorf("server reported %d malformed datagrams (OnMalformed %d), want %d (stats %+v)", st.Malformed,
			onMalformed.Load(), wantMalformed, st)
	}
	// The log is limited to 20 lines a second; the first line after a quiet second counts those left out. So
	// the lines and the counts together never exceed the malformed datagrams, and some are logged.
	text := logs.String()
	lines := int64(bytes.Count([]byte(text), []byte("malformed datagram")))
	var suppressed int64
	for _, m := range regexp.MustCompile(`suppressed=(\d+)`).FindAllStringSubmatch(text, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		suppressed += n
	}
	if lines == 0 || lines+suppressed > wantMalformed {
		t.Errorf("server logged %d malformed datagrams (and %d left out), want 1 to %d", lines, suppressed,
			wantMalformed)
	}
	t.Logf("sent %d hostile datagrams (%d malformed at the netlink level); server stats %+v", sent, wantMalformed, st)
	addFigure("inputs_tried", sent)
	setFigure("server_hostile_datagrams", sent)
	setFigure("server_malformed_reported", st.Malformed)
}

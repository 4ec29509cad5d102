package nlkit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// TestBatchOnATransportWithoutBatches checks SendRawBatch and ReceiveDatagrams on a Transport that has neither
// sendmmsg nor recvmmsg (nltest's fake): one datagram at a time, in order, nothing lost.
func TestBatchOnATransportWithoutBatches(t *testing.T) {
	conn, fake := nltest.New(nlkit.UnitUsersock, nil, nil)
	defer conn.Close()
	var bufs [][]byte
	for i := range 5 {
		bufs = append(bufs, thing(string(rune('a'+i))).AppendTo(nil))
	}
	if n, err := conn.SendRawBatch(nlkit.Sockaddr{}, bufs); n != 5 || err != nil {
		t.Fatalf("SendRawBatch: %d, %v", n, err)
	}
	sent := fake.Sent()
	if len(sent) != 5 || string(sent[4]) != string(bufs[4]) {
		t.Fatalf("the fake got %d datagrams", len(sent))
	}
	// A send that fails stops the batch and says how many went.
	var np *nlkit.NoPeerError
	if n, err := conn.SendRawBatch(nlkit.Sockaddr{PortID: 77}, bufs); n != 0 || !errors.As(err, &np) {
		t.Fatalf("SendRawBatch to nobody: %d, %v", n, err)
	}
	for i := range 3 {
		fake.Inject(nltest.Sockaddr{PortID: 77}, proto.Message{Header: proto.Header{Type: typeThing, Sequence: uint32(i)}})
	}
	for i := range 3 {
		ds, err := conn.ReceiveDatagrams(context.Background(), 16)
		if err != nil || len(ds) != 1 {
			t.Fatalf("receive %d: %d datagrams, %v", i, len(ds), err)
		}
		it := ds[0].Messages()
		if !it.Next() || it.Message().Header.Sequence != uint32(i) || ds[0].From.Addr.PortID != 77 {
			t.Fatalf("receive %d: %+v", i, ds[0])
		}
	}
}

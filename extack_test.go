package nlkit_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// Issue 15: the cookie of a successful ack (NLMSGERR_ATTR_COOKIE) was dropped by Execute; ExecuteAck returns it,
// a copy that outlives the receive buffer.
func TestExecuteAckCookie(t *testing.T) {
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		raw := proto.AppendAck(nil, req[0], 0, true, &proto.ExtAck{Cookie: []byte{1, 2, 3, 4, 5, 6, 7, 8},
			Msg: "warning"}, nltest.PortID)
		ack, err := proto.ParseMessages(raw)
		if err != nil {
			t.Error(err)
		}
		return append([]proto.Message{thing("reply")}, ack...), nil
	})
	defer conn.Close()
	msgs, ext, err := conn.ExecuteAck(context.Background(), thing("x"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || string(msgs[0].Data) != "reply" {
		t.Fatalf("replies %+v", msgs)
	}
	// Another request reuses the receive buffer: the cookie must not change.
	if _, err := conn.Execute(context.Background(), thing("y")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ext.Cookie, []byte{1, 2, 3, 4, 5, 6, 7, 8}) || ext.Msg != "warning" {
		t.Fatalf("ext ack %+v, want the cookie and the message", ext)
	}
}

package pcap

import (
	"bytes"
	"io"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

func seedCapture() []byte {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf)
	w.Sent(0, 7, nlkit.Sockaddr{}, getlink(1).AppendTo(nil))
	w.Received(0, 7, nlkit.Sockaddr{}, proto.AppendAck(nil, getlink(1), 17, false, &proto.ExtAck{Msg: "exists"}, 7))
	return buf.Bytes()
}

func FuzzReader(f *testing.F) {
	c := seedCapture()
	f.Add(c)
	f.Add(c[:40])
	f.Add(c[:24])
	f.Fuzz(func(t *testing.T, b []byte) {
		rd, err := NewReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		for range 1000 {
			r, err := rd.Next()
			if err != nil {
				if err == io.EOF && rd.Offset() != int64(len(b)) {
					t.Fatalf("EOF at %d of %d bytes", rd.Offset(), len(b))
				}
				return
			}
			if r.OrigLen < len(r.Data) {
				t.Fatalf("orig len %d < %d captured", r.OrigLen, len(r.Data))
			}
		}
	})
}

func FuzzDumpReader(f *testing.F) {
	f.Add(getlink(1).AppendTo(nil))
	f.Add([]byte{16, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDumpReader(bytes.NewReader(b))
		for {
			m, err := d.Next()
			if err != nil {
				return
			}
			if int(m.Header.Length) != proto.HeaderLen+len(m.Data) {
				t.Fatalf("nlmsg_len %d with %d payload bytes", m.Header.Length, len(m.Data))
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add(seedCapture())
	f.Add(getlink(1).AppendTo(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Decode(io.Discard, bytes.NewReader(b))
	})
}

package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

func getlink(seq uint32) proto.Message {
	return proto.Message{Header: proto.Header{Type: 18, Flags: proto.FlagRequest | proto.FlagDump, Sequence: seq},
		Data: make([]byte, 16)}
}

func TestWriteRead(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	w.now = func() time.Time { return when }
	req := getlink(1).AppendTo(nil)
	w.Sent(0, 4242, nlkit.Sockaddr{}, req)
	w.Received(0, 4242, nlkit.Sockaddr{}, proto.AppendMessages(nil, getlink(1), getlink(2)))
	w.Sent(2, 4242, nlkit.Sockaddr{PortID: 99}, []byte{1, 2, 3})
	if w.Count() != 3 || w.Err() != nil {
		t.Fatalf("count %d err %v", w.Count(), w.Err())
	}
	// The file header: magic, 2.4, snaplen, LINKTYPE_NETLINK.
	h := buf.Bytes()
	if binary.NativeEndian.Uint32(h) != 0xa1b2c3d4 || binary.NativeEndian.Uint32(h[20:]) != 253 {
		t.Fatalf("file header % x", h[:24])
	}
	// The first record's cooked header: PACKET_KERNEL, ARPHRD_NETLINK, 8-byte address, protocol 0.
	cooked := h[24+16 : 24+32]
	want := []byte{0, 7, 3, 0x38, 0, 8, 0, 0, 0x10, 0x92, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(cooked, want) {
		t.Errorf("cooked header\n got % x\nwant % x", cooked, want)
	}

	rd, err := NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for {
		r, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		r.Data = append([]byte(nil), r.Data...)
		recs = append(recs, r)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	r0, r1, r2 := recs[0], recs[1], recs[2]
	if !r0.Time.Equal(when) || r0.PacketType != PacketKernel || r0.From != 4242 || r0.To != 0 || !r0.HasAddr ||
		!bytes.Equal(r0.Data, req) || r0.OrigLen != len(req) {
		t.Errorf("record 0: %+v", r0)
	}
	if r1.PacketType != PacketUser || r1.From != 0 || r1.To != 4242 || len(r1.Data) != 64 {
		t.Errorf("record 1: %+v", r1)
	}
	if r2.Unit != 2 || r2.PacketType != PacketUser || r2.To != 99 {
		t.Errorf("record 2: %+v", r2)
	}
}

func TestWriterTapConcurrent(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf)
	conn, fake := nltest.New(0, func([]proto.Message) ([]proto.Message, error) { return nil, nil },
		&nlkit.Config{Tap: w})
	defer conn.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				conn.SendRaw(nlkit.Sockaddr{}, getlink(uint32(i*100+j)).AppendTo(nil))
			}
		}()
	}
	wg.Wait()
	fake.Inject(nlkit.Sockaddr{Groups: 1}, getlink(7))
	if _, err := conn.ReceiveDatagram(t.Context()); err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		r, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if it := proto.NewIter(r.Data); !it.Next() || it.Err() != nil {
			t.Fatalf("record %d is not a message", n)
		}
		n++
	}
	if n != 161 {
		t.Errorf("%d records, want 161", n)
	}
}

// TestNlmonRecord reads a record as tcpdump writes one from an nlmon device: no addresses, big-endian file.
func TestNlmonRecord(t *testing.T) {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.BigEndian.AppendUint16(b, 2)
	b = binary.BigEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.BigEndian.AppendUint32(b, 65535)
	b = binary.BigEndian.AppendUint32(b, 253)
	msg := getlink(1).AppendTo(nil)
	b = binary.BigEndian.AppendUint32(b, 100)
	b = binary.BigEndian.AppendUint32(b, 5)
	b = binary.BigEndian.AppendUint32(b, uint32(16+len(msg)))
	b = binary.BigEndian.AppendUint32(b, uint32(16+len(msg)))
	b = append(b, 0, 7, 3, 0x38)
	b = append(b, make([]byte, 10)...)
	b = append(b, 0, 0)
	b = append(b, msg...)
	rd, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if r.HasAddr || r.PacketType != PacketKernel || r.Time.Unix() != 100 || !bytes.Equal(r.Data, msg) {
		t.Errorf("%+v", r)
	}
	var out strings.Builder
	if err := Decode(&out, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "route to kernel, 32 bytes") {
		t.Errorf("decode:\n%s", out.String())
	}
}

func TestReaderErrors(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf)
	w.Sent(0, 1, nlkit.Sockaddr{}, getlink(1).AppendTo(nil))
	full := buf.Bytes()
	var fe *FormatError
	if _, err := NewReader(bytes.NewReader(full[:10])); !errors.As(err, &fe) {
		t.Errorf("short header: %v", err)
	}
	bad := append([]byte(nil), full...)
	binary.NativeEndian.PutUint32(bad[20:], 1)
	if _, err := NewReader(bytes.NewReader(bad)); !errors.As(err, &fe) || !strings.Contains(err.Error(), "LINKTYPE_NETLINK") {
		t.Errorf("ethernet link type: %v", err)
	}
	rd, _ := NewReader(bytes.NewReader(full[:len(full)-3]))
	if _, err := rd.Next(); !errors.As(err, &fe) {
		t.Errorf("cut record: %v", err)
	}
}

func TestDumpReader(t *testing.T) {
	var file []byte
	file = getlink(1).AppendTo(file)
	file = proto.Message{Header: proto.Header{Type: proto.TypeDone}, Data: []byte{0, 0, 0, 0}}.AppendTo(file)
	d := NewDumpReader(bytes.NewReader(file))
	m, err := d.Next()
	if err != nil || m.Header.Type != 18 || len(m.Data) != 16 {
		t.Fatalf("%+v %v", m, err)
	}
	if m, err = d.Next(); err != nil || m.Header.Type != proto.TypeDone {
		t.Fatalf("%+v %v", m, err)
	}
	if _, err = d.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	var de *DumpError
	if _, err := NewDumpReader(bytes.NewReader(file[:30])).Next(); !errors.As(err, &de) || !de.Truncated {
		t.Errorf("cut: %v", err)
	}
	if _, err := NewDumpReader(bytes.NewReader([]byte{8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})).Next(); !errors.As(err, &de) || de.Truncated || err.Error() != "!!!malformed message: len=8 @0" {
		t.Errorf("short nlmsg_len: %v", err)
	}
}

func TestDecodeFormats(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf)
	w.now = func() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC) }
	w.Sent(0, 4242, nlkit.Sockaddr{}, getlink(9).AppendTo(nil))
	var out strings.Builder
	if err := Decode(&out, bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	want := "#1 2024-01-02 03:04:05.000006 route portid 4242 -> kernel, 32 bytes\n" +
		"len=32 type=RTM_GETLINK(18) flags=NLM_F_REQUEST|NLM_F_DUMP seq=9 pid=0\n" +
		"  0000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
	if out.String() != want {
		t.Errorf("capture decode:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if err := Decode(&out, bytes.NewReader(getlink(3).AppendTo(nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "#1\nlen=32 type=RTM_GETLINK(18) flags=NLM_F_REQUEST|NLM_F_DUMP seq=3") {
		t.Errorf("dump decode:\n%s", out.String())
	}
}

func TestRouteTypeName(t *testing.T) {
	for typ, want := range map[uint16]string{16: "RTM_NEWLINK", 19: "RTM_SETLINK", 20: "RTM_NEWADDR", 23: "",
		26: "RTM_GETROUTE", 58: "RTM_GETMULTICAST", 65: "", 67: "RTM_SETNEIGHTBL", 76: "", 78: "RTM_GETDCB",
		104: "RTM_NEWNEXTHOP", 122: "RTM_GETTUNNEL", 3: "", 500: ""} {
		if got := RouteTypeName(typ); got != want {
			t.Errorf("RouteTypeName(%d) = %q, want %q", typ, got, want)
		}
	}
}

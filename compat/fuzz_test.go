package compat

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

func FuzzParseRtattr(f *testing.F) {
	f.Add([]byte{8, 0, 3, 0, 'l', 'o', 0, 0, 8, 0, 4, 0, 0xdc, 5, 0, 0}, 16, uint16(0))
	f.Add([]byte{12, 0, 0x12, 0x80, 8, 0, 1, 0, 'v', 'e', 't', 'h'}, 12, uint16(proto.AttrNested))
	f.Add([]byte{0, 0, 1, 0, 9}, 5, uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, l int, flags uint16) {
		var tb [64]Rtattr
		_ = ParseRtattrFlags(tb[:], 63, b, l, flags)
		for _, a := range tb {
			if a == nil {
				continue
			}
			if int(a.Len()) != len(a) || len(a) < 4 {
				t.Fatalf("attribute of %d bytes with rta_len %d", len(a), a.Len())
			}
			var sub [8]Rtattr
			_ = ParseRtattrNested(sub[:], 7, a)
			_, _ = ParseRtattrNestedCompat(sub[:], 7, a, 4)
			_ = RtaGetattrUint(a) + RtaGetattrU64(a) + uint64(RtaGetattrU32(a))
			_ = RtaGetattrStr(a)
			for range RtattrForEachNested(a) {
			}
		}
		var idx [8]Rtattr
		_, _ = ParseRtattrByindex(idx[:], 8, b, l)
		_, _ = ParseRtattrOne(3, b, l)
	})
}

func FuzzRtnlFromFile(f *testing.F) {
	var file []byte
	for _, m := range []proto.Message{linkMsg(1, "lo", 0), doneWith(0, "")} {
		file = m.AppendTo(file)
	}
	f.Add(file)
	f.Add(file[:20])
	f.Add([]byte{8, 0, 0, 0, 16, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		err := RtnlFromFile(bytes.NewReader(b), func(ctrl *RtnlCtrlData, h *Nlmsghdr, _ any) int {
			n++
			if h.Len < 16 || int(h.Len)-16 != len(h.Data()) {
				t.Fatalf("message len %d with %d payload bytes", h.Len, len(h.Data()))
			}
			var tb [32]Rtattr
			_ = ParseRtattr(tb[:], 31, IFLA_RTA(h), IFLA_PAYLOAD(h))
			_ = NlmsgData[Ifinfomsg](h)
			return 0
		}, nil)
		if err == nil && n == 0 && len(b) > 0 {
			t.Fatalf("%d bytes read as an empty file", len(b))
		}
	})
}

// FuzzDumpFilter feeds an arbitrary datagram to RtnlDumpFilter, followed by the end of the dump: it must return,
// and never panic.
func FuzzDumpFilter(f *testing.F) {
	f.Add(linkMsg(1, "lo", 0).AppendTo(nil))
	f.Add(doneWith(22, "bad").AppendTo(nil))
	f.Add(proto.AppendAck(nil, linkMsg(1, "x", 0), 1, false, &proto.ExtAck{Msg: "m"}, 0))
	f.Add([]byte{20, 0, 0, 0, 3, 0, 2, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rth, fake := fakeHandle(t, nil)
		if len(b) >= 16 {
			b = append([]byte(nil), b...)
			binary.NativeEndian.PutUint32(b[8:], rth.Seq+1)
			binary.NativeEndian.PutUint32(b[12:], rth.Local.PortID)
		}
		fake.InjectRaw(nlkit.Sockaddr{}, b)
		if err := RtnlLinkdumpReq(rth, 0); err != nil {
			t.Fatal(err)
		}
		_ = RtnlDumpFilter(rth, func(n *Nlmsghdr, _ any) int {
			var tb [64]Rtattr
			_ = ParseRtattr(tb[:], 63, IFLA_RTA(n), IFLA_PAYLOAD(n))
			return 0
		}, nil)
	})
}

// FuzzListen feeds an arbitrary datagram to RtnlListen, then a marker that stops it.
func FuzzListen(f *testing.F) {
	f.Add(linkMsg(1, "lo", 0).AppendTo(nil))
	f.Add([]byte{4, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rth, fake := fakeHandle(t, nil)
		fake.InjectRaw(nlkit.Sockaddr{Groups: 1}, b)
		stop := proto.Message{Header: proto.Header{Type: 0x7fff}}
		fake.Inject(nlkit.Sockaddr{Groups: 1}, stop)
		_ = RtnlListen(rth, func(ctrl *RtnlCtrlData, n *Nlmsghdr, _ any) int {
			if n.Type == 0x7fff {
				return -1
			}
			var tb [64]Rtattr
			_ = ParseRtattr(tb[:], 63, IFA_RTA(n), IFA_PAYLOAD(n))
			return 0
		}, nil)
	})
}

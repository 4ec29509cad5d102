package proto_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

func TestFormatHexDumpMatchesEncodingHex(t *testing.T) {
	for n := 1; n <= 50; n++ {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*37 + 0x1b)
		}
		got := proto.Format(proto.Message{Header: proto.Header{Type: 100}, Data: data})
		lines := strings.Split(got, "\n")[1:]
		want := strings.Split(strings.TrimSuffix(hex.Dump(data), "\n"), "\n")
		if len(lines) != len(want) {
			t.Fatalf("%d bytes: %d dump lines, want %d:\n%s", n, len(lines), len(want), got)
		}
		for i := range lines {
			// Ours: two spaces of indent and a 4-digit offset; encoding/hex: an 8-digit offset.
			if lines[i][:2] != "  " || lines[i][2:6] != want[i][4:8] || lines[i][6:] != want[i][8:] {
				t.Errorf("%d bytes, line %d:\n%q\nwant (offset aside)\n%q", n, i, lines[i], want[i])
			}
		}
	}
	// Offsets past 64 KiB keep all their digits.
	big := proto.Format(proto.Message{Header: proto.Header{Type: 100}, Data: make([]byte, 0x10010)})
	if !strings.Contains(big, "\n  fff0  ") || !strings.Contains(big, "\n  10000  00") {
		t.Error("offsets past 0xffff misprinted")
	}
}

func TestFormatHeader(t *testing.T) {
	names := func(typ uint16) string {
		switch typ {
		case proto.TypeError, proto.TypeDone:
			t.Errorf("TypeNamer asked about control type %d", typ)
		case 16:
			return "RTM_NEWLINK"
		case 18:
			return "RTM_GETLINK"
		}
		return ""
	}
	for _, c := range []struct {
		name string
		m    proto.Message
		tn   proto.TypeNamer
		want string
	}{
		{"no namer", proto.Message{Header: proto.Header{Type: 16, Flags: 0x0505, Sequence: 1, PortID: 2}},
			nil, "len=16 type=16 flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_ROOT|NLM_F_ATOMIC seq=1 pid=2"},
		{"NEW type names create flags", proto.Message{Header: proto.Header{Type: 16, Flags: 0x0505}},
			names, "len=16 type=RTM_NEWLINK(16) flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_REPLACE|NLM_F_CREATE seq=0 pid=0"},
		{"GET type names dump flags", proto.Message{Header: proto.Header{Type: 18, Flags: 0x0301}},
			names, "len=16 type=RTM_GETLINK(18) flags=NLM_F_REQUEST|NLM_F_DUMP seq=0 pid=0"},
		{"unknown to the namer", proto.Message{Header: proto.Header{Type: 99}}, names,
			"len=16 type=99 flags=0 seq=0 pid=0"},
		{"noop", proto.Message{Header: proto.Header{Type: proto.TypeNoop}}, names,
			"len=16 type=NLMSG_NOOP flags=0 seq=0 pid=0"},
		{"overrun", proto.Message{Header: proto.Header{Type: proto.TypeOverrun}}, names,
			"len=16 type=NLMSG_OVERRUN flags=0 seq=0 pid=0"},
		{"length that disagrees", proto.Message{Header: proto.Header{Length: 40, Type: 99}, Data: []byte{1}}, nil,
			"len=40 type=99 flags=0 seq=0 pid=0 (payload implies len=17)\n  0000  01" + strings.Repeat(" ", 48) + "|.|"},
		{"empty DONE", proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagMulti}}, names,
			"len=16 type=NLMSG_DONE flags=NLM_F_MULTI seq=0 pid=0"},
	} {
		got := strings.TrimSuffix(string(proto.AppendFormat(nil, c.m, c.tn)), "\n")
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
		var buf bytes.Buffer
		if n, err := proto.Fprint(&buf, c.m, c.tn); err != nil || n != buf.Len() || buf.String() != got+"\n" {
			t.Errorf("%s: Fprint = %d, %v, %q", c.name, n, err, buf.String())
		}
		if c.tn == nil && proto.Format(c.m) != got {
			t.Errorf("%s: Format differs from AppendFormat", c.name)
		}
	}
}

func TestFormatAcks(t *testing.T) {
	req := request()
	full := &proto.ExtAck{Msg: "say \"hi\"", Offset: 28, HasOffset: true, Cookie: []byte{0xca, 0xfe},
		Policy: []byte{4, 0, 1, 0}, MissType: 4, HasMissType: true, MissNest: 16, HasMissNest: true}
	ack := func(errno syscall.Errno, capped bool, ext *proto.ExtAck) proto.Message {
		var m proto.Message
		if err := m.UnmarshalBinary(proto.AppendAck(nil, req, errno, capped, ext, 0)); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, c := range []struct {
		name  string
		m     proto.Message
		has   []string
		hasnt []string
	}{
		{"ack", ack(0, false, nil), []string{"type=NLMSG_ERROR flags=NLM_F_CAPPED", "\n  error: 0 (ack)\n",
			"\n  request: len=44 type=24 flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_ATOMIC seq=7 pid=0\n"},
			[]string{"ext-ack", "malformed"}},
		{"error with every TLV", ack(syscall.EINVAL, false, full), []string{
			"flags=NLM_F_ACK_TLVS", "\n  error: -22 (" + syscall.EINVAL.Error() + ")\n",
			`  ext-ack: msg="say \"hi\"" offset=28 miss-type=4 miss-nest=16 cookie=cafe policy=04000100` + "\n",
			"\n  request: len=44"}, []string{"malformed"}},
		{"done with error", proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagMulti | proto.FlagAckTLVs},
			Data: cat(errnoBytes(syscall.EINTR), attr(proto.ExtAckMsg, []byte("dump interrupted\x00")))},
			[]string{"flags=NLM_F_MULTI|NLM_F_ACK_TLVS", "\n  error: -4 (", `ext-ack: msg="dump interrupted"`},
			[]string{"request:", "malformed"}},
		{"done ok", proto.Message{Header: proto.Header{Type: proto.TypeDone}, Data: u32(0)},
			[]string{"\n  error: 0 (done)\n"}, []string{"request:"}},
		{"short error", proto.Message{Header: proto.Header{Type: proto.TypeError}, Data: errnoBytes(syscall.EPERM)},
			[]string{"\n  malformed: netlink: malformed message", "payload shorter than its fixed header"},
			[]string{"error:", "request:"}},
		{"short done", proto.Message{Header: proto.Header{Type: proto.TypeDone}, Data: []byte{1}},
			[]string{"\n  malformed: "}, []string{"error:"}},
		{"bad TLV", proto.Message{Header: proto.Header{Type: proto.TypeError, Flags: proto.FlagCapped | proto.FlagAckTLVs},
			Data: cat(errnoBytes(syscall.EPERM), rawHeader(16, 30, 1, 2, 3), rawAttr(99, proto.ExtAckMsg, nil))},
			[]string{"error: -1 (", "\n  malformed: netlink: attribute type 1", "\n  request: len=16 type=30"}, nil},
	} {
		got := proto.Format(c.m)
		for _, s := range c.has {
			if !strings.Contains(got, s) {
				t.Errorf("%s: output lacks %q:\n%s", c.name, s, got)
			}
		}
		for _, s := range c.hasnt {
			if strings.Contains(got, s) {
				t.Errorf("%s: output has %q:\n%s", c.name, s, got)
			}
		}
	}
}

func TestFormatDatagram(t *testing.T) {
	dg := cat(rawMsg(24, proto.FlagMulti, 1, 0, []byte{1}), rawMsg(proto.TypeDone, proto.FlagMulti, 1, 0, u32(0)),
		rawHeader(0, 0, 0, 0, 0))
	got := proto.FormatDatagram(dg, nil)
	want := "len=17 type=24 flags=NLM_F_MULTI seq=1 pid=0\n" +
		"  0000  01" + strings.Repeat(" ", 48) + "|.|\n" +
		"len=20 type=NLMSG_DONE flags=NLM_F_MULTI seq=1 pid=0\n" +
		"  error: 0 (done)\n" +
		"  0000  00 00 00 00" + strings.Repeat(" ", 39) + "|....|\n" +
		"malformed: netlink: malformed message at offset 40: nlmsg_len shorter than the header (nlmsg_len 0, 16 bytes left)"
	if got != want {
		t.Errorf("FormatDatagram:\n%s\nwant\n%s", got, want)
	}
	if got := proto.FormatDatagram(nil, nil); got != "" {
		t.Errorf("FormatDatagram(nil) = %q", got)
	}
}

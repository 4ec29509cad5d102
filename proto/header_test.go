package proto_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []proto.Header{
		{},
		{Length: 16, Type: proto.TypeNoop},
		{Length: 36, Type: proto.TypeError, Flags: proto.FlagCapped | proto.FlagAckTLVs, Sequence: 1, PortID: 4242},
		{Length: 0xffffffff, Type: 0xffff, Flags: 0xffff, Sequence: 0xffffffff, PortID: 0xffffffff},
		{Length: 0x01020304, Type: 0x0506, Flags: 0x0708, Sequence: 0x090a0b0c, PortID: 0x0d0e0f10},
	} {
		b := make([]byte, proto.HeaderLen)
		h.MarshalTo(b)
		if want := rawHeader(h.Length, h.Type, h.Flags, h.Sequence, h.PortID); !bytes.Equal(b, want) {
			t.Errorf("MarshalTo(%+v) = % x, want % x", h, b, want)
		}
		got, err := proto.ParseHeader(b)
		if err != nil || got != h {
			t.Errorf("ParseHeader(MarshalTo(%+v)) = %+v, %v", h, got, err)
		}
		// Trailing bytes are not the header's business.
		if got, err := proto.ParseHeader(append(b, 1, 2, 3)); err != nil || got != h {
			t.Errorf("ParseHeader with trailing bytes = %+v, %v", got, err)
		}
	}
}

func TestParseHeaderShort(t *testing.T) {
	for n := 0; n < proto.HeaderLen; n++ {
		_, err := proto.ParseHeader(make([]byte, n))
		var me *proto.MessageError
		if !errors.As(err, &me) || me.Kind != proto.ErrShortHeader || me.Available != n {
			t.Errorf("ParseHeader(%d bytes) = %v, want ErrShortHeader with %d available", n, err, n)
		}
		if !errors.Is(err, &proto.MessageError{Kind: proto.ErrShortHeader}) {
			t.Errorf("errors.Is(%v, ErrShortHeader) = false", err)
		}
	}
}

func TestMarshalToShortPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MarshalTo into 15 bytes did not panic")
		}
	}()
	proto.Header{}.MarshalTo(make([]byte, 15))
}

func TestConstantsMatchKernel(t *testing.T) {
	// Values from <linux/netlink.h>.
	for _, c := range []struct {
		name      string
		got, want uint16
	}{
		{"NLMSG_NOOP", proto.TypeNoop, 1}, {"NLMSG_ERROR", proto.TypeError, 2}, {"NLMSG_DONE", proto.TypeDone, 3},
		{"NLMSG_OVERRUN", proto.TypeOverrun, 4}, {"NLMSG_MIN_TYPE", proto.TypeMin, 0x10},
		{"NLM_F_REQUEST", proto.FlagRequest, 1}, {"NLM_F_MULTI", proto.FlagMulti, 2}, {"NLM_F_ACK", proto.FlagAck, 4},
		{"NLM_F_ECHO", proto.FlagEcho, 8}, {"NLM_F_DUMP_INTR", proto.FlagDumpIntr, 0x10},
		{"NLM_F_DUMP_FILTERED", proto.FlagDumpFiltered, 0x20},
		{"NLM_F_ROOT", proto.FlagRoot, 0x100}, {"NLM_F_MATCH", proto.FlagMatch, 0x200},
		{"NLM_F_ATOMIC", proto.FlagAtomic, 0x400}, {"NLM_F_DUMP", proto.FlagDump, 0x300},
		{"NLM_F_REPLACE", proto.FlagReplace, 0x100}, {"NLM_F_EXCL", proto.FlagExcl, 0x200},
		{"NLM_F_CREATE", proto.FlagCreate, 0x400}, {"NLM_F_APPEND", proto.FlagAppend, 0x800},
		{"NLM_F_NONREC", proto.FlagNonrec, 0x100}, {"NLM_F_BULK", proto.FlagBulk, 0x200},
		{"NLM_F_CAPPED", proto.FlagCapped, 0x100}, {"NLM_F_ACK_TLVS", proto.FlagAckTLVs, 0x200},
		{"NLA_F_NESTED", proto.AttrNested, 1 << 15}, {"NLA_F_NET_BYTEORDER", proto.AttrNetByteOrder, 1 << 14},
		{"NLA_TYPE_MASK", proto.AttrTypeMask, 0x3fff},
		{"NLMSGERR_ATTR_MSG", proto.ExtAckMsg, 1}, {"NLMSGERR_ATTR_OFFS", proto.ExtAckOffs, 2},
		{"NLMSGERR_ATTR_COOKIE", proto.ExtAckCookie, 3}, {"NLMSGERR_ATTR_POLICY", proto.ExtAckPolicy, 4},
		{"NLMSGERR_ATTR_MISS_TYPE", proto.ExtAckMissType, 5}, {"NLMSGERR_ATTR_MISS_NEST", proto.ExtAckMissNest, 6},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

func TestTypeString(t *testing.T) {
	for _, c := range []struct {
		typ  uint16
		want string
	}{
		{0, "0"}, {1, "NLMSG_NOOP"}, {2, "NLMSG_ERROR"}, {3, "NLMSG_DONE"}, {4, "NLMSG_OVERRUN"},
		{5, "5"}, {16, "16"}, {24, "24"}, {0xffff, "65535"},
	} {
		if got := proto.TypeString(c.typ); got != c.want {
			t.Errorf("TypeString(%d) = %q, want %q", c.typ, got, c.want)
		}
	}
}

func TestFlagsString(t *testing.T) {
	for _, c := range []struct {
		flags, typ uint16
		isNew      bool
		want       string
	}{
		{0, 24, false, "0"},
		{proto.FlagRequest | proto.FlagAck, 24, false, "NLM_F_REQUEST|NLM_F_ACK"},
		{proto.FlagRequest | proto.FlagDump, 26, false, "NLM_F_REQUEST|NLM_F_DUMP"},
		{proto.FlagRequest | proto.FlagRoot, 26, false, "NLM_F_REQUEST|NLM_F_ROOT"},
		{proto.FlagRequest | proto.FlagMatch | proto.FlagAtomic, 26, false, "NLM_F_REQUEST|NLM_F_MATCH|NLM_F_ATOMIC"},
		{proto.FlagRequest | proto.FlagAck | proto.FlagCreate | proto.FlagExcl, 24, true,
			"NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE"},
		{proto.FlagReplace | proto.FlagAppend, 24, true, "NLM_F_REPLACE|NLM_F_APPEND"},
		{proto.FlagMulti | proto.FlagDumpIntr | proto.FlagDumpFiltered, 24, false,
			"NLM_F_MULTI|NLM_F_DUMP_INTR|NLM_F_DUMP_FILTERED"},
		{proto.FlagEcho, 24, false, "NLM_F_ECHO"},
		{proto.FlagCapped | proto.FlagAckTLVs, proto.TypeError, false, "NLM_F_CAPPED|NLM_F_ACK_TLVS"},
		{proto.FlagCapped, proto.TypeError, true, "NLM_F_CAPPED"},
		// The kernel's netlink_dump_done sets NLM_F_ACK_TLVS on NLMSG_DONE: not NLM_F_MATCH.
		{proto.FlagMulti | proto.FlagAckTLVs, proto.TypeDone, false, "NLM_F_MULTI|NLM_F_ACK_TLVS"},
		{0x1000 | proto.FlagRequest, 24, false, "NLM_F_REQUEST|0x1000"},
		{0x800, 26, false, "0x800"},
		{0xf000, proto.TypeError, false, "0xf000"},
	} {
		if got := proto.FlagsString(c.flags, c.typ, c.isNew); got != c.want {
			t.Errorf("FlagsString(%#x, %d, %v) = %q, want %q", c.flags, c.typ, c.isNew, got, c.want)
		}
	}
}

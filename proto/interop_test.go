package proto_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/nlkit/nlkit/proto"
)

// Attributes encoded by github.com/mdlayher/netlink decode identically with proto, and the other way round.

func TestInteropMdlayherToProto(t *testing.T) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint8(1, 0x7f)
	ae.Uint16(2, 0xbeef)
	ae.Uint32(3, 0xdeadbeef)
	ae.Uint64(4, 0x0102030405060708)
	ae.Int32(5, -1)
	ae.String(6, "veth0")
	ae.Flag(7, true)
	ae.Bytes(8, []byte{1, 2, 3, 4, 5})
	ae.Nested(9, func(nae *netlink.AttributeEncoder) error {
		nae.String(1, "veth")
		nae.Nested(2, func(nnae *netlink.AttributeEncoder) error {
			nnae.Uint32(3, 1500)
			return nil
		})
		return nil
	})
	ae.Int64(10, -2)
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}

	ad := proto.NewAttrDecoder(b)
	var types []uint16
	for ad.Next() {
		types = append(types, ad.Type())
		switch ad.Type() {
		case 1:
			check(t, "u8", ad.Uint8(), uint8(0x7f))
		case 2:
			check(t, "u16", ad.Uint16(), uint16(0xbeef))
		case 3:
			check(t, "u32", ad.Uint32(), uint32(0xdeadbeef))
		case 4:
			check(t, "u64", ad.Uint64(), uint64(0x0102030405060708))
		case 5:
			check(t, "s32", ad.Int32(), int32(-1))
		case 6:
			check(t, "string", ad.String(), "veth0")
		case 7:
			check(t, "flag", ad.Len(), 0)
		case 8:
			check(t, "bytes", string(ad.Bytes()), "\x01\x02\x03\x04\x05")
		case 9:
			check(t, "NLA_F_NESTED", ad.IsNested(), true)
			n := ad.Nested()
			var kind string
			var mtu uint32
			for n.Next() {
				switch n.Type() {
				case 1:
					kind = n.String()
				case 2:
					check(t, "inner NLA_F_NESTED", n.IsNested(), true)
					nn := n.Nested()
					for nn.Next() {
						mtu = nn.Uint32()
					}
					if nn.Err() != nil {
						t.Error(nn.Err())
					}
				}
			}
			if n.Err() != nil || kind != "veth" || mtu != 1500 {
				t.Errorf("nested: kind %q mtu %d err %v", kind, mtu, n.Err())
			}
		case 10:
			check(t, "s64", ad.Int64(), int64(-2))
		}
	}
	if ad.Err() != nil || len(types) != 10 {
		t.Fatalf("decoded types %v, err %v", types, ad.Err())
	}

	// The same bytes, attribute by attribute, through both decoders' raw views.
	theirs, err := netlink.UnmarshalAttributes(b)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := proto.ParseAttrs(b)
	if err != nil || len(ours) != len(theirs) {
		t.Fatalf("ParseAttrs %d attributes (%v), netlink %d", len(ours), err, len(theirs))
	}
	for i := range ours {
		if ours[i].Type != theirs[i].Type || !bytes.Equal(ours[i].Data, theirs[i].Data) {
			t.Errorf("attribute %d: proto {%#x % x}, netlink {%#x % x}", i, ours[i].Type, ours[i].Data,
				theirs[i].Type, theirs[i].Data)
		}
	}
}

func TestInteropProtoToMdlayher(t *testing.T) {
	var ae proto.AttrEncoder
	ae.Uint8(1, 0x7f)
	ae.Uint16(2, 0xbeef)
	ae.Uint32(3, 0xdeadbeef)
	ae.Uint64(4, 0x0102030405060708)
	ae.Int32(5, -1)
	ae.String(6, "veth0")
	ae.Flag(7)
	ae.Raw(8, []byte{1, 2, 3, 4, 5})
	n := ae.Nest(9)
	ae.String(1, "veth")
	nn := ae.Nest(2)
	ae.Uint32(3, 1500)
	ae.End(nn)
	ae.End(n)
	ae.BE16(10|proto.AttrNetByteOrder, 443)

	ad, err := netlink.NewAttributeDecoder(ae.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for ad.Next() {
		count++
		switch ad.Type() {
		case 1:
			check(t, "u8", ad.Uint8(), uint8(0x7f))
		case 2:
			check(t, "u16", ad.Uint16(), uint16(0xbeef))
		case 3:
			check(t, "u32", ad.Uint32(), uint32(0xdeadbeef))
		case 4:
			check(t, "u64", ad.Uint64(), uint64(0x0102030405060708))
		case 5:
			check(t, "s32", ad.Int32(), int32(-1))
		case 6:
			check(t, "string", ad.String(), "veth0")
		case 7:
			check(t, "flag", ad.Flag(), true)
		case 8:
			check(t, "bytes", string(ad.Bytes()), "\x01\x02\x03\x04\x05")
		case 9:
			check(t, "NLA_F_NESTED", ad.TypeFlags(), netlink.Nested)
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				var kind string
				var mtu uint32
				for nad.Next() {
					switch nad.Type() {
					case 1:
						kind = nad.String()
					case 2:
						nad.Nested(func(nnad *netlink.AttributeDecoder) error {
							for nnad.Next() {
								mtu = nnad.Uint32()
							}
							return nil
						})
					}
				}
				if kind != "veth" || mtu != 1500 {
					t.Errorf("nested: kind %q mtu %d", kind, mtu)
				}
				return nil
			})
		case 10:
			check(t, "NLA_F_NET_BYTEORDER", ad.TypeFlags(), netlink.NetByteOrder)
			ad.ByteOrder = binary.BigEndian
			check(t, "be16", ad.Uint16(), uint16(443))
			ad.ByteOrder = binary.NativeEndian
		}
	}
	if err := ad.Err(); err != nil || count != 10 {
		t.Fatalf("decoded %d, err %v", count, err)
	}
	// The two encoders agree byte for byte on the same list.
	theirs := netlink.NewAttributeEncoder()
	theirs.Uint32(3, 0xdeadbeef)
	theirs.String(6, "veth0")
	theirs.Nested(9, func(nae *netlink.AttributeEncoder) error { nae.Uint16(1, 7); return nil })
	tb, err := theirs.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var ours proto.AttrEncoder
	ours.Uint32(3, 0xdeadbeef)
	ours.String(6, "veth0")
	o := ours.Nest(9)
	ours.Uint16(1, 7)
	ours.End(o)
	if !bytes.Equal(ours.Bytes(), tb) {
		t.Errorf("proto % x\nnetlink % x", ours.Bytes(), tb)
	}
}

func TestInteropMessages(t *testing.T) {
	// mdlayher/netlink marshals nlmsg_len padded (NLMSG_SPACE, here 24 for 5 bytes); proto sees the padding as
	// payload, as the kernel would.
	nm := netlink.Message{Header: netlink.Header{Length: 24, Type: 24, Flags: netlink.Request | netlink.Acknowledge,
		Sequence: 9, PID: 77}, Data: []byte{1, 2, 3, 4, 5}}
	b, err := nm.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var m proto.Message
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if m.Header.Type != 24 || m.Header.Flags != proto.FlagRequest|proto.FlagAck || m.Header.Sequence != 9 ||
		m.Header.PortID != 77 || !bytes.Equal(m.Data, []byte{1, 2, 3, 4, 5, 0, 0, 0}) || m.Header.Length != 24 {
		t.Errorf("proto read %+v", m)
	}
	// proto marshals nlmsg_len unpadded (NLMSG_LENGTH, 21), as nlmsg_put does; mdlayher reads it.
	m = proto.Message{Header: proto.Header{Type: 24, Sequence: 9, PortID: 77}, Data: []byte{1, 2, 3, 4, 5}}
	ours, _ := m.MarshalBinary()
	var back netlink.Message
	if err := back.UnmarshalBinary(ours); err != nil {
		t.Fatal(err)
	}
	if back.Header.Length != 21 || back.Header.PID != 77 || back.Header.Sequence != 9 || !bytes.Equal(back.Data, m.Data) {
		t.Errorf("netlink read %+v", back)
	}
}

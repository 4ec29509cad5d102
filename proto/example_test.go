package proto_test

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/nlkit/nlkit/proto"
)

// Build a request, marshal it into a caller-owned buffer, and walk the datagram back.
func ExampleMessage_AppendTo() {
	var ae proto.AttrEncoder
	ae.String(3, "veth0") // IFLA_IFNAME
	ae.Uint32(4, 1500)    // IFLA_MTU

	ifinfomsg := make([]byte, 16) // struct ifinfomsg, all zero
	m := proto.Message{
		Header: proto.Header{Type: 16, Flags: proto.FlagRequest | proto.FlagAck, Sequence: 1}, // RTM_NEWLINK
		Data:   append(ifinfomsg, ae.Bytes()...),
	}
	buf := make([]byte, 0, 4096)
	buf = m.AppendTo(buf)
	fmt.Println("nlmsg_len:", len(buf))

	hdr, _ := proto.ParseHeader(buf)
	fmt.Printf("%+v\n", hdr)
	// Output:
	// nlmsg_len: 52
	// {Length:52 Type:16 Flags:5 Sequence:1 PortID:0}
}

// Walk the messages of a received datagram, as the NLMSG_OK / NLMSG_NEXT loop does in C.
func ExampleNewIter() {
	dg := proto.AppendMessages(nil,
		proto.Message{Header: proto.Header{Type: 24, Flags: proto.FlagMulti, Sequence: 9}, Data: []byte{1, 2, 3}},
		proto.Message{Header: proto.Header{Type: 24, Flags: proto.FlagMulti, Sequence: 9}, Data: []byte{4}},
		proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagMulti, Sequence: 9}, Data: make([]byte, 4)},
	)
	it := proto.NewIter(dg)
	for it.Next() {
		m := it.Message()
		fmt.Println(proto.TypeString(m.Header.Type), m.Header.Length, m.Data)
	}
	if err := it.Err(); err != nil {
		fmt.Println(err)
	}

	// A zero nlmsg_len would loop forever in C; here it is an error.
	it.Reset(make([]byte, 16))
	for it.Next() {
	}
	fmt.Println(it.Err())
	// Output:
	// 24 19 [1 2 3]
	// 24 17 [4]
	// NLMSG_DONE 20 [0 0 0 0]
	// netlink: malformed message at offset 0: nlmsg_len shorter than the header (nlmsg_len 0, 16 bytes left)
}

// Encode attributes, nested included, and decode them with the kernel-style loop.
func ExampleAttrDecoder() {
	var ae proto.AttrEncoder
	ae.String(3, "veth0") // IFLA_IFNAME
	li := ae.Nest(18)     // IFLA_LINKINFO
	ae.String(1, "veth")  // IFLA_INFO_KIND
	ae.End(li)
	ae.Uint32(4, 1500) // IFLA_MTU

	ad := proto.NewAttrDecoder(ae.Bytes())
	for ad.Next() {
		switch ad.Type() {
		case 3:
			fmt.Println("name:", ad.String())
		case 4:
			fmt.Println("mtu:", ad.Uint32())
		case 18:
			nd := ad.Nested()
			for nd.Next() {
				if nd.Type() == 1 {
					fmt.Println("kind:", nd.String(), "nested:", ad.IsNested())
				}
			}
		}
	}
	if err := ad.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// name: veth0
	// kind: veth nested: true
	// mtu: 1500
}

// Index attributes by type, as iproute2's parse_rtattr does.
func ExampleParseIndex() {
	var ae proto.AttrEncoder
	ae.Uint32(4, 1500)
	ae.String(3, "veth0")
	tb := make([][]byte, 5) // IFLA_MTU is 4
	if err := proto.ParseIndex(tb, ae.Bytes()); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%q %d\n", proto.CString(tb[3]), len(tb[4]))
	// Output:
	// "veth0" 4
}

// Decode the kernel's answer to a request: here, an error with an extended-ack message.
func ExampleParseAck() {
	req := proto.Message{Header: proto.Header{Type: 24, Flags: proto.FlagRequest | proto.FlagAck, Sequence: 7},
		Data: make([]byte, 12)}
	dg := proto.AppendAck(nil, req, syscall.EEXIST, true, &proto.ExtAck{Msg: "Route exists"}, 0)

	var m proto.Message
	if err := m.UnmarshalBinary(dg); err != nil {
		fmt.Println(err)
	}
	ack, err := proto.ParseAck(m)
	if err != nil {
		fmt.Println("malformed:", err)
	}
	err = ack.Err()
	fmt.Println(err)
	fmt.Println(errors.Is(err, syscall.EEXIST), ack.Request.Sequence)
	// Output:
	// netlink: file exists: Route exists
	// true 7
}

// Print a message for a human, naming the family's types.
func ExampleAppendFormat() {
	names := func(t uint16) string {
		if t == 24 {
			return "RTM_NEWROUTE"
		}
		return ""
	}
	req := proto.Message{Header: proto.Header{Type: 24, Flags: proto.FlagRequest | proto.FlagAck | proto.FlagCreate |
		proto.FlagExcl, Sequence: 7}, Data: []byte("\x02\x18\x00\x00\xfe\x03\x00\x01\x00\x00\x00\x00")}
	fmt.Print(string(proto.AppendFormat(nil, req, names)))

	dg := proto.AppendAck(nil, req, syscall.EEXIST, true, &proto.ExtAck{Msg: "Route exists"}, 0)
	fmt.Println(proto.FormatDatagram(dg, names))
	// Output:
	// len=28 type=RTM_NEWROUTE(24) flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE seq=7 pid=0
	//   0000  02 18 00 00 fe 03 00 01  00 00 00 00              |............|
	// len=56 type=NLMSG_ERROR flags=NLM_F_CAPPED|NLM_F_ACK_TLVS seq=7 pid=0
	//   error: -17 (file exists)
	//   ext-ack: msg="Route exists"
	//   request: len=28 type=RTM_NEWROUTE(24) flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE seq=7 pid=0
	//   0000  ef ff ff ff 1c 00 00 00  18 00 05 06 07 00 00 00  |................|
	//   0010  00 00 00 00 11 00 01 00  52 6f 75 74 65 20 65 78  |........Route ex|
	//   0020  69 73 74 73 00 00 00 00                           |ists....|
}

// Format is the quick form, for logs and test failures.
func ExampleFormat() {
	fmt.Println(proto.Format(proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagMulti, Sequence: 3,
		PortID: 4242}, Data: []byte{0, 0, 0, 0}}))
	// Output:
	// len=20 type=NLMSG_DONE flags=NLM_F_MULTI seq=3 pid=4242
	//   error: 0 (done)
	//   0000  00 00 00 00                                       |....|
}

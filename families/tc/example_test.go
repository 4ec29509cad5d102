//go:build linux

package tc_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/tc"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Handles, rates, sizes and times read and print as tc writes them.
func ExampleParseHandle() {
	for _, s := range []string{"1:10", "ffff:", "root", "ingress"} {
		h, err := tc.ParseHandle(s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-8s %08x major %x minor %x\n", s, uint32(h), h.Major(), h.Minor())
	}
	rate, err := tc.ParseRate("1mbit")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rate, "bytes/s, printed", tc.FormatRate(rate))
	// Output:
	// 1:10     00010010 major 1 minor 10
	// ffff:    ffff0000 major ffff minor 0
	// root     ffffffff major ffff minor ffff
	// ingress  fffffff1 major ffff minor fff1
	// 125000 bytes/s, printed 1Mbit
}

// New works on any connection: here a fake kernel from nltest answers the qdisc dump (RTM_GETQDISC), so the
// example runs without privileges; tc.Dial(nil) gives the real one.
func ExampleNew() {
	conn := nltest.Dial(unix.NETLINK_ROUTE, func(req []proto.Message) ([]proto.Message, error) {
		if req[0].Header.Type != unix.RTM_GETQDISC {
			return nil, unix.EOPNOTSUPP
		}
		var out []proto.Message
		for _, q := range []tc.Qdisc{
			{Object: tc.Object{Ifindex: 1, Handle: 0, Parent: tc.HandleRoot, Kind: "noqueue"}},
			{Object: tc.Object{Ifindex: 2, Handle: tc.MakeHandle(1, 0), Parent: tc.HandleRoot, Kind: "fq_codel"}},
		} {
			b, err := q.MarshalBinary()
			if err != nil {
				return nil, err
			}
			out = append(out, proto.Message{Header: proto.Header{Type: unix.RTM_NEWQDISC}, Data: b})
		}
		return out, nil
	})
	c := tc.New(conn)
	defer c.Close()
	qdiscs, err := c.Qdisc.List(context.Background(), &tc.QdiscFilter{Ifindex: 2})
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range qdiscs {
		fmt.Println("qdisc", q.Kind, q.Handle.QdiscString(), "dev", q.Ifindex, "parent", q.Parent)
	}
	// Output:
	// qdisc fq_codel 1: dev 2 parent root
}

// Sizes and times read and print as tc writes them.
func ExampleFormatSize() {
	s, _ := tc.ParseSize("32kb")
	t, _ := tc.ParseTime("400ms")
	fmt.Println(s, tc.FormatSize(s), t, tc.FormatTime(t), tc.FormatTime(12500), tc.FormatSize(1600))
	// Output:
	// 32768 32Kb 400000 400ms 12.5ms 1600b
}

// Shaping on eth0: an htb root with one 10mbit class, fq_codel under it, and a flower filter that sends TCP
// port 443 to the class — `tc qdisc add dev eth0 root handle 1: htb default 10` and so on, on the route
// Client's socket.
func Example_shaping() {
	ctx := context.Background()
	rc, err := route.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	c := tc.FromRoute(rc)
	link, err := rc.Link.GetByName(ctx, "eth0")
	if err != nil {
		log.Fatal(err)
	}
	ps, err := tc.ReadPsched()
	if err != nil {
		ps = tc.DefaultPsched()
	}
	root := tc.MakeHandle(1, 0)
	if err := c.Qdisc.Replace(ctx, tc.Qdisc{Object: tc.Object{Ifindex: link.Index, Parent: tc.HandleRoot,
		Handle: root, Options: tc.NewHTB(0x10)}}); err != nil {
		log.Fatal(err)
	}
	rate, _ := tc.ParseRate("10mbit")
	class, err := tc.NewHTBClass(tc.HTBClassParams{Rate: rate}, ps, 0)
	if err != nil {
		log.Fatal(err)
	}
	leaf := tc.MakeHandle(1, 0x10)
	if err := c.Class.Replace(ctx, tc.Class{Object: tc.Object{Ifindex: link.Index, Parent: root, Handle: leaf,
		Options: class}}); err != nil {
		log.Fatal(err)
	}
	target, _ := tc.ParseTime("5ms")
	if err := c.Qdisc.Replace(ctx, tc.Qdisc{Object: tc.Object{Ifindex: link.Index, Parent: leaf,
		Handle: tc.MakeHandle(10, 0), Options: &tc.FQCodel{Target: &target}}}); err != nil {
		log.Fatal(err)
	}
	err = c.Filter.Add(ctx, tc.Filter{Object: tc.Object{Ifindex: link.Index, Parent: root,
		Options: &tc.Flower{ClassID: tc.Ptr(uint32(leaf)), EthType: tc.Ptr[uint16](unix.ETH_P_IP),
			IPProto: tc.Ptr[uint8](unix.IPPROTO_TCP), TCPDst: tc.Ptr[uint16](443),
			IPv4Dst: netip.MustParseAddr("192.0.2.0"), IPv4DstMask: netip.MustParseAddr("255.255.255.0")}},
		Priority: 1, Protocol: unix.ETH_P_IP})
	if err != nil {
		log.Fatal(tc.KernelMessage(err), err)
	}
	qs, err := c.Qdisc.List(ctx, &tc.QdiscFilter{Ifindex: link.Index})
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range qs {
		fmt.Println(q.Kind, q.Handle.QdiscString(), q.Parent)
	}
}

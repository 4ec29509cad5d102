//go:build linux

package tc_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/tc"
	"golang.org/x/sys/unix"
)

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

// Handles, rates, sizes and times parse and print as tc writes them.
func ExampleParseHandle() {
	h, _ := tc.ParseHandle("1:10")
	fmt.Println(h.Major(), h.Minor(), h, tc.HandleRoot, tc.MakeHandle(0xffff, tc.MinEgress))
	r, _ := tc.ParseRate("1mbit")
	s, _ := tc.ParseSize("32kb")
	t, _ := tc.ParseTime("400ms")
	fmt.Println(r, tc.FormatRate(r), s, tc.FormatSize(s), t, tc.FormatTime(t))
	// Output:
	// 1 16 1:10 root ffff:fff3
	// 125000 1Mbit 32768 32Kb 400000 400ms
}

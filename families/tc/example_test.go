//go:build linux

package tc_test

import (
	"context"
	"fmt"
	"log"

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

package nlkit_test

import (
	"context"
	"fmt"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// A request and its acknowledged reply. nltest stands in for the kernel; nlkit.Dial(unix.NETLINK_ROUTE, nil)
// gives a real socket with the same methods.
func ExampleConn_Execute() {
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{{Header: proto.Header{Type: 100}, Data: []byte("pong")}}, nil
	})
	defer conn.Close()
	replies, err := conn.Execute(context.Background(), proto.Message{Header: proto.Header{Type: 100}, Data: []byte("ping")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d reply: %s\n", len(replies), replies[0].Data)
	// Output: 1 reply: pong
}

// A dump streams its messages; each is valid inside the loop body only.
func ExampleConn_Dump() {
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{
			{Header: proto.Header{Type: 100}, Data: []byte("one")},
			{Header: proto.Header{Type: 100}, Data: []byte("two")},
		}, nil
	})
	defer conn.Close()
	for m, err := range conn.Dump(context.Background(), proto.Message{Header: proto.Header{Type: 100}}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(string(m.Data))
	}
	// Output:
	// one
	// two
}

// Unicast to a portid nobody holds is a typed error.
func ExampleNoPeerError() {
	conn := nltest.Dial(nlkit.UnitUsersock, nil)
	defer conn.Close()
	err := conn.SendTo(nlkit.Sockaddr{PortID: 99}, proto.Message{Header: proto.Header{Type: 100}})
	fmt.Println(err)
	// Output: netlink unit 2: no such peer: no socket holds portid 99 (connection refused)
}

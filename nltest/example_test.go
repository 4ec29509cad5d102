package nltest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// A fake kernel that knows one object, "eth0": a request for it is answered, a request to add it again is
// refused with EEXIST and an extended-ack message, as a kernel would. The code under test sees a real
// *nlkit.Conn and cannot tell the difference.
func Example() {
	const typeGet, typeAdd = 100, 101
	conn := nltest.Dial(nlkit.UnitUsersock, func(req []proto.Message) ([]proto.Message, error) {
		switch m := req[0]; m.Header.Type {
		case typeGet:
			return []proto.Message{{Header: proto.Header{Type: typeGet}, Data: []byte("eth0 is up")}}, nil
		case typeAdd:
			return nil, &proto.Error{Errno: syscall.EEXIST, ExtAck: proto.ExtAck{Msg: "eth0 exists"}}
		default:
			return nil, syscall.EOPNOTSUPP
		}
	})
	defer conn.Close()
	ctx := context.Background()

	replies, err := conn.Execute(ctx, proto.Message{Header: proto.Header{Type: typeGet}, Data: []byte("eth0")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("get: %s (to portid %d)\n", replies[0].Data, replies[0].Header.PortID)

	_, err = conn.Execute(ctx, proto.Message{Header: proto.Header{Type: typeAdd}, Data: []byte("eth0")})
	fmt.Println("add:", errors.Is(err, syscall.EEXIST), err)
	// Output:
	// get: eth0 is up (to portid 4242)
	// add: true netlink: file exists: eth0 exists
}

// New gives the Fake behind the connection: Inject delivers a datagram as if the kernel had multicast it, and
// Sent returns what the code under test sent.
func ExampleNew() {
	conn, fake := nltest.New(nlkit.UnitUsersock, nil, &nlkit.Config{Groups: []uint32{3}})
	defer conn.Close()

	fake.Inject(nltest.Sockaddr{Groups: nlkit.GroupMask(3)}, proto.Message{Header: proto.Header{Type: 200}, Data: []byte("event")})
	msgs, from, err := conn.Receive(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s from portid %d, group %d\n", msgs[0].Data, from.Addr.PortID, from.Group)

	if err := conn.SendGroup(3, proto.Message{Header: proto.Header{Type: 201}, Data: []byte("hello")}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(fake.Sent()), "datagram sent; group 3 joined:", fake.Joined(3))
	// Output:
	// event from portid 0, group 3
	// 1 datagram sent; group 3 joined: true
}

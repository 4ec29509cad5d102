//go:build linux

package unit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/proto"
)

// A server that upper-cases what it is sent, and a client, in one process over NETLINK_USERSOCK: the seed
// tutorial's client/server exercise. Unicast on NETLINK_USERSOCK needs no privilege, so this runs as any user.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	srv, err := unit.Listen(&unit.ServerConfig{Logger: slog.New(slog.DiscardHandler)}) // portid: the process id
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	done := make(chan error, 1)
	go func() {
		done <- srv.Serve(ctx, func(ctx context.Context, req unit.Request) ([]byte, error) {
			if len(req.Message.Data) == 0 {
				return nil, syscall.EINVAL // the client gets NLMSG_ERROR with -EINVAL
			}
			return bytes.ToUpper(req.Message.Data), nil
		})
	}()

	c, err := unit.DialClient(&unit.ClientConfig{Server: srv.PortID()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	reply, err := c.Request(ctx, 0, []byte("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s (from the server: %v)\n", reply.Message.Data, reply.From.Addr.PortID == srv.PortID())

	_, err = c.Request(ctx, 0, nil)
	var perr *proto.Error
	fmt.Println("empty request refused:", errors.As(err, &perr) && perr.Errno == syscall.EINVAL)

	cancel()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	// Output:
	// HELLO (from the server: true)
	// empty request refused: true
}

// A subscriber receives what publishers multicast to its groups, with each sender's credentials. Joining a
// group needs CAP_NET_ADMIN; publishing on NETLINK_USERSOCK does not.
func ExampleDialSubscriber() {
	ctx := context.Background()
	sub, err := unit.DialSubscriber(&unit.SubscriberConfig{Groups: []uint32{3}})
	if err != nil {
		log.Fatal(err) // a *nlkit.GroupPermissionError without CAP_NET_ADMIN
	}
	defer sub.Close()

	pub, err := unit.DialPublisher(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Publish(3, 0, []byte("tick")); err != nil {
		log.Fatal(err)
	}

	ev, err := sub.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range ev.Messages {
		fmt.Printf("%s on group %d from uid %d\n", m.Data, ev.Group, ev.From.Cred.UID)
	}
}

// Two peers that know each other's portids in advance, the seed tutorial's peer-to-peer exercise: each binds its
// own (Config.PortID) and sends to the other's (Remote). Unicast on NETLINK_USERSOCK needs no privilege.
func ExampleDialPeer() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Two portids no other socket is likely to hold: the kernel assigns the process id first, then negative ones.
	a, b := uint32(os.Getpid())|1<<30, uint32(os.Getpid())|1<<30|1<<29

	pa, err := unit.DialPeer(&unit.PeerConfig{Config: unit.Config{PortID: a}, Remote: b})
	if err != nil {
		log.Fatal(err)
	}
	defer pa.Close()
	pb, err := unit.DialPeer(&unit.PeerConfig{Config: unit.Config{PortID: b}, Remote: a})
	if err != nil {
		log.Fatal(err)
	}
	defer pb.Close()

	if err := pa.Send(0, 1, []byte("ping")); err != nil {
		log.Fatal(err)
	}
	m, from, err := pb.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s (seq %d) from the other peer: %v\n", m.Data, m.Header.Sequence, from.Addr.PortID == a)
	// Output: ping (seq 1) from the other peer: true
}

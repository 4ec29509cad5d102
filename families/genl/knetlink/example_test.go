package knetlink_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/families/genl/knetlink"
)

// Echo a message through the module's Generic Netlink family.
func ExampleClient_Echo() {
	ctx := context.Background()
	k, err := knetlink.Dial(ctx, nil)
	if errors.Is(err, knetlink.ErrNotLoaded) {
		log.Fatal("load knetlink.ko first (examples/knetlink)")
	}
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
	reply, err := k.Echo(ctx, []byte("hello, kernel"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("genl echo: %q\n", reply)
}

// New takes any genl.Conn; here genltest plays the module's family, so the example runs without the module
// (and a test of code built on Client can do the same).
func ExampleNew() {
	ctx := context.Background()
	c, _ := genltest.Dial(genltest.Family{
		Family: genl.Family{ID: 0x1a, Name: knetlink.FamilyName, Version: knetlink.FamilyVersion, MaxAttr: 1,
			Ops:    []genl.Op{{Command: uint32(knetlink.CmdEcho), Flags: genl.OpCapDo}},
			Groups: []genl.Group{{Name: knetlink.GroupEvents, ID: 12}}},
		Handle: func(req genl.Message) ([]genl.Message, error) {
			msg, err := knetlink.ParseEcho(req)
			if err != nil {
				return nil, err
			}
			return []genl.Message{{Header: req.Header, Data: knetlink.AppendEcho(nil, msg)}}, nil
		},
	})
	defer c.Close()
	k, err := knetlink.New(ctx, c)
	if err != nil {
		log.Fatal(err)
	}
	reply, err := k.Echo(ctx, []byte("hello, kernel"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s family %#x: %q\n", k.Family().Name, k.Family().ID, reply)
	// Output: KNETLINK family 0x1a: "hello, kernel"
}

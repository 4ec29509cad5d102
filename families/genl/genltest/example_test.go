package genltest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// A fake family COUNTER with one command and a multicast group: the code under test resolves it by name,
// sends it a command, joins its group, and receives an event the test injects, all without a kernel.
func ExampleDial() {
	const cmdGet, attrValue = 1, 1
	counter := genl.Family{ID: 0x20, Name: "COUNTER", Version: 1, MaxAttr: 1,
		Ops: []genl.Op{{Command: cmdGet, Flags: genl.OpCapDo}}, Groups: []genl.Group{{Name: "events", ID: 9}}}
	c, fake := genltest.Dial(genltest.Family{Family: counter,
		Handle: func(req genl.Message) ([]genl.Message, error) {
			ae := proto.NewAttrEncoder(nil)
			ae.Uint32(attrValue, 42)
			return []genl.Message{{Header: genl.Header{Command: cmdGet, Version: 1}, Data: ae.Bytes()}}, nil
		}})
	defer c.Close()
	ctx := context.Background()

	f, err := c.Family(ctx, "COUNTER") // CTRL_CMD_GETFAMILY, answered by the fake nlctrl
	if err != nil {
		log.Fatal(err)
	}
	replies, err := c.Request(ctx, f.ID, cmdGet, uint8(f.Version), nil)
	if err != nil {
		log.Fatal(err)
	}
	ad := replies[0].Attrs()
	for ad.Next() {
		fmt.Println("value:", ad.Uint32())
	}

	g, err := c.JoinGroup(ctx, "COUNTER", "events")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("joined %s (group %d): %v\n", g.Name, g.ID, fake.Joined(g.ID))
	event := genl.Message{Header: genl.Header{Command: cmdGet, Version: 1}}
	fake.Inject(nltest.Sockaddr{Groups: nlkit.GroupMask(g.ID)}, event.NetlinkMessage(f.ID, 0))
	msgs, from, err := c.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("event: command %d on group %d\n", msgs[0].Header.Command, from.Group)

	_, err = c.Family(ctx, "ABSENT")
	var nf *genl.FamilyNotFoundError
	fmt.Println("absent family:", errors.As(err, &nf))
	// Output:
	// value: 42
	// joined events (group 9): true
	// event: command 1 on group 9
	// absent family: true
}

// Func is the fake kernel as an nltest.Func, for a test that builds its own connection (here with a
// configuration) and wraps it with genl.New.
func ExampleFunc() {
	conn, _ := nltest.New(nlkit.UnitGeneric, genltest.Func(genltest.Family{
		Family: genl.Family{ID: 0x21, Name: "EXAMPLE", Version: 1}}), &nlkit.Config{})
	c := genl.New(conn)
	defer c.Close()
	fams, err := c.Families(context.Background()) // the CTRL_CMD_GETFAMILY dump
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range fams {
		fmt.Printf("%s id %#x\n", f.Name, f.ID)
	}
	// Output:
	// nlctrl id 0x10
	// EXAMPLE id 0x21
}

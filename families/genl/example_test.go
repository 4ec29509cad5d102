package genl_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/proto"
)

// Resolve a family by name, then send it a command and read the reply. genltest plays the kernel here; with
// genl.Dial(nil) the same code talks to the real one.
func Example() {
	ctx := context.Background()
	c, _ := genltest.Dial(genltest.Family{
		Family: genl.Family{ID: 0x20, Name: "EXAMPLE", Version: 1, MaxAttr: 1,
			Ops: []genl.Op{{Command: 1, Flags: genl.OpCapDo}}},
		Handle: func(req genl.Message) ([]genl.Message, error) {
			return []genl.Message{{Header: req.Header, Data: req.Data}}, nil // echo
		},
	})
	defer c.Close()

	f, err := c.Family(ctx, "EXAMPLE") // CTRL_CMD_GETFAMILY
	if err != nil {
		log.Fatal(err)
	}
	ae := proto.NewAttrEncoder(nil)
	ae.String(1, "ping")
	replies, err := c.Request(ctx, f.ID, 1, uint8(f.Version), ae.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	ad := replies[0].Attrs()
	for ad.Next() {
		fmt.Printf("family %s id %#x: attribute %d = %q\n", f.Name, f.ID, ad.Type(), ad.String())
	}
	// Output: family EXAMPLE id 0x20: attribute 1 = "ping"
}

// FormatFamilies prints what `genl ctrl list` prints (lines end in a space, as genl's do).
func ExampleFormatFamilies() {
	genl.FormatFamilies(os.Stdout, []genl.Family{genltest.Ctrl})
}

func ExampleFamily_Group() {
	f := genltest.Ctrl // as c.Family(ctx, "nlctrl") returns it
	if g, ok := f.Group("notify"); ok {
		fmt.Printf("join group %d for %s events\n", g.ID, f.Name)
	}
	for _, op := range f.Ops {
		fmt.Printf("command %d: %v\n", op.Command, op.Flags)
	}
	// Output:
	// join group 16 for nlctrl events
	// command 3: do|dump|policy
	// command 10: dump|policy
}

// List the families of the running kernel, as `genl ctrl list` does.
func ExampleConn_Families() {
	c, err := genl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fams, err := c.Families(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	genl.FormatFamilies(os.Stdout, fams)
}

// Which attributes does nlctrl's CTRL_CMD_GETFAMILY accept?
func ExampleConn_OpPolicy() {
	c, err := genl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	p, err := c.OpPolicy(context.Background(), "nlctrl", uint32(genl.CtrlCmdGetFamily))
	if err != nil {
		log.Fatal(err)
	}
	attrs, _ := p.OpAttrs(uint32(genl.CtrlCmdGetFamily), false)
	for _, a := range attrs {
		fmt.Printf("attr %d: %s\n", a.Attr, a.Type)
	}
}

// Wait for families to come and go: nlctrl's "notify" group carries CTRL_CMD_NEWFAMILY and CTRL_CMD_DELFAMILY.
func ExampleConn_JoinGroup() {
	c, err := genl.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.JoinGroup(ctx, genl.CtrlName, "notify"); err != nil {
		log.Fatal(err)
	}
	for {
		msgs, _, err := c.Receive(ctx)
		if err != nil {
			log.Fatal(err)
		}
		for _, m := range msgs {
			if f, err := genl.ParseFamily(m); err == nil {
				fmt.Println(m.Header.Command, f.Name)
			}
		}
	}
}

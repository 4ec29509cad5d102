package genltest_test

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/proto"
)

func TestController(t *testing.T) {
	ctx := context.Background()
	fam := genl.Family{ID: 0x30, Name: "F", Version: 3}
	c, _ := genltest.Dial(genltest.Family{Family: fam}) // nil Handle: acks
	defer c.Close()
	f, err := c.Family(ctx, genl.CtrlName)
	if err != nil || f.ID != genl.IDCtrl || len(f.Groups) != 1 {
		t.Fatalf("nlctrl = %+v, %v", f, err)
	}
	if replies, err := c.Request(ctx, 0x30, 1, 3, nil); err != nil || len(replies) != 0 {
		t.Fatalf("nil handler: %v, %v", replies, err)
	}
	// A family nobody registered, and a GETFAMILY that names nothing.
	if _, err := c.Request(ctx, 0x31, 1, 1, nil); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("unknown family id: %v", err)
	}
	if _, err := c.Request(ctx, genl.IDCtrl, genl.CtrlCmdGetFamily, 2, nil); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("GETFAMILY without a name: %v", err)
	}
	ae := proto.NewAttrEncoder(nil)
	ae.Uint32(genl.CtrlAttrFamilyID, 0x30) // wrong size for a u16
	if _, err := c.Request(ctx, genl.IDCtrl, genl.CtrlCmdGetFamily, 2, ae.Bytes()); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("GETFAMILY with a malformed id: %v", err)
	}
	// A message too short for struct genlmsghdr.
	m := proto.Message{Header: proto.Header{Type: genl.IDCtrl}, Data: []byte{3}}
	if _, err := c.Conn().Execute(ctx, m); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("short request: %v", err)
	}
}

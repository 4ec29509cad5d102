//go:build linux

package genl_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
)

func dial(t *testing.T) *genl.Conn {
	t.Helper()
	c, err := genl.Dial(nil)
	if err != nil {
		t.Skipf("no NETLINK_GENERIC socket: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// genlTool runs iproute2's genl, or skips when it is not installed.
func genlTool(t *testing.T, args ...string) []byte {
	t.Helper()
	path, err := exec.LookPath("genl")
	if err != nil {
		t.Skip("iproute2's genl is not installed")
	}
	out, err := exec.Command(path, args...).Output()
	if err != nil {
		t.Fatalf("genl %q: %v", args, err)
	}
	return out
}

func TestLiveResolveNlctrl(t *testing.T) {
	c := dial(t)
	f, err := c.Family(ctx(t), genl.CtrlName)
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != genl.IDCtrl || f.Name != "nlctrl" || f.Version < 2 {
		t.Fatalf("nlctrl = %+v", f)
	}
	op, ok := f.Op(uint32(genl.CtrlCmdGetFamily))
	if !ok || op.Flags&(genl.OpCapDo|genl.OpCapDump) != genl.OpCapDo|genl.OpCapDump {
		t.Errorf("CTRL_CMD_GETFAMILY op = %+v, %v", op, ok)
	}
	g, ok := f.Group("notify")
	if !ok || g.ID != uint32(genl.IDCtrl) {
		t.Errorf("notify group = %+v, %v", g, ok)
	}
	byID, err := c.FamilyByID(ctx(t), genl.IDCtrl)
	if err != nil || byID.Name != "nlctrl" {
		t.Fatalf("FamilyByID(0x10) = %+v, %v", byID, err)
	}
}

func TestLiveResolveOthers(t *testing.T) {
	c := dial(t)
	fams, err := c.Families(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, name := range []string{"ethtool", "thermal", "devlink", "netdev", "tcp_metrics"} {
		i := slices.IndexFunc(fams, func(f genl.Family) bool { return f.Name == name })
		if i < 0 {
			continue
		}
		found++
		f, err := c.Family(ctx(t), name)
		if err != nil {
			t.Fatalf("Family(%q): %v", name, err)
		}
		if f.ID != fams[i].ID || f.Version != fams[i].Version || len(f.Ops) != len(fams[i].Ops) {
			t.Errorf("Family(%q) = %+v, dump has %+v", name, f, fams[i])
		}
	}
	if found == 0 {
		t.Skip("none of the families looked for are registered")
	}
}

func TestLiveFamilyNotFound(t *testing.T) {
	c := dial(t)
	_, err := c.Family(ctx(t), "nlkit-nosuch")
	var nf *genl.FamilyNotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, syscall.ENOENT) || nf.Name != "nlkit-nosuch" {
		t.Fatalf("err = %v (%T)", err, err)
	}
	_, err = c.JoinGroup(ctx(t), "nlctrl", "nosuch")
	var gnf *genl.GroupNotFoundError
	if !errors.As(err, &gnf) || !slices.Equal(gnf.Groups, []string{"notify"}) {
		t.Fatalf("JoinGroup err = %v", err)
	}
	// The conn is still usable after errors.
	if _, err := c.Family(ctx(t), "nlctrl"); err != nil {
		t.Fatal(err)
	}
}

func TestLiveListMatchesGenlTool(t *testing.T) {
	want := genlTool(t, "ctrl", "list")
	c := dial(t)
	fams, err := c.Families(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := genl.FormatFamilies(&got, fams); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("FormatFamilies differs from `genl ctrl list`:\n--- got\n%s\n--- want\n%s", got.Bytes(), want)
	}
}

func TestLivePolicyMatchesGenlTool(t *testing.T) {
	c := dial(t)
	fams, err := c.Families(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		p, err := c.Policy(ctx(t), f.Name)
		if errors.Is(err, syscall.ENODATA) {
			continue
		}
		if err != nil {
			t.Fatalf("Policy(%q): %v", f.Name, err)
		}
		if p.FamilyID != f.ID {
			t.Errorf("Policy(%q).FamilyID = %#x, want %#x", f.Name, p.FamilyID, f.ID)
		}
		want := genlTool(t, "ctrl", "policy", "name", f.Name)
		var got bytes.Buffer
		genl.FormatPolicy(&got, p)
		g := got.Bytes()
		if bytes.Contains(want, []byte("type=unknown")) {
			// iproute2 before 6.7 does not know NL_ATTR_TYPE_SINT and NL_ATTR_TYPE_UINT.
			g = bytes.ReplaceAll(g, []byte("type=UINT"), []byte("type=unknown"))
			g = bytes.ReplaceAll(g, []byte("type=SINT"), []byte("type=unknown"))
		}
		if !bytes.Equal(g, want) {
			t.Errorf("FormatPolicy(%q) differs from `genl ctrl policy`:\n--- got\n%s\n--- want\n%s", f.Name,
				got.Bytes(), want)
		}
	}
}

func TestLiveOpPolicyNlctrl(t *testing.T) {
	c := dial(t)
	p, err := c.OpPolicy(ctx(t), "nlctrl", uint32(genl.CtrlCmdGetFamily))
	if errors.Is(err, syscall.EINVAL) {
		t.Skip("kernel before 5.10: no CTRL_ATTR_OP")
	}
	if err != nil {
		t.Fatal(err)
	}
	attrs, ok := p.OpAttrs(uint32(genl.CtrlCmdGetFamily), false)
	if !ok {
		t.Fatalf("no do policy for CTRL_CMD_GETFAMILY: %+v", p)
	}
	kinds := map[uint16]proto.AttrKind{}
	for _, a := range attrs {
		kinds[a.Attr] = a.Type
		if a.Attr == genl.CtrlAttrFamilyName && (!a.Has(proto.PolicyTypeAttrMaxLength) || a.MaxLength != genl.NameSize-1) {
			t.Errorf("CTRL_ATTR_FAMILY_NAME policy = %+v, want max len %d", a, genl.NameSize-1)
		}
	}
	if kinds[genl.CtrlAttrFamilyID] != proto.AttrKindU16 || kinds[genl.CtrlAttrFamilyName] != proto.AttrKindNulString {
		t.Errorf("CTRL_CMD_GETFAMILY attributes = %v", kinds)
	}
	// CTRL_CMD_GETPOLICY has only a dumpit: asked about alone, it is reported under its own number.
	p, err = c.OpPolicy(ctx(t), "nlctrl", uint32(genl.CtrlCmdGetPolicy))
	if err != nil {
		t.Fatal(err)
	}
	attrs, ok = p.OpAttrs(uint32(genl.CtrlCmdGetPolicy), true)
	if !ok || !slices.ContainsFunc(attrs, func(a genl.AttrPolicy) bool { return a.Attr == genl.CtrlAttrOp }) {
		t.Errorf("CTRL_CMD_GETPOLICY dump policy = %+v, %v", attrs, ok)
	}
}

func TestLivePolicyNoData(t *testing.T) {
	c := dial(t)
	fams, err := c.Families(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(fams, func(f genl.Family) bool { return len(f.Ops) == 0 })
	if i < 0 {
		t.Skip("every family has operations")
	}
	if _, err := c.Policy(ctx(t), fams[i].Name); !errors.Is(err, syscall.ENODATA) {
		t.Fatalf("Policy(%q) err = %v, want ENODATA", fams[i].Name, err)
	}
	if _, err := c.Policy(ctx(t), "nlkit-nosuch"); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Policy(nosuch) err = %v, want ENOENT", err)
	}
}

func TestLiveJoinGroup(t *testing.T) {
	c := dial(t)
	g, err := c.JoinGroup(ctx(t), "nlctrl", "notify")
	if err != nil {
		t.Fatal(err)
	}
	if g.ID != uint32(genl.IDCtrl) {
		t.Errorf("nlctrl notify = %+v", g)
	}
	if err := c.LeaveGroup(g); err != nil {
		t.Fatal(err)
	}
	// Requests still work after joining and leaving.
	if _, err := c.Families(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestLiveAbandonedDump(t *testing.T) {
	c := dial(t)
	n := 0
	for _, err := range c.Dump(ctx(t), genl.IDCtrl, genl.CtrlCmdGetFamily, genl.CtrlVersion, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	if _, err := c.Family(ctx(t), "nlctrl"); err != nil {
		t.Fatalf("request after an abandoned dump: %v", err)
	}
	// The request above may have read the dump's end: the next dump must not wait for it.
	short, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Families(short); err != nil {
		t.Fatalf("dump after an abandoned dump and a request: %v", err)
	}
}

func TestLiveAbandonAtLastMessage(t *testing.T) {
	c := dial(t)
	fams, err := c.Families(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range c.Dump(ctx(t), genl.IDCtrl, genl.CtrlCmdGetFamily, genl.CtrlVersion, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == len(fams) {
			break
		}
	}
	// NLMSG_DONE came in the datagram of the last family: nothing is left, and the next dump must not wait for it.
	short, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if got, err := c.Families(short); err != nil || len(got) != len(fams) {
		t.Fatalf("dump after abandoning at the last message: %d families, %v", len(got), err)
	}
}

// countTap counts the datagrams a Conn sends and receives.
type countTap struct{ sent, received atomic.Int64 }

func (c *countTap) Sent(int, uint32, nlkit.Sockaddr, []byte)     { c.sent.Add(1) }
func (c *countTap) Received(int, uint32, nlkit.Sockaddr, []byte) { c.received.Add(1) }

// TestLiveDialConfig checks that Dial applies its Config: a socket in a fresh namespace, watched by a Tap,
// resolves nlctrl there.
func TestLiveDialConfig(t *testing.T) {
	ns := nstest.New(t)
	tap := &countTap{}
	c, err := genl.Dial(&genl.Config{NetNS: ns.Handle.Fd(), SocketReceiveBuffer: 1 << 20, Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Family(ctx(t), genl.CtrlName); err != nil {
		t.Fatal(err)
	}
	if tap.sent.Load() != 1 || tap.received.Load() < 1 {
		t.Fatalf("the Tap saw %d sent and %d received datagrams, want 1 and at least 1", tap.sent.Load(),
			tap.received.Load())
	}
}

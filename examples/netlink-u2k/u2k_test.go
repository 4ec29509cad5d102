package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/families/genl/knetlink"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/procnet"
	"github.com/nlkit/nlkit/proto"
)

// fakeKernel plays knetlink.ko: unit 17 echoes every message as it came (nlmsg_pid 0, no padding) and
// multicasts KNETLINK_MSG_BROADCAST to group 1; the KNETLINK family echoes KNETLINK_A_MSG and publishes it.
type fakeKernel struct {
	loaded bool
	// mangle, when set, changes the echo on unit 17 before it is sent.
	mangle func([]byte) []byte

	mu    sync.Mutex
	fakes []*nltest.Fake // unit 17 sockets
	genls []*nltest.Fake // NETLINK_GENERIC sockets
}

const eventsID = 12

func (k *fakeKernel) dial(unit int, cfg *nlkit.Config) (*nlkit.Conn, error) {
	switch {
	case unit == knetlink.Unit && !k.loaded:
		return nil, &nlkit.UnitError{Unit: unit, Err: syscall.EPROTONOSUPPORT}
	case unit == knetlink.Unit:
		var f *nltest.Fake
		c, f := nltest.New(unit, func(reqs []proto.Message) ([]proto.Message, error) {
			k.input(f, reqs[0])
			return nil, nil
		}, cfg)
		k.mu.Lock()
		k.fakes = append(k.fakes, f)
		k.mu.Unlock()
		return c, nil
	case unit == nlkit.UnitGeneric:
		var fams []genltest.Family
		if k.loaded {
			fams = append(fams, genltest.Family{Family: genl.Family{ID: 0x1a, Name: knetlink.FamilyName,
				Version: knetlink.FamilyVersion, MaxAttr: 1,
				Ops:    []genl.Op{{Command: uint32(knetlink.CmdEcho), Flags: genl.OpCapDo | genl.OpCapHasPolicy}},
				Groups: []genl.Group{{Name: knetlink.GroupEvents, ID: eventsID}}},
				Handle: k.genlEcho})
		}
		c, f := nltest.New(unit, genltest.Func(fams...), cfg)
		k.mu.Lock()
		k.genls = append(k.genls, f)
		k.mu.Unlock()
		return c, nil
	}
	return nil, &nlkit.UnitError{Unit: unit, Err: syscall.EPROTONOSUPPORT}
}

// input is knl_input: echo to the sender, and multicast a KNETLINK_MSG_BROADCAST first.
func (k *fakeKernel) input(from *nltest.Fake, m proto.Message) {
	raw := make([]byte, proto.HeaderLen+len(m.Data))
	h := m.Header
	h.PortID = 0
	h.MarshalTo(raw)
	copy(raw[proto.HeaderLen:], m.Data)
	if m.Header.Type == knetlink.MsgBroadcast {
		k.mu.Lock()
		for _, f := range k.fakes {
			if f != from && f.Joined(knetlink.Group) {
				f.InjectRaw(nlkit.Sockaddr{Groups: nlkit.GroupMask(knetlink.Group)}, raw)
			}
		}
		k.mu.Unlock()
	}
	if k.mangle != nil {
		raw = k.mangle(raw)
	}
	from.InjectRaw(nlkit.Sockaddr{}, raw)
}

func (k *fakeKernel) genlEcho(req genl.Message) ([]genl.Message, error) {
	msg, err := knetlink.ParseEcho(req)
	if err != nil {
		return nil, syscall.EINVAL
	}
	reply := genl.Message{Header: genl.Header{Command: knetlink.CmdEcho, Version: 1}, Data: knetlink.AppendEcho(nil, msg)}
	k.mu.Lock()
	for _, f := range k.genls {
		if f.Joined(eventsID) {
			f.Inject(nlkit.Sockaddr{Groups: 0}, reply.NetlinkMessage(0x1a, 0))
		}
	}
	k.mu.Unlock()
	return []genl.Message{reply}, nil
}

func (k *fakeKernel) sockets() ([]procnet.Socket, error) {
	if !k.loaded {
		return nil, nil
	}
	return []procnet.Socket{{Unit: 17}, {Unit: 17, PortID: nltest.PortID, Inode: 77}}, nil
}

func runFake(t *testing.T, k *fakeKernel, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{dial: k.dial, sockets: k.sockets, stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func TestEcho(t *testing.T) {
	code, out, errs := runFake(t, &fakeKernel{loaded: true})
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !strings.HasPrefix(out, `echo ok: "hello, kernel" (nlmsg_len 29, type 0x10, flags NLM_F_REQUEST, seq `) {
		t.Errorf("stdout %q", out)
	}
	code, out, _ = runFake(t, &fakeKernel{loaded: true}, "-msg", "")
	if code != 0 || !strings.HasPrefix(out, `echo ok: "" (nlmsg_len 16,`) {
		t.Errorf("empty message: exit %d, %q", code, out)
	}
}

func TestAllChecks(t *testing.T) {
	code, out, errs := runFake(t, &fakeKernel{loaded: true}, "-genl", "-group", "-proc", "-msg", "abc")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	want := []string{
		`genl echo ok: "abc" (family KNETLINK id 0x1a version 1)`,
		`genl event ok: "abc" (group events id 12)`,
		`broadcast ok: "abc" (group 1, portid 4242 to portid 4242; sender echoed)`,
		`proc ok: unit 17 listed in /proc/net/netlink (kernel socket, and portid 4242 inode 77)`,
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}

func TestNotLoaded(t *testing.T) {
	for args, want := range map[string]string{
		"":       "unit 17 is not registered: load knetlink.ko\n",
		"-group": "unit 17 is not registered: load knetlink.ko\n",
		"-proc":  "unit 17 is not registered: load knetlink.ko\n",
		"-genl":  "genl family KNETLINK is not registered: load knetlink.ko\n",
	} {
		code, out, errs := runFake(t, &fakeKernel{}, strings.Fields(args)...)
		if code != 1 || out != "" || errs != want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

func TestBadEchoes(t *testing.T) {
	for name, c := range map[string]struct {
		mangle func([]byte) []byte
		want   string
	}{
		"padded":  {func(b []byte) []byte { return append(b, 0, 0, 0) }, "padding added"},
		"flags":   {func(b []byte) []byte { b[6] |= 0x04; return b }, "echo nlmsg_flags 0x5, sent 0x1"},
		"type":    {func(b []byte) []byte { b[4] = 0x20; return b }, "echo nlmsg_type 0x20, sent 0x10"},
		"payload": {func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, `echo payload "hello, kernem"`},
		"length":  {func(b []byte) []byte { b[0]++; return append(b, 0) }, "echo nlmsg_len 30, sent 29"},
	} {
		code, _, errs := runFake(t, &fakeKernel{loaded: true, mangle: c.mangle})
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", name, code, errs, c.want)
		}
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := runFake(t, &fakeKernel{}, "-nosuch"); code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
	if code, _, _ := runFake(t, &fakeKernel{}, "extra"); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
}

package main

import (
	"bytes"
	"context"
	"github.com/nlkit/nlkit/internal/testbin"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/procnet"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

func event(t *testing.T, typ uint16, v interface{ MarshalBinary() ([]byte, error) }) proto.Message {
	t.Helper()
	b, err := v.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return proto.Message{Header: proto.Header{Type: typ}, Data: b}
}

func TestMonitor(t *testing.T) {
	k := testKernel()
	d1 := route.Link{Index: 6, Name: "d1", Type: unix.ARPHRD_ETHER, Flags: unix.IFF_BROADCAST | unix.IFF_NOARP,
		MTU: 1500, Qdisc: "noop", OperState: route.OperDown, Address: hw("02:00:00:00:00:06"),
		Broadcast: hw("ff:ff:ff:ff:ff:ff")}
	events := []proto.Message{
		{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: encodeLink(&d1)},
		event(t, unix.RTM_NEWADDR, &route.Addr{Family: unix.AF_INET, PrefixLen: 24, Index: 6,
			Local: ip("10.77.0.1"), Label: "d1", Flags: route.AddrPermanent, CacheInfo: forever()}),
		event(t, unix.RTM_NEWROUTE, &route.Route{Family: unix.AF_INET, Table: route.TableMain,
			Protocol: route.ProtocolBoot, Type: route.TypeUnicast, Dst: pfx("10.78.0.0/16"), Gateway: ip("10.77.0.2"),
			OIF: 6}),
		event(t, unix.RTM_NEWNEIGH, &route.Neigh{Family: unix.AF_INET, Index: 6, State: route.NeighPermanent,
			Dst: ip("10.77.0.9"), LLAddr: hw("02:00:00:00:00:01")}),
		event(t, unix.RTM_NEWRULE, &route.Rule{Family: unix.AF_INET, Priority: 300, Table: 300,
			Action: route.RuleToTable}),
		event(t, unix.RTM_DELNEXTHOP, &route.Nexthop{ID: 9, Family: unix.AF_INET, Scope: route.ScopeLink,
			Gateway: ip("10.77.0.3"), OIF: 6}),
		event(t, unix.RTM_DELROUTE, &route.Route{Family: unix.AF_INET, Table: route.TableMain,
			Protocol: route.ProtocolBoot, Type: route.TypeUnicast, Dst: pfx("10.78.0.0/16"), Gateway: ip("10.77.0.2"),
			OIF: 6}),
	}
	want := lines(
		"6: d1: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default ",
		"    link/ether 02:00:00:00:00:06 brd ff:ff:ff:ff:ff:ff",
		"6: d1    inet 10.77.0.1/24 scope global d1",
		"       valid_lft forever preferred_lft forever",
		"10.78.0.0/16 via 10.77.0.2 dev d1 ",
		"10.77.0.9 dev d1 lladdr 02:00:00:00:00:01 PERMANENT ",
		"300:\tfrom all lookup 300",
		"Deleted id 9 via 10.77.0.3 dev d1 scope link ",
		"Deleted 10.78.0.0/16 via 10.77.0.2 dev d1 ")

	pcapFile := filepath.Join(t.TempDir(), "mon.pcap")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testbin.SyncBuffer
	var fake *nltest.Fake
	a := &app{stdout: &stdout, stderr: &stderr, ctx: ctx,
		dial: func(*route.Config) (*route.Client, error) {
			return route.New(nltest.Dial(nlkit.UnitRoute, k.fn)), nil
		},
		dialEvents: func(cfg *nlkit.Config) (*nlkit.Conn, error) {
			c, f := nltest.New(nlkit.UnitRoute, nil, cfg)
			fake = f
			return c, nil
		},
	}
	a.ready = func() {
		if !fake.Joined(unix.RTNLGRP_LINK) || !fake.Joined(unix.RTNLGRP_NEXTHOP) {
			t.Error("the monitor did not join its groups")
		}
		for _, m := range events {
			fake.Inject(nlkit.Sockaddr{Groups: 1}, m)
		}
	}
	done := make(chan int)
	go func() { done <- a.run([]string{"monitor", "-w", pcapFile}) }()
	deadline := time.Now().Add(10 * time.Second)
	for stdout.String() != want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("monitor exit %d: %s", code, stderr.String())
	}
	if got := stdout.String(); got != want {
		t.Errorf("monitor printed:\n%s\nwant:\n%s", got, want)
	}

	// The capture holds what the event socket received; decode prints it back.
	out := mustRun(t, k, "decode", pcapFile)
	for _, s := range []string{"RTM_NEWLINK", "RTM_NEWADDR", "RTM_DELNEXTHOP", "RTM_DELROUTE"} {
		if !strings.Contains(out, s) {
			t.Errorf("decode of the capture lacks %s:\n%s", s, out)
		}
	}
}

func TestMonitorArgs(t *testing.T) {
	_, stderr, code := runFake(t, testKernel(), "monitor", "frob")
	if code != 2 || !strings.Contains(stderr, `Argument "frob" is unknown`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestGenl(t *testing.T) {
	fam := genl.Family{ID: 0x20, Name: "KNETLINK", Version: 1, MaxAttr: 2,
		Ops:    []genl.Op{{Command: 1, Flags: genl.OpCapDo}},
		Groups: []genl.Group{{Name: "events", ID: 9}}}
	run := func(args ...string) string {
		var stdout, stderr bytes.Buffer
		a := &app{stdout: &stdout, stderr: &stderr, ctx: context.Background(),
			dialGenl: func(*genl.Config) (*genl.Conn, error) {
				c, _ := genltest.Dial(genltest.Family{Family: fam})
				return c, nil
			}}
		if code := a.run(args); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return stdout.String()
	}
	var want bytes.Buffer
	genl.FormatFamilies(&want, []genl.Family{genltest.Ctrl, fam})
	if got := run("genl"); got != want.String() {
		t.Errorf("genl:\n%s\nwant:\n%s", got, want.String())
	}
	got := run("-j", "genl", "ctrl", "list")
	if !strings.Contains(got, `{"name":"KNETLINK","id":32,"version":1,"hdrsize":0,"maxattr":2,"ops":[{"id":1,"flags":2}],"mcast_groups":[{"id":9,"name":"events"}]}`) {
		t.Errorf("genl -j: %s", got)
	}
}

func TestSockets(t *testing.T) {
	socks := []procnet.Socket{
		{Unit: 0, PortID: 0, Inode: 0},
		{Unit: 0, PortID: 4242, Groups: 0x10, Rmem: 512, Inode: 123},
		{Unit: 16, PortID: 99, Drops: 3, Dump: true, Locks: 2, Inode: 124},
	}
	run := func(args ...string) string {
		var stdout, stderr bytes.Buffer
		a := &app{stdout: &stdout, stderr: &stderr, ctx: context.Background(),
			readSockets: func() ([]procnet.Socket, error) { return socks, nil }}
		if code := a.run(args); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return stdout.String()
	}
	want := lines(
		"Unit                   PortID   Groups     Rmem     Wmem    Drops Dump      Inode",
		"route(0)                    0 00000000        0        0        0    0          0",
		"route(0)                 4242 00000010      512        0        0    0        123",
		"generic(16)                99 00000000        0        0        3    1        124")
	if got := run("sockets"); got != want {
		t.Errorf("sockets:\n%s\nwant:\n%s", got, want)
	}
	got := run("-j", "sockets")
	if !strings.Contains(got, `{"unit":16,"unit_name":"generic","portid":99,"groups":"00000000","rmem":0,"wmem":0,"drops":3,"dump":true,"refcnt":2,"inode":124}`) {
		t.Errorf("sockets -j: %s", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	_, _, code := runFake(t, testKernel(), "decode")
	if code != 2 {
		t.Errorf("decode without a file: exit %d, want 2", code)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte{0xd4, 0xc3, 0xb2, 0xa1, 1}, 0o644)
	if _, _, code := runFake(t, testKernel(), "decode", bad); code != 1 {
		t.Errorf("decode of a damaged capture: exit %d, want 1", code)
	}
}

func TestJSONString(t *testing.T) {
	got := string(appendJSONString(nil, "a\"b\\c\n\t\x01é\xff<>"))
	want := `"a\"b\\c\n\t\u0001é\ufffd<>"`
	if got != want {
		t.Errorf("appendJSONString = %s, want %s", got, want)
	}
}

func TestPrinterText(t *testing.T) {
	p := newPrinter(false, false)
	p.openObj("")
	p.str("k", "%s ", "v")
	p.uint("n", "n %d ", 7)
	p.boolean("b", "yes ", true)
	p.boolean("c", "no ", false)
	p.null("x", "x ")
	p.jstr("only", "json")
	p.closeObj()
	if got := string(p.b); got != "v n 7 yes x " {
		t.Errorf("text printer: %q", got)
	}
	p = newPrinter(true, false)
	p.openArr("")
	p.openObj("")
	p.str("k", "%s ", "v")
	p.uint("n", "n %d ", 7)
	p.boolean("b", "yes ", true)
	p.null("x", "x ")
	p.text("text only")
	p.openArr("a")
	p.str("", "%s", "e1")
	p.str("", "%s", "e2")
	p.closeArr()
	p.closeObj()
	p.closeArr()
	if got := string(p.b); got != `[{"k":"v","n":7,"b":true,"x":null,"a":["e1","e2"]}]` {
		t.Errorf("JSON printer: %s", got)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"link", "help"}, {"r", "help"}, {"monitor", "help"}} {
		out, stderr, code := runFake(t, testKernel(), args...)
		if code != 0 || !strings.HasPrefix(out, "Usage: nlkit") || stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
	}
}

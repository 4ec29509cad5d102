//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/tc"
	"github.com/nlkit/nlkit/netns/nstest"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// inVM: integration/vm's guest, whose kernel has every kind the tree needs; elsewhere a kernel without them
// skips the test.
var inVM = os.Getenv("NLKIT_VM_GUEST") == "1"

// TestShapingClassifies builds the tree on v0 of namespace A, sends UDP from A to B (veth v0/v1) on the
// interactive port, the bulk port and a third one, and checks with tc -s that each class and each fq_codel leaf
// counted exactly the packets sent to its port, and that nlkit's statistics say the same.
func TestShapingClassifies(t *testing.T) {
	for _, p := range []string{"tc", "ip"} {
		if _, err := osexec.LookPath(p); err != nil {
			nstest.Skipf(t, "%s (iproute2) is missing: %v", p, err)
		}
	}
	a, b := nstest.New(t), nstest.NewNamed(t)
	run := func(ns *nstest.NS, args ...string) string {
		t.Helper()
		out, err := ns.Output(args[0], args[1:]...)
		if err != nil {
			t.Fatalf("%v in %v: %v\n%s", args, ns, err, out)
		}
		return out
	}
	for _, ns := range []*nstest.NS{a, b} {
		run(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
		run(ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1")
	}
	run(a, "ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", b.Name)
	run(a, "ip", "addr", "add", "10.9.0.1/24", "dev", "v0")
	run(b, "ip", "addr", "add", "10.9.0.2/24", "dev", "v1")
	run(a, "ip", "link", "set", "v0", "up")
	run(b, "ip", "link", "set", "v1", "up")
	// A static neighbour: no ARP requests to count in the default class.
	var l []struct{ Address string }
	if err := json.Unmarshal([]byte(run(b, "ip", "-j", "link", "show", "v1")), &l); err != nil || len(l) != 1 {
		t.Fatalf("ip -j link show v1: %v", err)
	}
	run(a, "ip", "neigh", "replace", "10.9.0.2", "lladdr", l[0].Address, "dev", "v0", "nud", "permanent")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rc, err := route.Dial(&route.Config{NetNS: a.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	c := tc.FromRoute(rc)
	link, err := rc.Link.GetByName(ctx, "v0")
	if err != nil {
		t.Fatal(err)
	}
	rate, _ := tc.ParseRate("100mbit")
	plan := Plan{Rate: rate, Interactive: 5001, Bulk: 5002}
	if err := Shape(ctx, c, link.Index, plan, tc.DefaultPsched()); err != nil {
		if !inVM && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL)) {
			t.Skipf("this kernel lacks a kind of the tree (the VM suite runs it): %v", err)
		}
		t.Fatal(err)
	}
	// The tree as tc shows it.
	text := run(a, "tc", "class", "show", "dev", "v0")
	for _, want := range []string{"class htb 1:1 root rate 100Mbit", "class htb 1:10 parent 1:1 leaf 10: prio 0 rate 50Mbit ceil 100Mbit",
		"class htb 1:20 parent 1:1 leaf 20: prio 1 rate 25Mbit ceil 100Mbit", "class htb 1:30 parent 1:1 leaf 30: prio 2 rate 25Mbit ceil 100Mbit"} {
		if !strings.Contains(text, want) {
			t.Errorf("tc class show has no %q:\n%s", want, text)
		}
	}
	filters := run(a, "tc", "filter", "show", "dev", "v0")
	for _, want := range []string{"flower", "ip_proto udp", "dst_port 5001", "classid 1:10", "u32", fmt.Sprintf("match %08x/0000ffff at 20", 5002), "flowid 1:20"} {
		if !strings.Contains(filters, want) {
			t.Errorf("tc filter show has no %q:\n%s", want, filters)
		}
	}

	// B listens on the three ports; A sends sent[port] datagrams to each.
	ports := []int{5001, 5002, 5003}
	sent := map[int]int{5001: 7, 5002: 11, 5003: 5}
	conns := map[int]*net.UDPConn{}
	if err := b.Do(func() error {
		for _, p := range ports {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(10, 9, 0, 2), Port: p})
			if err != nil {
				return err
			}
			conns[p] = c
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err := a.Do(func() error {
		s, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(10, 9, 0, 1)})
		if err != nil {
			return err
		}
		defer s.Close()
		for _, p := range ports {
			for i := 0; i < sent[p]; i++ {
				if _, err := s.WriteToUDP([]byte("shaping test "+strconv.Itoa(i)), &net.UDPAddr{IP: net.IPv4(10, 9, 0, 2), Port: p}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range ports {
		buf := make([]byte, 64)
		conns[p].SetReadDeadline(time.Now().Add(10 * time.Second))
		for i := 0; i < sent[p]; i++ {
			if _, _, err := conns[p].ReadFromUDP(buf); err != nil {
				t.Fatalf("B received %d of the %d datagrams to port %d: %v", i, sent[p], p, err)
			}
		}
	}

	// Class counters, from tc -s (text: tc 6.1 prints classes so even with -j) and from nlkit.
	want := map[string]int{"1:10": sent[5001], "1:20": sent[5002], "1:30": sent[5003], "1:1": sent[5001] + sent[5002] + sent[5003]}
	classRE := regexp.MustCompile(`(?m)^class htb (\S+) .*\n Sent (\d+) bytes (\d+) pkt`)
	var got map[string]int
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = map[string]int{}
		for _, m := range classRE.FindAllStringSubmatch(run(a, "tc", "-s", "class", "show", "dev", "v0"), -1) {
			got[m[1]], _ = strconv.Atoi(m[3])
		}
		if mapsEqual(got, want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond) // the packets leave v0's queues at once; this only waits for them
	}
	if !mapsEqual(got, want) {
		t.Errorf("tc -s class show: packets per class %v, want %v", got, want)
	}
	classes, err := c.Class.List(ctx, &tc.ClassFilter{Ifindex: link.Index})
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range classes {
		if cl.Stats == nil || int(cl.Stats.Packets) != got[cl.Handle.String()] {
			t.Errorf("nlkit: class %v statistics %+v, tc counted %d packets", cl.Handle, cl.Stats, got[cl.Handle.String()])
		}
	}
	// The fq_codel leaves, from tc -s -j.
	var qs []struct {
		Kind, Handle string
		Packets      int
	}
	if err := json.Unmarshal([]byte(run(a, "tc", "-s", "-j", "qdisc", "show", "dev", "v0")), &qs); err != nil {
		t.Fatal(err)
	}
	leafWant := map[string]int{"10:": sent[5001], "20:": sent[5002], "30:": sent[5003]}
	seen := 0
	for _, q := range qs {
		if w, ok := leafWant[q.Handle]; ok {
			seen++
			if q.Kind != "fq_codel" || q.Packets != w {
				t.Errorf("tc -s -j: qdisc %s %s sent %d packets, want %d", q.Kind, q.Handle, q.Packets, w)
			}
		}
	}
	if seen != 3 {
		t.Errorf("tc -s -j shows %d of the 3 fq_codel leaves: %+v", seen, qs)
	}
	// -del takes the tree away.
	if err := c.Qdisc.Delete(ctx, tc.Qdisc{Object: tc.Object{Ifindex: link.Index, Parent: tc.HandleRoot}}); err != nil {
		t.Fatal(err)
	}
	if out := run(a, "tc", "qdisc", "show", "dev", "v0"); strings.Contains(out, "htb") {
		t.Errorf("htb still there: %s", out)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

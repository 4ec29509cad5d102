package main

import (
	"bufio"
	"strings"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/compat"
	"github.com/nlkit/nlkit/nltest"
)

// link builds an RTM_NEWLINK as the kernel sends it for a veth end.
func link(index, peer int32, name string, flags uint32, master int32) *compat.Nlmsghdr {
	n := compat.NewRequest(rtmNewlink, 0, compat.Ifinfomsg{Type: 1, Index: index, Flags: flags}, 512)
	compat.Addattrstrz(n, n.Size(), iflaIfname, name)
	compat.Addattr32(n, n.Size(), iflaTxqlen, 1000)
	compat.Addattr8(n, n.Size(), iflaOperstate, 2)
	compat.Addattr8(n, n.Size(), iflaLinkmode, 0)
	compat.Addattr32(n, n.Size(), iflaMtu, 1500)
	compat.Addattr32(n, n.Size(), iflaGroup, 0)
	if master != 0 {
		compat.Addattr32(n, n.Size(), iflaMaster, uint32(master))
	}
	compat.Addattr32(n, n.Size(), iflaLink, uint32(peer))
	compat.Addattrstrz(n, n.Size(), iflaQdisc, "noop")
	compat.AddattrL(n, n.Size(), iflaAddress, []byte{0x5a, 0x16, 0xfb, 0xff, 0x7b, 0xc0})
	compat.AddattrL(n, n.Size(), iflaBroadcast, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	return n
}

func newTestIP(t *testing.T, fn nltest.Func) (*ip, *strings.Builder) {
	t.Helper()
	var sb strings.Builder
	p := &ip{out: bufio.NewWriter(&sb)}
	compat.RtnlOpenConn(&p.rth, nltest.Dial(nlkit.UnitRoute, fn))
	t.Cleanup(func() { compat.RtnlClose(&p.rth) })
	p.cache = newLLCache(&p.rth)
	p.cache.offline = true
	return p, &sb
}

func TestPrintLinkinfoOneline(t *testing.T) {
	p, out := newTestIP(t, nil)
	p.oneline, p.sl, p.doLink, p.showqueue, p.family = true, "\\", true, true, afPacket
	// The peer (3) is known and down; the master (4) is known.
	p.cache.rememberIndex(link(3, 2, "v0", 0x1002, 0))
	br := compat.NewRequest(rtmNewlink, 0, compat.Ifinfomsg{Index: 4, Flags: 0x1003}, 64)
	compat.Addattrstrz(br, br.Size(), iflaIfname, "br0")
	p.cache.rememberIndex(br)
	p.printLinkinfo(link(2, 3, "v1", 0x1003, 4))
	p.out.Flush()
	want := "2: v1@v0: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noop master br0 state DOWN " +
		"mode DEFAULT group default qlen 1000\\    link/ether 5a:16:fb:ff:7b:c0 brd ff:ff:ff:ff:ff:ff\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}

// TestLinkNameFromKernel checks ll_index_to_name's fallback: an index the cache does not know is printed as ifN
// when the kernel cannot tell (here it is not asked; integration/compat covers the kernel's answer).
func TestLinkNameFromKernel(t *testing.T) {
	p, _ := newTestIP(t, nil)
	if got := p.cache.indexToName(9); got != "if9" {
		t.Errorf("indexToName(9) = %q", got)
	}
	if got := p.cache.indexToName(0); got != "*" {
		t.Errorf("indexToName(0) = %q", got)
	}
	if p.cache.indexToFlags(12) != ^uint32(0) {
		t.Error("unknown link flags should be all ones")
	}
}

func TestPrintAddrinfo(t *testing.T) {
	p, out := newTestIP(t, nil)
	p.resetFilter()
	p.cache.rememberIndex(link(3, 0, "v0", 0x1003, 0))
	n := compat.NewRequest(rtmNewaddr, 0, compat.Ifaddrmsg{Family: afInet, Prefixlen: 24, Index: 3}, 256)
	compat.AddattrL(n, n.Size(), ifaAddress, []byte{10, 1, 2, 3})
	compat.AddattrL(n, n.Size(), ifaLocal, []byte{10, 1, 2, 3})
	compat.AddattrL(n, n.Size(), ifaBroadcast, []byte{10, 1, 2, 255})
	compat.Addattrstrz(n, n.Size(), ifaLabel, "v0")
	compat.Addattr32(n, n.Size(), ifaFlags, ifaFPermanent|ifaFSecondary)
	ci := compat.IfaCacheinfo{Prefered: infinityLife, Valid: 300}
	compat.AddattrL(n, n.Size(), ifaCacheinfo, compat.AsBytes(&ci))
	p.printAddrinfo(n)
	p.out.Flush()
	want := "3: v0    inet 10.1.2.3/24 brd 10.1.2.255 scope global secondary v0\n" +
		"       valid_lft 300sec preferred_lft forever\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}

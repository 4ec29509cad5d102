//go:build linux

package route

import (
	"testing"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// xdpLinkMessage is an RTM_NEWLINK payload of link 3 with IFLA_XDP as the kernel sends it for a generic program.
func xdpLinkMessage() []byte {
	ae := proto.NewAttrEncoder(make([]byte, sizeofIfInfomsg))
	b := ae.Bytes()
	b[4] = 3
	n := ae.Nest(unix.IFLA_XDP)
	ae.Uint8(unix.IFLA_XDP_ATTACHED, XDPAttachedSKB)
	ae.Uint32(unix.IFLA_XDP_SKB_PROG_ID, 42)
	ae.Uint32(unix.IFLA_XDP_PROG_ID, 42)
	ae.Uint32(unix.IFLA_XDP_FLAGS, unix.XDP_FLAGS_SKB_MODE)
	ae.End(n)
	return ae.Bytes()
}

func TestLinkXDPDecode(t *testing.T) {
	var l Link
	if err := l.UnmarshalBinary(xdpLinkMessage()); err != nil {
		t.Fatal(err)
	}
	if want := (LinkXDP{Attached: XDPAttachedSKB, Flags: unix.XDP_FLAGS_SKB_MODE, ProgID: 42, SKBProgID: 42}); l.XDP != want {
		t.Errorf("got %+v, want %+v", l.XDP, want)
	}
	b, err := xdpRequest(3, XDPAttach{FD: 9, Flags: unix.XDP_FLAGS_REPLACE, ExpectedFD: 8})
	if err != nil {
		t.Fatal(err)
	}
	tb := map[uint16]int32{}
	ad := proto.NewAttrDecoder(b[sizeofIfInfomsg:])
	for ad.Next() {
		nd := ad.Nested()
		for nd.Next() {
			tb[nd.Type()] = nd.Int32()
		}
	}
	if tb[unix.IFLA_XDP_FD] != 9 || tb[unix.IFLA_XDP_EXPECTED_FD] != 8 || tb[unix.IFLA_XDP_FLAGS] != unix.XDP_FLAGS_REPLACE {
		t.Errorf("request attributes %v", tb)
	}
	if _, err := xdpRequest(0, XDPAttach{}); err == nil {
		t.Error("a request without a link encodes")
	}
}

func FuzzDecodeLinkXDP(f *testing.F) {
	fuzzDecode(f, [][]byte{xdpLinkMessage()}, func(b []byte) error { return new(Link).UnmarshalBinary(b) })
}

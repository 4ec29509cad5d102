//go:build linux

package route

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Each fuzz test checks that a decoder never panics on any input and that what it decodes can be encoded again
// and decoded back without error.

type codec interface {
	UnmarshalBinary([]byte) error
	MarshalBinary() ([]byte, error)
}

func fuzzCodec(f *testing.F, seeds [][]byte, newV func() codec) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := newV()
		if err := v.UnmarshalBinary(b); err != nil {
			return
		}
		out, err := v.MarshalBinary()
		if err != nil {
			return // e.g. a decoded name longer than a request may carry
		}
		if err := newV().UnmarshalBinary(out); err != nil {
			t.Fatalf("re-encoded payload does not decode: %v\n% x", err, out)
		}
	})
}

func seeds(t testing.TB, vs ...interface{ MarshalBinary() ([]byte, error) }) [][]byte {
	var out [][]byte
	for _, v := range vs {
		out = append(out, mustMarshal(t, v))
	}
	return out
}

func FuzzDecodeLink(f *testing.F) {
	s := append(seeds(f, &Link{Name: "v0", Info: LinkInfo{Data: &Vxlan{ID: 1, Local: mustAddr("10.0.0.1")}}},
		&Link{Name: "b0", Info: LinkInfo{Data: &Bond{Mode: 1, ARPIPTargets: []netip.Addr{mustAddr("10.0.0.1")}}}},
		&Link{Name: "br", Info: LinkInfo{Data: &Bridge{STPState: 1}}},
		&Link{Name: "p", Info: LinkInfo{SlaveData: &BridgePort{Cost: 3}}},
		&Link{Name: "v", Info: LinkInfo{Data: &Veth{Peer: Link{Name: "w"}}}}), kernelLink())
	fuzzCodec(f, s, func() codec { return new(Link) })
}

func FuzzDecodeAddr(f *testing.F) {
	a := AddrFrom(1, mustPrefix("10.0.0.1/24"))
	p := Addr{Local: mustAddr("fe80::1"), Peer: mustAddr("fe80::2"), PrefixLen: 128, Index: 2, Label: "x"}
	fuzzCodec(f, seeds(f, &a, &p), func() codec { return new(Addr) })
}

func FuzzDecodeRoute(f *testing.F) {
	fuzzCodec(f, routeSeeds(f), func() codec { return new(Route) })
}

// FuzzRouteDecodeReference checks Route's decoder, whose attribute loop is its own, against a reference made
// of the plain proto.AttrDecoder loop: on every input both fail with the same error or decode the same Route.
func FuzzRouteDecodeReference(f *testing.F) {
	for _, s := range routeSeeds(f) {
		f.Add(s)
		// A malformed form of each seed: cut short, a flag on every type, one byte of trailing garbage.
		f.Add(s[:len(s)-3])
		f.Add(append(append([]byte(nil), s...), 1))
		flagged := append([]byte(nil), s...)
		for a := flagged[sizeofRtMsg:]; len(a) >= 4; {
			a[3] |= 0x40 // NLA_F_NET_BYTEORDER
			n := proto.AttrAlign(int(a[0]) | int(a[1])<<8)
			if n < 4 || n > len(a) {
				break
			}
			a = a[n:]
		}
		f.Add(flagged)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want Route
		err := got.UnmarshalBinary(b)
		werr := referenceDecodeRoute(&want, b)
		switch {
		case (err == nil) != (werr == nil):
			t.Fatalf("decoder: %v, reference: %v\n% x", err, werr, b)
		case err != nil:
			if err.Error() != werr.Error() {
				t.Fatalf("decoder: %v\nreference: %v\n% x", err, werr, b)
			}
		case !reflect.DeepEqual(got, want):
			t.Fatalf("decoder   %+v %+v\nreference %+v %+v\n% x", got, got.Extra, want, want.Extra, b)
		}
	})
}

// referenceDecodeRoute decodes an RTM_NEWROUTE payload with the proto.AttrDecoder loop, the way every other
// decoder of the package reads attributes: the reference for Route.UnmarshalBinary's loop of its own.
func referenceDecodeRoute(r *Route, b []byte) error {
	if len(b) < sizeofRtMsg {
		*r = Route{}
		return errShort("rtmsg", len(b), sizeofRtMsg)
	}
	r.header(b)
	var dst, src netip.Addr
	ad := proto.NewAttrDecoder(b[sizeofRtMsg:])
	for ad.Next() {
		switch ad.Type() {
		case unix.RTA_DST:
			dst = addrFrom(ad.Bytes())
		case unix.RTA_SRC:
			src = addrFrom(ad.Bytes())
		case unix.RTA_GATEWAY:
			r.Gateway = addrFrom(ad.Bytes())
		case unix.RTA_OIF:
			r.OIF = ad.Int32()
		case unix.RTA_PRIORITY:
			r.Priority, r.HasPriority = ad.Uint32(), true
		case unix.RTA_TABLE:
			r.Table = ad.Uint32()
		case rtaNHID:
			r.NexthopID = ad.Uint32()
		case unix.RTA_PREF:
			r.Pref, r.HasPref = ad.Uint8(), true
		default:
			if err := r.decodeExtra(&ad); err != nil {
				return err
			}
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	r.prefixes(b, dst, src)
	return nil
}

// prefixes sets Dst, and Src when there is one, from RTA_DST and RTA_SRC and the lengths in struct rtmsg: a
// missing address is the family's unspecified address (the default route).
func (r *Route) prefixes(b []byte, dst, src netip.Addr) {
	if !dst.IsValid() {
		dst = zeroAddr(ipFamily(r.Family))
	}
	r.Dst = prefixOf(dst, b[1])
	if src.IsValid() || b[2] != 0 {
		r.setSrc(src, b[2])
	}
}

func routeSeeds(f *testing.F) [][]byte {
	ipv6 := Route{Family: unix.AF_INET6, Dst: mustPrefix("2001:db8::/64"), Table: TableMain, OIF: 2, Priority: 1024,
		HasPriority: true, HasPref: true, NexthopID: 3, Extra: &RouteExtra{Src: mustPrefix("2001:db8:1::/48")}}
	b := mustMarshal(f, &ipv6)
	ae := proto.NewAttrEncoder(append([]byte(nil), b...))
	ae.Raw(unix.RTA_CACHEINFO, make([]byte, 32))
	withCI := ae.Bytes()
	return append(seeds(f,
		&Route{Dst: mustPrefix("10.0.0.0/8"), Gateway: mustAddr("10.0.0.1"), Table: 1000,
			Extra: &RouteExtra{Metrics: Metrics{MTU: 1400, CCAlgo: "bbr"}}},
		&Route{Dst: mustPrefix("2001:db8::/32"), Extra: &RouteExtra{MultiPath: []Hop{{OIF: 1, Gateway: mustAddr("fe80::1")},
			{OIF: 2, Via: mustAddr("10.0.0.1")}}}}), kernelRoute(), b, withCI)
}

func FuzzDecodeNeigh(f *testing.F) {
	mac, _ := ParseHWAddr("02:00:00:00:00:01")
	fuzzCodec(f, seeds(f, &Neigh{Index: 1, Dst: mustAddr("10.0.0.1"), LLAddr: mac, State: NeighReachable}),
		func() codec { return new(Neigh) })
}

func FuzzDecodeRule(f *testing.F) {
	fuzzCodec(f, seeds(f, &Rule{Family: unix.AF_INET, Priority: 1, Src: mustPrefix("10.0.0.0/8"), IIFName: "x",
		HasUIDRange: true, UIDEnd: 5}), func() codec { return new(Rule) })
}

func FuzzDecodeNexthop(f *testing.F) {
	fuzzCodec(f, seeds(f, &Nexthop{ID: 1, Gateway: mustAddr("10.0.0.1"), OIF: 2},
		&Nexthop{ID: 2, Group: []NexthopGroupMember{{ID: 1, Weight: 2}}}), func() codec { return new(Nexthop) })
}

// FuzzDecodeEvent feeds whole datagrams through the event decoder, as a Watcher does.
func FuzzDecodeEvent(f *testing.F) {
	l := Link{Index: 1, Name: "lo"}
	f.Add(proto.AppendMessages(nil,
		proto.Message{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: mustMarshal(f, &l)},
		proto.Message{Header: proto.Header{Type: unix.RTM_NEWROUTE}, Data: kernelRoute()}))
	f.Fuzz(func(t *testing.T, b []byte) {
		it := proto.NewIter(b)
		for it.Next() {
			ev, ok, err := DecodeEvent(it.Message())
			if ok && err == nil {
				_ = ev.String()
			}
		}
	})
}

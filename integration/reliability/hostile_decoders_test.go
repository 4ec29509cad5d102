package reliability

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync/atomic"
	"testing"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/families/genl/knetlink"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// datagramDecoders are the decoders of whole datagrams; payloadDecoders those of one message's payload.
var datagramDecoders = []struct {
	name string
	fn   func(b []byte) error
}{
	{"proto.NewIter", func(b []byte) error {
		it := proto.NewIter(b)
		for it.Next() {
			_ = it.Message()
		}
		return it.Err()
	}},
	{"proto.ParseMessages", func(b []byte) error { _, err := proto.ParseMessages(b); return err }},
	{"proto.Message.UnmarshalBinary", func(b []byte) error { var m proto.Message; return m.UnmarshalBinary(b) }},
	{"proto.FormatDatagram", func(b []byte) error { _ = proto.FormatDatagram(b, rtmName); return nil }},
	{"proto.OK/Next/Data", func(b []byte) error {
		total := len(b)
		for n := 0; proto.OK(b); n++ {
			_ = proto.Data(b)
			b = proto.Next(b)
			if n > total {
				return errors.New("NLMSG_NEXT walk does not advance")
			}
		}
		return nil
	}},
}

// payloadDecoders take one message. Their names match hostileCase.decoder.
var payloadDecoders = []struct {
	name string
	fn   func(m proto.Message) error
}{
	{"ParseAck", func(m proto.Message) error {
		if m.Header.Type != proto.TypeDone {
			m.Header.Type = proto.TypeError
		}
		_, err := proto.ParseAck(m)
		return err
	}},
	{"ParseAck(NLMSG_DONE)", func(m proto.Message) error {
		m.Header.Type = proto.TypeDone
		_, err := proto.ParseAck(m)
		return err
	}},
	{"proto.Format", func(m proto.Message) error { _ = proto.Format(m); return nil }},
	{"proto.AppendFormat", func(m proto.Message) error {
		_ = proto.AppendFormat(nil, m, rtmName)
		m.Header.Type = proto.TypeError
		_ = proto.AppendFormat(nil, m, nil)
		m.Header.Type = proto.TypeDone
		_ = proto.AppendFormat(nil, m, nil)
		return nil
	}},
	{"Link", func(m proto.Message) error { var l route.Link; return l.UnmarshalBinary(m.Data) }},
	{"Addr", func(m proto.Message) error { var a route.Addr; return a.UnmarshalBinary(m.Data) }},
	{"Route", func(m proto.Message) error { var r route.Route; return r.UnmarshalBinary(m.Data) }},
	{"Neigh", func(m proto.Message) error { var n route.Neigh; return n.UnmarshalBinary(m.Data) }},
	{"Rule", func(m proto.Message) error { var r route.Rule; return r.UnmarshalBinary(m.Data) }},
	{"Nexthop", func(m proto.Message) error { var n route.Nexthop; return n.UnmarshalBinary(m.Data) }},
	{"NSID", func(m proto.Message) error { var n route.NSID; return n.UnmarshalBinary(m.Data) }},
	{"route.DecodeEvent", func(m proto.Message) error {
		var first error
		for _, typ := range []uint16{unix.RTM_NEWLINK, unix.RTM_DELADDR, unix.RTM_NEWROUTE, unix.RTM_DELNEIGH,
			unix.RTM_NEWRULE, unix.RTM_NEWNEXTHOP} {
			m.Header.Type = typ
			if _, _, err := route.DecodeEvent(m); err != nil && first == nil {
				first = err
			}
		}
		return first
	}},
	{"genl.ParseMessage", func(m proto.Message) error { _, err := genl.ParseMessage(m); return err }},
	{"genl.ParseFamily", func(m proto.Message) error {
		gm, err := genl.ParseMessage(m)
		if err != nil {
			return nil // not this decoder's input
		}
		_, err = genl.ParseFamily(gm)
		return err
	}},
	{"genl.Policy", func(m proto.Message) error {
		gm, err := genl.ParseMessage(m)
		if err != nil {
			return nil
		}
		var p genl.Policy
		return p.Decode(gm)
	}},
	{"knetlink.ParseEcho", func(m proto.Message) error {
		gm, err := genl.ParseMessage(m)
		if err != nil {
			return nil
		}
		gm.Header.Command = knetlink.CmdEcho
		_, err = knetlink.ParseEcho(gm)
		return err
	}},
	{"AttrDecoder walk", func(m proto.Message) error {
		// Walk the attributes after every fixed header size a family uses, into every nest, with every accessor.
		var first error
		for _, off := range []int{0, 4, 8, 12, 16} {
			b, err := proto.AttrsAfter(m.Data, off)
			if err != nil {
				continue
			}
			if err := walkAttrs(b, 0); err != nil && first == nil {
				first = err
			}
		}
		return first
	}},
	{"proto.ParseIndex", func(m proto.Message) error {
		var tb [64][]byte
		b, err := proto.AttrsAfter(m.Data, 16)
		if err != nil {
			return err
		}
		return proto.ParseIndex(tb[:], b)
	}},
	{"proto.ParseAttrs", func(m proto.Message) error { _, err := proto.ParseAttrs(m.Data); return err }},
	{"proto.AttrOK/AttrNext", func(m proto.Message) error {
		b := m.Data
		for n := 0; proto.AttrOK(b); n++ {
			_ = proto.AttrPayload(b)
			b = proto.AttrNext(b)
			if n > len(m.Data) {
				return errors.New("RTA_NEXT walk does not advance")
			}
		}
		return nil
	}},
}

// walkAttrs reads every attribute of b with every accessor and descends into what looks nested.
func walkAttrs(b []byte, depth int) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		_, _, _ = ad.Type(), ad.RawType(), ad.Len()
		_ = ad.String()
		_ = ad.Bytes()
		_ = ad.NetByteOrder()
		probe := ad // accessors that meet the wrong size record an error: probe a copy
		_, _, _, _, _ = probe.Uint8(), probe.Uint16(), probe.Uint32(), probe.Uint64(), probe.Uint()
		_, _, _, _ = probe.Int32(), probe.Int64(), probe.BE16(), probe.BE32()
		if depth < 8 && (ad.IsNested() || proto.AttrOK(ad.Bytes())) {
			nd := ad.Nested()
			if err := walkAttrs(nd.Bytes(), depth+1); err != nil && ad.IsNested() {
				return err
			}
			_ = walkAttrs(ad.Bytes(), depth+1)
		}
	}
	return ad.Err()
}

// ---- running decoders safely ----------------------------------------------------------------------------

// decodeStats counts what the decoders did with hostile input.
type decodeStats struct {
	inputs  atomic.Int64 // distinct inputs
	calls   atomic.Int64 // decoder calls
	panics  atomic.Int64
	untyped map[string]int // decoder -> untyped errors (a failure: bad input must get a typed error)
	first   []string       // the first panics, for the report
}

// call runs fn, turning a panic into a recorded failure.
func (s *decodeStats) call(t *testing.T, decoder string, input []byte, fn func() error) (err error, panicked bool) {
	s.calls.Add(1)
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			panicked = true
			if len(s.first) < 10 {
				s.first = append(s.first, fmt.Sprintf("%s panicked on %d bytes % x: %v\n%s", decoder, len(input),
					input[:min(len(input), 96)], r, debug.Stack()))
			}
		}
	}()
	err = fn()
	if err != nil && !isTyped(err) {
		if s.untyped == nil {
			s.untyped = map[string]int{}
		}
		s.untyped[decoder]++
	}
	return err, false
}

// feed runs every decoder on b: the datagram decoders on b, the payload decoders on every message of b and on
// b itself taken as a payload.
func (s *decodeStats) feed(t *testing.T, b []byte) {
	s.inputs.Add(1)
	for _, d := range datagramDecoders {
		s.call(t, d.name, b, func() error { return d.fn(b) })
	}
	msgs := []proto.Message{{Header: proto.Header{Type: unix.RTM_NEWLINK, Length: uint32(proto.Length(len(b)))}, Data: b}}
	it := proto.NewIter(b)
	for it.Next() {
		msgs = append(msgs, it.Message())
	}
	for _, m := range msgs {
		for _, d := range payloadDecoders {
			s.call(t, d.name, m.Data, func() error { return d.fn(m) })
		}
	}
}

func (s *decodeStats) report(t *testing.T) {
	t.Helper()
	for _, p := range s.first {
		t.Error(p)
	}
	if len(s.untyped) > 0 {
		t.Errorf("untyped (plain) errors by decoder: %v: bad input must get a typed error", s.untyped)
	}
}

// TestHostileDecoders feeds the table, every cut of it (MSG_TRUNC at every length), and deterministic mutations
// of valid messages to every decoder: each table entry must give the typed error it names, and nothing may
// panic.
func TestHostileDecoders(t *testing.T) {
	hostTest(t)
	var st decodeStats
	table := hostileTable()
	for _, c := range table {
		// The framing walk.
		for _, name := range []string{"proto.NewIter", "proto.ParseMessages"} {
			for _, d := range datagramDecoders {
				if d.name != name {
					continue
				}
				err, panicked := st.call(t, d.name, c.data, func() error { return d.fn(c.data) })
				if !panicked && !c.frame.match(err) {
					t.Errorf("%s: %s gave %v, want %v", c.name, name, err, c.frame)
				}
			}
		}
		// The payload decoder the case aims at, on the first message.
		if c.decoder != "" {
			it := proto.NewIter(c.data)
			if !it.Next() {
				t.Fatalf("%s: the table entry has no message: %v", c.name, it.Err())
			}
			m := it.Message()
			found := false
			for _, d := range payloadDecoders {
				if d.name != c.decoder {
					continue
				}
				found = true
				err, panicked := st.call(t, d.name, m.Data, func() error { return d.fn(m) })
				if !panicked && !c.want.match(err) {
					t.Errorf("%s: %s gave %v (%T), want %v", c.name, d.name, err, err, c.want)
				}
			}
			if !found {
				t.Fatalf("%s: no decoder %q", c.name, c.decoder)
			}
		}
		// Every decoder, on the datagram and on every cut of it.
		st.feed(t, c.data)
		step := 1
		if len(c.data) > 4096 { // the datagrams over 64 KiB: a sample of cuts
			step = len(c.data)/size(16, 64) + 1
		}
		for n := 0; n < len(c.data); n += step {
			st.feed(t, c.data[:n])
		}
	}
	tableInputs := st.inputs.Load()

	// Mutations of valid messages: flipped bytes, lengths rewritten at every aligned offset, cuts, splices.
	seeds := validSeeds()
	rounds := size(20_000, 500_000)
	if raceEnabled && !full {
		rounds = 4_000
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for range rounds {
		st.feed(t, mutate(rng, seeds[rng.IntN(len(seeds))], seeds))
	}
	st.report(t)

	t.Logf("hostile decoders: %d table inputs (%d cases and their cuts), %d mutations, %d decoder calls, %d panics",
		tableInputs, len(table), rounds, st.calls.Load(), st.panics.Load())
	addFigure("inputs_tried", st.inputs.Load())
	addFigure("decoder_calls", st.calls.Load())
	addFigure("panics", st.panics.Load())
	setFigure("hostile_table_cases", len(table))
	n := 0
	for _, v := range st.untyped {
		n += v
	}
	setFigure("decoder_untyped_errors", n)
}

// validSeeds are well-formed messages of every family the decoders know, to mutate.
func validSeeds() [][]byte {
	reqHdr := hdr(36, unix.RTM_NEWROUTE, proto.FlagRequest|proto.FlagAck)
	return [][]byte{
		msg(unix.RTM_NEWLINK, proto.FlagMulti, ifinfomsg(3), attr(unix.IFLA_IFNAME, cstr("veth0")),
			attr(unix.IFLA_MTU, u32(1500)), attr(unix.IFLA_ADDRESS, []byte{2, 0, 0, 0, 0, 1}),
			attr(unix.IFLA_STATS64, zeros(8*24)),
			attr(unix.IFLA_LINKINFO|proto.AttrNested, attr(unix.IFLA_INFO_KIND, cstr("veth")),
				attr(unix.IFLA_INFO_DATA|proto.AttrNested, attr(1, ifinfomsg(4), attr(unix.IFLA_IFNAME, cstr("veth1"))))),
			attr(unix.IFLA_AF_SPEC|proto.AttrNested, attr(unix.AF_INET6|proto.AttrNested, attr(8, []byte{1}))),
			attr(unix.IFLA_PROP_LIST|proto.AttrNested, attr(unix.IFLA_ALT_IFNAME, cstr("alternative")))),
		msg(unix.RTM_NEWLINK, 0, ifinfomsg(5), attr(unix.IFLA_IFNAME, cstr("br0")),
			attr(unix.IFLA_LINKINFO|proto.AttrNested, attr(unix.IFLA_INFO_KIND, cstr("bridge")),
				attr(unix.IFLA_INFO_DATA|proto.AttrNested, attr(1, u32(1500)), attr(7, u16(1))),
				attr(unix.IFLA_INFO_SLAVE_KIND, cstr("bond")), attr(unix.IFLA_INFO_SLAVE_DATA|proto.AttrNested, attr(1, []byte{1})))),
		msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_DST, []byte{10, 1, 2, 3}), attr(unix.RTA_OIF, u32(2)),
			attr(unix.RTA_PRIORITY, u32(100)), attr(unix.RTA_TABLE, u32(254)),
			attr(unix.RTA_METRICS|proto.AttrNested, attr(unix.RTAX_MTU, u32(1400)), attr(unix.RTAX_HOPLIMIT, u32(64))),
			attr(unix.RTA_MULTIPATH, rtnh(16, 2), attr(unix.RTA_GATEWAY, []byte{10, 0, 0, 1}), rtnh(8, 3)),
			attr(unix.RTA_VIA, u16(unix.AF_INET6), zeros(16)), attr(unix.RTA_CACHEINFO, zeros(32)),
			attr(unix.RTA_ENCAP_TYPE, u16(1)), attr(unix.RTA_ENCAP|proto.AttrNested, attr(1, u32(5)))),
		msg(unix.RTM_NEWADDR, 0, ifaddrmsg(), attr(unix.IFA_LOCAL, []byte{10, 0, 0, 1}),
			attr(unix.IFA_ADDRESS, []byte{10, 0, 0, 1}), attr(unix.IFA_LABEL, cstr("eth0")),
			attr(unix.IFA_CACHEINFO, zeros(16)), attr(unix.IFA_FLAGS, u32(0x80))),
		msg(unix.RTM_NEWNEIGH, 0, ndmsg(), attr(unix.NDA_DST, []byte{10, 0, 0, 2}),
			attr(unix.NDA_LLADDR, []byte{2, 0, 0, 0, 0, 2}), attr(unix.NDA_CACHEINFO, zeros(16)), attr(unix.NDA_PROBES, u32(1))),
		msg(unix.RTM_NEWRULE, 0, fibRuleHdr(), attr(unix.FRA_PRIORITY, u32(100)), attr(unix.FRA_TABLE, u32(100)),
			attr(unix.FRA_IIFNAME, cstr("eth0")), attr(unix.FRA_SPORT_RANGE, u16(1), u16(2)),
			attr(unix.FRA_UID_RANGE, u32(0), u32(10))),
		msg(unix.RTM_NEWNEXTHOP, 0, nhmsg(), attr(unix.NHA_ID, u32(7)),
			attr(unix.NHA_GROUP, u32(1), u16(0), u16(0), u32(2), u16(3), u16(0)), attr(unix.NHA_GROUP_TYPE, u16(0))),
		msg(proto.TypeError, fTLVs, nlmsgerr(22), reqHdr, rtmsg(), attr(unix.RTA_DST, u32(1)),
			attr(proto.ExtAckMsg, cstr("Invalid prefix for given prefix length")), attr(proto.ExtAckOffs, u32(28)),
			attr(proto.ExtAckMissType, u32(3)), attr(proto.ExtAckCookie, u32(9)),
			attr(proto.ExtAckPolicy|proto.AttrNested, attr(1, u32(3)))),
		msg(proto.TypeDone, proto.FlagMulti|fTLVs, u32(0), attr(proto.ExtAckMsg, cstr("done"))),
		msg(genl.IDCtrl, 0, genl.AppendFamily(genlhdr(genl.CtrlCmdNewFamily), genltest.Ctrl)),
		msg(genl.IDCtrl, 0, genlhdr(genl.CtrlCmdGetPolicy), attr(genl.CtrlAttrFamilyID, u16(0x10)),
			attr(genl.CtrlAttrPolicy|proto.AttrNested, attr(1|proto.AttrNested, attr(2|proto.AttrNested, attr(1, u32(3)), attr(2, u32(0))))),
			attr(genl.CtrlAttrOpPolicy|proto.AttrNested, attr(3|proto.AttrNested, attr(1, u32(1))))),
		cat(msg(unix.RTM_NEWLINK, proto.FlagMulti, ifinfomsg(1), attr(unix.IFLA_IFNAME, cstr("lo"))),
			msg(unix.RTM_NEWADDR, proto.FlagMulti, ifaddrmsg(), attr(unix.IFA_LOCAL, u32(1))),
			msg(proto.TypeDone, proto.FlagMulti, u32(0))),
	}
}

// mutate returns a corrupted copy of seed.
func mutate(rng *rand.Rand, seed []byte, seeds [][]byte) []byte {
	b := append([]byte(nil), seed...)
	for range 1 + rng.IntN(3) {
		if len(b) == 0 {
			return b
		}
		switch rng.IntN(8) {
		case 0: // flip a byte
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		case 1, 2: // rewrite a 16-bit length at an aligned offset (nla_len, rtnh_len)
			off := rng.IntN(len(b)/4+1) * 4
			if off+2 <= len(b) {
				binary.NativeEndian.PutUint16(b[off:], interesting16(rng))
			}
		case 3: // rewrite nlmsg_len
			if len(b) >= 4 {
				binary.NativeEndian.PutUint32(b, uint32(interesting16(rng)))
			}
		case 4: // cut (MSG_TRUNC)
			b = b[:rng.IntN(len(b))]
		case 5: // insert junk
			off := rng.IntN(len(b) + 1)
			junk := make([]byte, 1+rng.IntN(7))
			for i := range junk {
				junk[i] = byte(rng.Uint32())
			}
			b = append(b[:off], append(junk, b[off:]...)...)
		case 6: // splice in part of another seed
			o := seeds[rng.IntN(len(seeds))]
			i := rng.IntN(len(o))
			b = append(b[:rng.IntN(len(b))], o[i:]...)
		case 7: // set NLA_F_NESTED on an attribute type
			off := rng.IntN(len(b)/4+1)*4 + 2
			if off+2 <= len(b) {
				b[off+1] ^= 0x80
			}
		}
	}
	return b
}

func interesting16(rng *rand.Rand) uint16 {
	vals := []uint16{0, 1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 17, 20, 0x7fff, 0x8000, 0xfff0, 0xffff}
	if rng.IntN(4) == 0 {
		return uint16(rng.Uint32())
	}
	return vals[rng.IntN(len(vals))]
}

// rtmName names a few rtnetlink types for the formatters.
func rtmName(t uint16) string {
	switch t {
	case unix.RTM_NEWLINK:
		return "RTM_NEWLINK"
	case unix.RTM_NEWROUTE:
		return "RTM_NEWROUTE"
	case unix.RTM_NEWADDR:
		return "RTM_NEWADDR"
	}
	return ""
}

package tc

import (
	"errors"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
)

// HTB is the options of the htb qdisc: TCA_HTB_INIT (struct tc_htb_glob), TCA_HTB_DIRECT_QLEN and
// TCA_HTB_OFFLOAD.
type HTB struct {
	// Version is tc_htb_glob.version: 3 in requests; dumps carry HTB_VER (3<<16|17: tc prints "ver 3.17"),
	// which a request sends as its major (the kernel refuses any version but 3), so a dumped qdisc can be
	// sent back as it is.
	Version uint32
	// Rate2Quantum is rate2quantum ("r2q"): a class's default quantum is its rate over it (tc's default 10).
	Rate2Quantum uint32
	// Default is defcls: the minor of the class unclassified traffic goes to ("default 10" is 0x10).
	Default uint32
	// Debug is debug.
	Debug uint32
	// DirectPackets is direct_pkts: packets sent directly (dumps only).
	DirectPackets uint32
	// DirectQlen is TCA_HTB_DIRECT_QLEN, sent when HasDirectQlen.
	DirectQlen    uint32
	HasDirectQlen bool
	// Offload is TCA_HTB_OFFLOAD.
	Offload bool
}

// Kind is "htb".
func (*HTB) Kind() string { return "htb" }

// NewHTB returns htb options as tc sets them: version 3, r2q 10, and the default class minor.
func NewHTB(defaultMinor uint32) *HTB {
	return &HTB{Version: 3, Rate2Quantum: 10, Default: defaultMinor}
}

// MarshalOptions encodes the attributes.
func (h *HTB) MarshalOptions() ([]byte, error) {
	ae := proto.NewAttrEncoder(nil)
	b := make([]byte, 20)
	ver := h.Version
	if ver > 0xffff {
		ver >>= 16
	}
	for i, v := range [...]uint32{ver, h.Rate2Quantum, h.Default, h.Debug, h.DirectPackets} {
		ne.PutUint32(b[4*i:], v)
	}
	ae.Raw(kconst.TCA_HTB_INIT, b)
	if h.HasDirectQlen {
		ae.Uint32(kconst.TCA_HTB_DIRECT_QLEN, h.DirectQlen)
	}
	if h.Offload {
		ae.Flag(kconst.TCA_HTB_OFFLOAD)
	}
	return ae.Bytes(), nil
}

// UnmarshalOptions decodes the attributes.
func (h *HTB) UnmarshalOptions(b []byte) error {
	*h = HTB{}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case kconst.TCA_HTB_INIT:
			d := ad.Bytes()
			if len(d) < 20 {
				return errShort("tc_htb_glob", len(d), 20)
			}
			h.Version, h.Rate2Quantum, h.Default = ne.Uint32(d), ne.Uint32(d[4:]), ne.Uint32(d[8:])
			h.Debug, h.DirectPackets = ne.Uint32(d[12:]), ne.Uint32(d[16:])
		case kconst.TCA_HTB_DIRECT_QLEN:
			h.DirectQlen, h.HasDirectQlen = ad.Uint32(), true
		case kconst.TCA_HTB_OFFLOAD:
			h.Offload = true
		}
	}
	return ad.Err()
}

// HTBClass is the options of an htb class: TCA_HTB_PARMS (struct tc_htb_opt), TCA_HTB_RATE64, TCA_HTB_CEIL64
// and in requests the rate tables TCA_HTB_RTAB and TCA_HTB_CTAB. NewHTBClass computes them as tc does.
type HTBClass struct {
	// Rate and Ceil are tc_htb_opt.rate and .ceil; Rate64 and Ceil64 are TCA_HTB_RATE64 and TCA_HTB_CEIL64,
	// the rates in bytes per second when they need 64 bits (0 otherwise).
	Rate, Ceil     RateSpec
	Rate64, Ceil64 uint64
	// Buffer and CBuffer are buffer and cbuffer: the burst and ceil burst as transmit times in ticks
	// (Psched.XmitSize gives the bytes, as tc prints them).
	Buffer, CBuffer uint32
	// Quantum is quantum; Level is level (dumps); Prio is prio.
	Quantum, Level, Prio uint32
	// RTab and CTab are TCA_HTB_RTAB and TCA_HTB_CTAB, sent when set.
	RTab, CTab *[256]uint32
	// Offload is TCA_HTB_OFFLOAD.
	Offload bool
}

// Kind is "htb".
func (*HTBClass) Kind() string { return "htb" }

// RateBps is the class's rate in bytes per second.
func (c *HTBClass) RateBps() uint64 { return rate64(c.Rate, c.Rate64) }

// CeilBps is the class's ceil in bytes per second.
func (c *HTBClass) CeilBps() uint64 { return rate64(c.Ceil, c.Ceil64) }

// HTBClassParams are what `tc class add ... htb` takes.
type HTBClassParams struct {
	// Rate and Ceil in bytes per second (Ceil 0: Rate).
	Rate, Ceil uint64
	// Burst and CBurst in bytes (0: tc's default, the rate over HZ plus the MTU).
	Burst, CBurst uint32
	// MTU (0: 1600), MPU and Overhead as tc's mtu, mpu and overhead.
	MTU      uint32
	MPU      uint16
	Overhead uint16
	// Prio and Quantum as tc's prio and quantum.
	Prio, Quantum uint32
	// LinkLayer (0: ethernet).
	LinkLayer LinkLayer
}

// NewHTBClass computes an htb class's options as tc's htb_parse_class_opt does, with p's clock and hz the
// kernel's timer frequency as tc's get_hz reads it (1000000000 on a high-resolution kernel).
func NewHTBClass(cp HTBClassParams, p Psched, hz uint32) (*HTBClass, error) {
	if cp.Rate == 0 {
		return nil, errors.New("tc: htb class: rate is required")
	}
	if cp.Ceil == 0 {
		cp.Ceil = cp.Rate
	}
	if cp.MTU == 0 {
		cp.MTU = 1600
	}
	if cp.LinkLayer == 0 {
		cp.LinkLayer = LinkLayerEthernet
	}
	if hz == 0 {
		hz = 1000000000
	}
	c := &HTBClass{Prio: cp.Prio, Quantum: cp.Quantum}
	c.Rate.Rate, c.Ceil.Rate = rate32(cp.Rate), rate32(cp.Ceil)
	if cp.Rate >= 1<<32 {
		c.Rate64 = cp.Rate
	}
	if cp.Ceil >= 1<<32 {
		c.Ceil64 = cp.Ceil
	}
	if cp.Burst == 0 {
		cp.Burst = uint32(cp.Rate/uint64(hz)) + cp.MTU
	}
	if cp.CBurst == 0 {
		cp.CBurst = uint32(cp.Ceil/uint64(hz)) + cp.MTU
	}
	c.Rate.Overhead, c.Ceil.Overhead = cp.Overhead, cp.Overhead
	c.Rate.MPU, c.Ceil.MPU = cp.MPU, cp.MPU
	rt := p.RateTable(&c.Rate, cp.Rate, -1, cp.MTU, cp.LinkLayer)
	c.Buffer = p.XmitTime(cp.Rate, cp.Burst)
	ct := p.RateTable(&c.Ceil, cp.Ceil, -1, cp.MTU, cp.LinkLayer)
	c.CBuffer = p.XmitTime(cp.Ceil, cp.CBurst)
	c.RTab, c.CTab = &rt, &ct
	return c, nil
}

// MarshalOptions encodes the attributes as tc orders them.
func (c *HTBClass) MarshalOptions() ([]byte, error) {
	ae := proto.NewAttrEncoder(nil)
	if c.Rate64 != 0 {
		ae.Uint64(kconst.TCA_HTB_RATE64, c.Rate64)
	}
	if c.Ceil64 != 0 {
		ae.Uint64(kconst.TCA_HTB_CEIL64, c.Ceil64)
	}
	b := make([]byte, 2*sizeofRateSpec+20)
	c.Rate.put(b)
	c.Ceil.put(b[sizeofRateSpec:])
	for i, v := range [...]uint32{c.Buffer, c.CBuffer, c.Quantum, c.Level, c.Prio} {
		ne.PutUint32(b[2*sizeofRateSpec+4*i:], v)
	}
	ae.Raw(kconst.TCA_HTB_PARMS, b)
	if c.RTab != nil {
		ae.Raw(kconst.TCA_HTB_RTAB, table(c.RTab))
	}
	if c.CTab != nil {
		ae.Raw(kconst.TCA_HTB_CTAB, table(c.CTab))
	}
	if c.Offload {
		ae.Flag(kconst.TCA_HTB_OFFLOAD)
	}
	return ae.Bytes(), nil
}

// UnmarshalOptions decodes the attributes.
func (c *HTBClass) UnmarshalOptions(b []byte) error {
	*c = HTBClass{}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case kconst.TCA_HTB_PARMS:
			d := ad.Bytes()
			if len(d) < 2*sizeofRateSpec+20 {
				return errShort("tc_htb_opt", len(d), 2*sizeofRateSpec+20)
			}
			c.Rate.get(d)
			c.Ceil.get(d[sizeofRateSpec:])
			d = d[2*sizeofRateSpec:]
			c.Buffer, c.CBuffer, c.Quantum = ne.Uint32(d), ne.Uint32(d[4:]), ne.Uint32(d[8:])
			c.Level, c.Prio = ne.Uint32(d[12:]), ne.Uint32(d[16:])
		case kconst.TCA_HTB_RATE64:
			c.Rate64 = ad.Uint64()
		case kconst.TCA_HTB_CEIL64:
			c.Ceil64 = ad.Uint64()
		case kconst.TCA_HTB_RTAB, kconst.TCA_HTB_CTAB:
			t, err := readTable(ad.Bytes())
			if err != nil {
				return err
			}
			if ad.Type() == kconst.TCA_HTB_RTAB {
				c.RTab = t
			} else {
				c.CTab = t
			}
		case kconst.TCA_HTB_OFFLOAD:
			c.Offload = true
		}
	}
	return ad.Err()
}

// HTBXStats is struct tc_htb_xstats, an htb class's XStats.
type HTBXStats struct {
	// Lends, Borrows and Giants are lends, borrows and giants; Tokens and CTokens are tokens and ctokens.
	Lends, Borrows, Giants uint32
	Tokens, CTokens        int32
}

// DecodeHTBXStats decodes an htb class's XStats.
func DecodeHTBXStats(b []byte) (HTBXStats, error) {
	if len(b) < 20 {
		return HTBXStats{}, errShort("tc_htb_xstats", len(b), 20)
	}
	return HTBXStats{Lends: ne.Uint32(b), Borrows: ne.Uint32(b[4:]), Giants: ne.Uint32(b[8:]),
		Tokens: int32(ne.Uint32(b[12:])), CTokens: int32(ne.Uint32(b[16:]))}, nil
}

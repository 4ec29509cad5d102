package tc

import (
	"encoding/binary"
	"fmt"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
)

// sizeofTcmsg is sizeof(struct tcmsg).
const sizeofTcmsg = 20

var ne = binary.NativeEndian

// Object is what qdiscs, classes and filters share: struct tcmsg and the TCA_* attributes of RTM_NEWQDISC,
// RTM_NEWTCLASS and RTM_NEWTFILTER. Zero fields were absent.
type Object struct {
	// Family is tcm_family (AF_UNSPEC).
	Family uint8
	// Ifindex is tcm_ifindex: the device; TCM_IFINDEX_MAGIC_BLOCK (0xffffffff) with Parent the block index for
	// a shared block's filters.
	Ifindex int32
	// Handle is tcm_handle: the qdisc's handle ("1:"), the class id ("1:10"), or the filter's handle (its meaning
	// is the classifier's: a u32 key, an fw mark...).
	Handle Handle
	// Parent is tcm_parent: HandleRoot, HandleIngress, or the parent qdisc or class.
	Parent Handle
	// Info is tcm_info: a qdisc's reference count in dumps; a filter's priority and protocol (see Filter).
	Info uint32
	// Kind is TCA_KIND: "htb", "fq_codel", "u32"...
	Kind string
	// Options is TCA_OPTIONS decoded by Kind: a typed value (*HTB, *TBF...) for the kinds nlkit knows, *Raw for
	// the others; nil when absent. Requests send it as it is, and no TCA_OPTIONS when it encodes to nil.
	Options Options
	// Stats are TCA_STATS2 (struct gnet_stats_basic, gnet_stats_queue, gnet_stats_rate_est): nil when absent.
	Stats *Stats
	// XStats is the kind's own statistics: TCA_STATS2/TCA_STATS_APP, or TCA_XSTATS when there is none; see
	// the kinds' XStats decoders (HTBXStats...).
	XStats []byte
	// Chain is TCA_CHAIN, valid when HasChain: a filter's chain index.
	Chain    uint32
	HasChain bool
	// HwOffload is TCA_HW_OFFLOAD: the qdisc is offloaded to hardware.
	HwOffload bool
	// IngressBlock and EgressBlock are TCA_INGRESS_BLOCK and TCA_EGRESS_BLOCK: the shared blocks of an ingress
	// or clsact qdisc (0: none).
	IngressBlock, EgressBlock uint32
	// Estimator is TCA_RATE (struct tc_estimator), sent in requests to attach a rate estimator; nil: none.
	Estimator *Estimator
	// ExtWarning is TCA_EXT_WARN_MSG: a warning the kernel attaches to a dumped object (6.3 and later).
	ExtWarning string
}

// Estimator is struct tc_estimator (TCA_RATE): a rate estimator with an interval of 2^(Interval+2) ms... as tc's
// "estimator INTERVAL TIME_CONST" sets.
type Estimator struct {
	// Interval is tc_estimator.interval; TimeConstant is tc_estimator.ewma_log.
	Interval     int8
	TimeConstant uint8
}

// Stats are the generic statistics of TCA_STATS2 (gen_stats.h).
type Stats struct {
	// Bytes and Packets are TCA_STATS_BASIC (struct gnet_stats_basic), Packets widened by TCA_STATS_PKT64.
	Bytes, Packets uint64
	// HasBasic says TCA_STATS_BASIC was present.
	HasBasic bool
	// HwBytes and HwPackets are TCA_STATS_BASIC_HW: what hardware sent; HasBasicHw says it was present.
	HwBytes, HwPackets uint64
	HasBasicHw         bool
	// Qlen, Backlog, Drops, Requeues and Overlimits are TCA_STATS_QUEUE (struct gnet_stats_queue); HasQueue
	// says it was present.
	Qlen, Backlog, Drops, Requeues, Overlimits uint32
	HasQueue                                   bool
	// RateBps and RatePps are TCA_STATS_RATE_EST64 (or TCA_STATS_RATE_EST): the estimated rate in bytes and
	// packets per second; HasRate says either was present, Rate64 that it was the 64-bit one.
	RateBps, RatePps uint64
	HasRate, Rate64  bool
}

// decodeStats2 decodes TCA_STATS2 into s and returns TCA_STATS_APP.
func decodeStats2(b []byte, s *Stats) ([]byte, error) {
	var app []byte
	pkt64 := false
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		d := ad.Bytes()
		switch ad.Type() {
		case kconst.TCA_STATS_BASIC:
			if len(d) < 12 {
				return nil, errShort("TCA_STATS_BASIC", len(d), 12)
			}
			s.Bytes, s.HasBasic = ne.Uint64(d), true
			if !pkt64 {
				s.Packets = uint64(ne.Uint32(d[8:]))
			}
		case kconst.TCA_STATS_PKT64:
			s.Packets, pkt64 = ad.Uint64(), true
		case kconst.TCA_STATS_BASIC_HW:
			if len(d) < 12 {
				return nil, errShort("TCA_STATS_BASIC_HW", len(d), 12)
			}
			s.HwBytes, s.HwPackets, s.HasBasicHw = ne.Uint64(d), uint64(ne.Uint32(d[8:])), true
		case kconst.TCA_STATS_QUEUE:
			if len(d) < 20 {
				return nil, errShort("TCA_STATS_QUEUE", len(d), 20)
			}
			s.Qlen, s.Backlog, s.Drops = ne.Uint32(d), ne.Uint32(d[4:]), ne.Uint32(d[8:])
			s.Requeues, s.Overlimits, s.HasQueue = ne.Uint32(d[12:]), ne.Uint32(d[16:]), true
		case kconst.TCA_STATS_RATE_EST:
			if s.Rate64 {
				continue
			}
			if len(d) < 8 {
				return nil, errShort("TCA_STATS_RATE_EST", len(d), 8)
			}
			s.RateBps, s.RatePps, s.HasRate = uint64(ne.Uint32(d)), uint64(ne.Uint32(d[4:])), true
		case kconst.TCA_STATS_RATE_EST64:
			if len(d) < 16 {
				return nil, errShort("TCA_STATS_RATE_EST64", len(d), 16)
			}
			s.RateBps, s.RatePps, s.HasRate, s.Rate64 = ne.Uint64(d), ne.Uint64(d[8:]), true, true
		case kconst.TCA_STATS_APP:
			app = d
		}
	}
	return app, ad.Err()
}

// appendStats2 encodes s as TCA_STATS2's contents (for tests and fakes: the kernel ignores it in requests).
func appendStats2(ae *proto.AttrEncoder, s *Stats, app []byte) {
	if s.HasBasic {
		b := make([]byte, 16)
		ne.PutUint64(b, s.Bytes)
		ne.PutUint32(b[8:], uint32(s.Packets))
		ae.Raw(kconst.TCA_STATS_BASIC, b)
		if s.Packets > 0xffffffff {
			ae.Uint64(kconst.TCA_STATS_PKT64, s.Packets)
		}
	}
	if s.HasBasicHw {
		b := make([]byte, 16)
		ne.PutUint64(b, s.HwBytes)
		ne.PutUint32(b[8:], uint32(s.HwPackets))
		ae.Raw(kconst.TCA_STATS_BASIC_HW, b)
	}
	if s.HasQueue {
		b := make([]byte, 20)
		for i, v := range [...]uint32{s.Qlen, s.Backlog, s.Drops, s.Requeues, s.Overlimits} {
			ne.PutUint32(b[4*i:], v)
		}
		ae.Raw(kconst.TCA_STATS_QUEUE, b)
	}
	if s.HasRate {
		if s.Rate64 {
			b := make([]byte, 16)
			ne.PutUint64(b, s.RateBps)
			ne.PutUint64(b[8:], s.RatePps)
			ae.Raw(kconst.TCA_STATS_RATE_EST64, b)
		} else {
			b := make([]byte, 8)
			ne.PutUint32(b, uint32(s.RateBps))
			ne.PutUint32(b[4:], uint32(s.RatePps))
			ae.Raw(kconst.TCA_STATS_RATE_EST, b)
		}
	}
	if app != nil {
		ae.Raw(kconst.TCA_STATS_APP, app)
	}
}

// objectClass says which kinds' options an Object carries: a qdisc's, a class's or a filter's.
type objectClass uint8

const (
	classQdisc objectClass = iota
	classClass
	classFilter
)

// decode decodes struct tcmsg and the TCA_* attributes into o, replacing it; the options are typed by cls.
func (o *Object) decode(b []byte, cls objectClass) error {
	*o = Object{}
	if len(b) < sizeofTcmsg {
		return errShort("struct tcmsg", len(b), sizeofTcmsg)
	}
	o.Family = b[0]
	o.Ifindex = int32(ne.Uint32(b[4:]))
	o.Handle = Handle(ne.Uint32(b[8:]))
	o.Parent = Handle(ne.Uint32(b[12:]))
	o.Info = ne.Uint32(b[16:])
	var opts []byte
	hasOpts := false
	var xstats, app []byte
	ad := proto.NewAttrDecoder(b[sizeofTcmsg:])
	for ad.Next() {
		switch ad.Type() {
		case kconst.TCA_KIND:
			o.Kind = ad.String()
		case kconst.TCA_OPTIONS:
			opts, hasOpts = ad.Bytes(), true
		case kconst.TCA_STATS2:
			o.Stats = &Stats{}
			var err error
			if app, err = decodeStats2(ad.Bytes(), o.Stats); err != nil {
				return fmt.Errorf("TCA_STATS2: %w", err)
			}
		case kconst.TCA_XSTATS:
			xstats = ad.Bytes()
		case kconst.TCA_CHAIN:
			o.Chain, o.HasChain = ad.Uint32(), true
		case kconst.TCA_HW_OFFLOAD:
			o.HwOffload = ad.Uint8() != 0
		case kconst.TCA_INGRESS_BLOCK:
			o.IngressBlock = ad.Uint32()
		case kconst.TCA_EGRESS_BLOCK:
			o.EgressBlock = ad.Uint32()
		case kconst.TCA_RATE:
			if d := ad.Bytes(); len(d) >= 2 {
				o.Estimator = &Estimator{Interval: int8(d[0]), TimeConstant: d[1]}
			}
		case kconst.TCA_EXT_WARN_MSG:
			o.ExtWarning = ad.String()
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	if app == nil {
		app = xstats
	}
	if app != nil {
		o.XStats = append([]byte(nil), app...)
	}
	if hasOpts {
		o.Options = newOptions(cls, o.Kind)
		if err := o.Options.UnmarshalOptions(opts); err != nil {
			return &OptionsError{Kind: o.Kind, Err: err}
		}
	}
	return nil
}

// OptionsError reports TCA_OPTIONS that the kind's decoder could not read.
type OptionsError struct {
	// Kind is TCA_KIND.
	Kind string
	// Err is the cause.
	Err error
}

// Error prints "KIND options: cause".
func (e *OptionsError) Error() string { return e.Kind + " options: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *OptionsError) Unwrap() error { return e.Err }

// encode appends struct tcmsg and the attributes of a request (or, with stats, of a dump reply as a fake
// kernel sends it) to b.
// flatOptions is implemented by the options whose TCA_OPTIONS starts with a C struct (tc_fifo_qopt,
// tc_prio_qopt, tc_netem_qopt, tc_sfq_qopt_v1, tc_hfsc_qopt, pfifo_fast's priomap) and by Raw: tc sends them
// with addattr_l, without NLA_F_NESTED. Every other kind's TCA_OPTIONS is a list of attributes that tc opens
// with addattr_nest, NLA_F_NESTED set, and the kernels that parse it strictly (ets, its classes...) refuse it
// without the flag.
type flatOptions interface{ flatOptions() }

func (*FIFO) flatOptions()      {}
func (*PfifoFast) flatOptions() {}
func (*Prio) flatOptions()      {}
func (*Netem) flatOptions()     {}
func (*SFQ) flatOptions()       {}
func (*HFSC) flatOptions()      {}
func (*Raw) flatOptions()       {}

func (o *Object) encode(b []byte, withStats bool) ([]byte, error) {
	var hdr [sizeofTcmsg]byte
	hdr[0] = o.Family
	ne.PutUint32(hdr[4:], uint32(o.Ifindex))
	ne.PutUint32(hdr[8:], uint32(o.Handle))
	ne.PutUint32(hdr[12:], uint32(o.Parent))
	ne.PutUint32(hdr[16:], o.Info)
	b = append(b, hdr[:]...)
	ae := proto.NewAttrEncoder(b)
	kind := o.Kind
	if kind == "" && o.Options != nil {
		kind = o.Options.Kind()
	}
	if o.Options != nil && o.Options.Kind() != kind {
		return nil, fmt.Errorf("tc: options of kind %q for an object of kind %q", o.Options.Kind(), kind)
	}
	if kind != "" {
		ae.String(kconst.TCA_KIND, kind)
	}
	if o.HasChain {
		ae.Uint32(kconst.TCA_CHAIN, o.Chain)
	}
	if o.IngressBlock != 0 {
		ae.Uint32(kconst.TCA_INGRESS_BLOCK, o.IngressBlock)
	}
	if o.EgressBlock != 0 {
		ae.Uint32(kconst.TCA_EGRESS_BLOCK, o.EgressBlock)
	}
	if o.Estimator != nil {
		ae.Raw(kconst.TCA_RATE, []byte{byte(o.Estimator.Interval), o.Estimator.TimeConstant})
	}
	if o.Options != nil {
		ob, err := o.Options.MarshalOptions()
		if err != nil {
			return nil, &OptionsError{Kind: kind, Err: err}
		}
		// In a request, nil options (a fifo without a limit, ingress, clsact) send no TCA_OPTIONS: fifo refuses
		// an empty one. A dump (MarshalBinary) keeps the empty nest the kernel sends for ingress and clsact.
		if ob != nil || withStats {
			typ := uint16(kconst.TCA_OPTIONS)
			if _, flat := o.Options.(flatOptions); !flat {
				typ |= proto.AttrNested
			}
			ae.Raw(typ, ob)
		}
	}
	if withStats {
		if o.HwOffload {
			ae.Uint8(kconst.TCA_HW_OFFLOAD, 1)
		}
		if o.Stats != nil {
			off := ae.Nest(kconst.TCA_STATS2)
			appendStats2(ae, o.Stats, o.XStats)
			ae.End(off)
		} else if o.XStats != nil {
			ae.Raw(kconst.TCA_XSTATS, o.XStats)
		}
		if o.ExtWarning != "" {
			ae.String(kconst.TCA_EXT_WARN_MSG, o.ExtWarning)
		}
	}
	return ae.Bytes(), nil
}

func errShort(what string, have, want int) error {
	return fmt.Errorf("%s of %d bytes, want %d: %w", what, have, want,
		&proto.MessageError{Kind: proto.ErrShortPayload, Length: uint32(have), Available: have})
}

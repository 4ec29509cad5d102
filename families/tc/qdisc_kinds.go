package tc

import (
	"encoding/binary"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
)

// FQCodel is the options of the fq_codel qdisc (TCA_FQ_CODEL_*); times are microseconds.
type FQCodel struct {
	Target              *uint32 `tca:"1"`  // TCA_FQ_CODEL_TARGET
	Limit               *uint32 `tca:"2"`  // TCA_FQ_CODEL_LIMIT
	Interval            *uint32 `tca:"3"`  // TCA_FQ_CODEL_INTERVAL
	ECN                 *uint32 `tca:"4"`  // TCA_FQ_CODEL_ECN
	Flows               *uint32 `tca:"5"`  // TCA_FQ_CODEL_FLOWS
	Quantum             *uint32 `tca:"6"`  // TCA_FQ_CODEL_QUANTUM
	CEThreshold         *uint32 `tca:"7"`  // TCA_FQ_CODEL_CE_THRESHOLD
	DropBatchSize       *uint32 `tca:"8"`  // TCA_FQ_CODEL_DROP_BATCH_SIZE
	MemoryLimit         *uint32 `tca:"9"`  // TCA_FQ_CODEL_MEMORY_LIMIT
	CEThresholdSelector *uint8  `tca:"10"` // TCA_FQ_CODEL_CE_THRESHOLD_SELECTOR
	CEThresholdMask     *uint8  `tca:"11"` // TCA_FQ_CODEL_CE_THRESHOLD_MASK
}

// Kind is "fq_codel".
func (*FQCodel) Kind() string { return "fq_codel" }

// MarshalOptions encodes the attributes.
func (o *FQCodel) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *FQCodel) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// Codel is the options of the codel qdisc (TCA_CODEL_*); times are microseconds.
type Codel struct {
	Target      *uint32 `tca:"1"` // TCA_CODEL_TARGET
	Limit       *uint32 `tca:"2"` // TCA_CODEL_LIMIT
	Interval    *uint32 `tca:"3"` // TCA_CODEL_INTERVAL
	ECN         *uint32 `tca:"4"` // TCA_CODEL_ECN
	CEThreshold *uint32 `tca:"5"` // TCA_CODEL_CE_THRESHOLD
}

// Kind is "codel".
func (*Codel) Kind() string { return "codel" }

// MarshalOptions encodes the attributes.
func (o *Codel) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *Codel) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// FQ is the options of the fq qdisc (TCA_FQ_*); rates in bytes per second, times in microseconds (the
// horizon) or nanoseconds (the CE threshold, the timer slack), as the kernel takes them.
type FQ struct {
	PLimit           *uint32  `tca:"1"`  // TCA_FQ_PLIMIT
	FlowPLimit       *uint32  `tca:"2"`  // TCA_FQ_FLOW_PLIMIT
	Quantum          *uint32  `tca:"3"`  // TCA_FQ_QUANTUM
	InitialQuantum   *uint32  `tca:"4"`  // TCA_FQ_INITIAL_QUANTUM
	RateEnable       *uint32  `tca:"5"`  // TCA_FQ_RATE_ENABLE
	FlowDefaultRate  *uint32  `tca:"6"`  // TCA_FQ_FLOW_DEFAULT_RATE
	FlowMaxRate      *uint32  `tca:"7"`  // TCA_FQ_FLOW_MAX_RATE
	BucketsLog       *uint32  `tca:"8"`  // TCA_FQ_BUCKETS_LOG
	FlowRefillDelay  *uint32  `tca:"9"`  // TCA_FQ_FLOW_REFILL_DELAY
	OrphanMask       *uint32  `tca:"10"` // TCA_FQ_ORPHAN_MASK
	LowRateThreshold *uint32  `tca:"11"` // TCA_FQ_LOW_RATE_THRESHOLD
	CEThreshold      *uint32  `tca:"12"` // TCA_FQ_CE_THRESHOLD
	TimerSlack       *uint32  `tca:"13"` // TCA_FQ_TIMER_SLACK
	Horizon          *uint32  `tca:"14"` // TCA_FQ_HORIZON
	HorizonDrop      *uint8   `tca:"15"` // TCA_FQ_HORIZON_DROP
	PrioMap          *PrioMap `tca:"16"` // TCA_FQ_PRIOMAP (struct tc_prio_qopt)
	Weights          []byte   `tca:"17"` // TCA_FQ_WEIGHTS (s32 per band)
}

// Kind is "fq".
func (*FQ) Kind() string { return "fq" }

// MarshalOptions encodes the attributes.
func (o *FQ) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *FQ) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// Cake is the options of the cake qdisc (TCA_CAKE_*).
type Cake struct {
	BaseRate64   *uint64 `tca:"2"`  // TCA_CAKE_BASE_RATE64 (bytes per second)
	DiffservMode *uint32 `tca:"3"`  // TCA_CAKE_DIFFSERV_MODE (CAKE_DIFFSERV_*)
	ATM          *uint32 `tca:"4"`  // TCA_CAKE_ATM (CAKE_ATM_*)
	FlowMode     *uint32 `tca:"5"`  // TCA_CAKE_FLOW_MODE (CAKE_FLOW_*)
	Overhead     *int32  `tca:"6"`  // TCA_CAKE_OVERHEAD
	RTT          *uint32 `tca:"7"`  // TCA_CAKE_RTT (microseconds)
	Target       *uint32 `tca:"8"`  // TCA_CAKE_TARGET (microseconds)
	Autorate     *uint32 `tca:"9"`  // TCA_CAKE_AUTORATE
	Memory       *uint32 `tca:"10"` // TCA_CAKE_MEMORY
	NAT          *uint32 `tca:"11"` // TCA_CAKE_NAT
	Raw          *uint32 `tca:"12"` // TCA_CAKE_RAW
	Wash         *uint32 `tca:"13"` // TCA_CAKE_WASH
	MPU          *uint32 `tca:"14"` // TCA_CAKE_MPU
	Ingress      *uint32 `tca:"15"` // TCA_CAKE_INGRESS
	AckFilter    *uint32 `tca:"16"` // TCA_CAKE_ACK_FILTER (CAKE_ACK_*)
	SplitGSO     *uint32 `tca:"17"` // TCA_CAKE_SPLIT_GSO
	FWMark       *uint32 `tca:"18"` // TCA_CAKE_FWMARK
}

// Kind is "cake".
func (*Cake) Kind() string { return "cake" }

// MarshalOptions encodes the attributes.
func (o *Cake) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *Cake) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// REDQopt is struct tc_red_qopt.
type REDQopt struct {
	Limit, QthMin, QthMax       uint32
	Wlog, Plog, ScellLog, Flags uint8
}

// Bitfield32 is struct nla_bitfield32: the bits of Value that Selector selects.
type Bitfield32 struct {
	Value, Selector uint32
}

// RED is the options of the red qdisc (TCA_RED_*).
type RED struct {
	Parms          *REDQopt    `tca:"1"` // TCA_RED_PARMS
	Stab           []byte      `tca:"2"` // TCA_RED_STAB (256 bytes, requests)
	MaxP           *uint32     `tca:"3"` // TCA_RED_MAX_P
	Flags          *Bitfield32 `tca:"4"` // TCA_RED_FLAGS
	EarlyDropBlock *uint32     `tca:"5"` // TCA_RED_EARLY_DROP_BLOCK
	MarkBlock      *uint32     `tca:"6"` // TCA_RED_MARK_BLOCK
}

// Kind is "red".
func (*RED) Kind() string { return "red" }

// MarshalOptions encodes the attributes.
func (o *RED) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *RED) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// SFQ is the options of the sfq qdisc: struct tc_sfq_qopt, and the rest of struct tc_sfq_qopt_v1 when V1.
type SFQ struct {
	// Quantum, PerturbPeriod, Limit, Divisor and Flows are struct tc_sfq_qopt.
	Quantum       uint32
	PerturbPeriod int32
	Limit         uint32
	Divisor       uint32
	Flows         uint32
	// V1 says the v1 fields are present (the kernel dumps them; tc sends them).
	V1 bool
	// Depth, Headdrop, and the SFQRED parameters of struct tc_sfq_qopt_v1.
	Depth, Headdrop                uint32
	REDLimit, QthMin, QthMax       uint32
	Wlog, Plog, ScellLog, REDFlags uint8
	MaxP                           uint32
	// Stats is struct tc_sfqred_stats: prob_drop, forced_drop, prob_mark, forced_mark, prob_mark_head,
	// forced_mark_head.
	Stats [6]uint32
}

const sizeofSFQv0, sizeofSFQv1 = 20, 72

// Kind is "sfq".
func (*SFQ) Kind() string { return "sfq" }

// MarshalOptions encodes struct tc_sfq_qopt(_v1).
func (o *SFQ) MarshalOptions() ([]byte, error) {
	n := sizeofSFQv0
	if o.V1 {
		n = sizeofSFQv1
	}
	b := make([]byte, n)
	for i, v := range [...]uint32{o.Quantum, uint32(o.PerturbPeriod), o.Limit, o.Divisor, o.Flows} {
		ne.PutUint32(b[4*i:], v)
	}
	if o.V1 {
		for i, v := range [...]uint32{o.Depth, o.Headdrop, o.REDLimit, o.QthMin, o.QthMax} {
			ne.PutUint32(b[20+4*i:], v)
		}
		b[40], b[41], b[42], b[43] = o.Wlog, o.Plog, o.ScellLog, o.REDFlags
		ne.PutUint32(b[44:], o.MaxP)
		for i, v := range o.Stats {
			ne.PutUint32(b[48+4*i:], v)
		}
	}
	return b, nil
}

// UnmarshalOptions decodes struct tc_sfq_qopt(_v1).
func (o *SFQ) UnmarshalOptions(b []byte) error {
	*o = SFQ{}
	if len(b) < sizeofSFQv0 {
		return errShort("tc_sfq_qopt", len(b), sizeofSFQv0)
	}
	o.Quantum, o.PerturbPeriod, o.Limit = ne.Uint32(b), int32(ne.Uint32(b[4:])), ne.Uint32(b[8:])
	o.Divisor, o.Flows = ne.Uint32(b[12:]), ne.Uint32(b[16:])
	if len(b) >= sizeofSFQv1 {
		o.V1 = true
		o.Depth, o.Headdrop, o.REDLimit = ne.Uint32(b[20:]), ne.Uint32(b[24:]), ne.Uint32(b[28:])
		o.QthMin, o.QthMax = ne.Uint32(b[32:]), ne.Uint32(b[36:])
		o.Wlog, o.Plog, o.ScellLog, o.REDFlags = b[40], b[41], b[42], b[43]
		o.MaxP = ne.Uint32(b[44:])
		for i := range o.Stats {
			o.Stats[i] = ne.Uint32(b[48+4*i:])
		}
	}
	return nil
}

// NetemQopt is struct tc_netem_qopt: latency and jitter in ticks (the 64-bit attributes in nanoseconds take
// over), limit in packets, loss and duplicate as probabilities scaled to 2^32-1, gap.
type NetemQopt struct {
	Latency, Limit, Loss, Gap, Duplicate, Jitter uint32
}

// NetemCorr is struct tc_netem_corr.
type NetemCorr struct {
	DelayCorr, LossCorr, DupCorr uint32
}

// NetemProb is struct tc_netem_reorder and struct tc_netem_corrupt: a probability and its correlation.
type NetemProb struct {
	Probability, Correlation uint32
}

// NetemRate is struct tc_netem_rate.
type NetemRate struct {
	Rate           uint32
	PacketOverhead int32
	CellSize       uint32
	CellOverhead   int32
}

// NetemSlot is struct tc_netem_slot.
type NetemSlot struct {
	MinDelay, MaxDelay    int64
	MaxPackets, MaxBytes  int32
	DistDelay, DistJitter int64
}

// Netem is the options of the netem qdisc: struct tc_netem_qopt, then the TCA_NETEM_* attributes
// (nla_parse_nested_compat).
type Netem struct {
	Qopt      NetemQopt
	Corr      *NetemCorr `tca:"1"`  // TCA_NETEM_CORR
	DelayDist []byte     `tca:"2"`  // TCA_NETEM_DELAY_DIST (s16 table)
	Reorder   *NetemProb `tca:"3"`  // TCA_NETEM_REORDER
	Corrupt   *NetemProb `tca:"4"`  // TCA_NETEM_CORRUPT
	Loss      []byte     `tca:"5"`  // TCA_NETEM_LOSS (the loss models, nested, as bytes)
	Rate      *NetemRate `tca:"6"`  // TCA_NETEM_RATE
	ECN       *uint32    `tca:"7"`  // TCA_NETEM_ECN
	Rate64    *uint64    `tca:"8"`  // TCA_NETEM_RATE64
	Latency64 *int64     `tca:"10"` // TCA_NETEM_LATENCY64 (ns)
	Jitter64  *int64     `tca:"11"` // TCA_NETEM_JITTER64 (ns)
	Slot      *NetemSlot `tca:"12"` // TCA_NETEM_SLOT
	SlotDist  []byte     `tca:"13"` // TCA_NETEM_SLOT_DIST
	PRNGSeed  *uint64    `tca:"14"` // TCA_NETEM_PRNG_SEED
}

const sizeofNetemQopt = 24

// Kind is "netem".
func (*Netem) Kind() string { return "netem" }

// MarshalOptions encodes struct tc_netem_qopt and the attributes.
func (o *Netem) MarshalOptions() ([]byte, error) {
	b, err := binary.Append(nil, binary.NativeEndian, &o.Qopt)
	if err != nil {
		return nil, err
	}
	ae := proto.NewAttrEncoder(b)
	if err := marshalAttrs(ae, o); err != nil {
		return nil, err
	}
	return ae.Bytes(), nil
}

// UnmarshalOptions decodes struct tc_netem_qopt and the attributes after it.
func (o *Netem) UnmarshalOptions(b []byte) error {
	if len(b) < sizeofNetemQopt {
		return errShort("tc_netem_qopt", len(b), sizeofNetemQopt)
	}
	if err := unmarshalAttrs(b[sizeofNetemQopt:], o); err != nil {
		return err
	}
	_, err := binary.Decode(b, binary.NativeEndian, &o.Qopt)
	return err
}

// ServiceCurve is struct tc_service_curve: slope M1 (bytes/s) for D microseconds, then slope M2.
type ServiceCurve struct {
	M1, D, M2 uint32
}

// HFSC is the options of the hfsc qdisc: struct tc_hfsc_qopt, the default class's minor.
type HFSC struct {
	DefaultClass uint16
}

// Kind is "hfsc".
func (*HFSC) Kind() string { return "hfsc" }

// MarshalOptions encodes struct tc_hfsc_qopt.
func (o *HFSC) MarshalOptions() ([]byte, error) {
	b := make([]byte, 2)
	ne.PutUint16(b, o.DefaultClass)
	return b, nil
}

// UnmarshalOptions decodes struct tc_hfsc_qopt.
func (o *HFSC) UnmarshalOptions(b []byte) error {
	if len(b) < 2 {
		return errShort("tc_hfsc_qopt", len(b), 2)
	}
	o.DefaultClass = ne.Uint16(b)
	return nil
}

// HFSCClass is the options of an hfsc class: its real-time, link-share and upper-limit service curves.
type HFSCClass struct {
	RSC *ServiceCurve `tca:"1"` // TCA_HFSC_RSC
	FSC *ServiceCurve `tca:"2"` // TCA_HFSC_FSC
	USC *ServiceCurve `tca:"3"` // TCA_HFSC_USC
}

// Kind is "hfsc".
func (*HFSCClass) Kind() string { return "hfsc" }

// MarshalOptions encodes the attributes.
func (o *HFSCClass) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *HFSCClass) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// DRRClass is the options of a drr class.
type DRRClass struct {
	Quantum *uint32 `tca:"1"` // TCA_DRR_QUANTUM
}

// Kind is "drr".
func (*DRRClass) Kind() string { return "drr" }

// MarshalOptions encodes the attributes.
func (o *DRRClass) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *DRRClass) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// ETS is the options of the ets qdisc (TCA_ETS_*).
type ETS struct {
	// NBands and NStrict are TCA_ETS_NBANDS and TCA_ETS_NSTRICT.
	NBands, NStrict *uint8
	// Quanta are the TCA_ETS_QUANTA_BAND entries of TCA_ETS_QUANTA: the quanta of the bands that are not strict.
	Quanta []uint32
	// PrioMap are the TCA_ETS_PRIOMAP_BAND entries of TCA_ETS_PRIOMAP.
	PrioMap []uint8
}

// Kind is "ets".
func (*ETS) Kind() string { return "ets" }

// MarshalOptions encodes the attributes.
func (o *ETS) MarshalOptions() ([]byte, error) {
	ae := proto.NewAttrEncoder(nil)
	if o.NBands != nil {
		ae.Uint8(kconst.TCA_ETS_NBANDS, *o.NBands)
	}
	if o.NStrict != nil {
		ae.Uint8(kconst.TCA_ETS_NSTRICT, *o.NStrict)
	}
	if o.Quanta != nil {
		off := ae.Nest(kconst.TCA_ETS_QUANTA)
		for _, q := range o.Quanta {
			ae.Uint32(kconst.TCA_ETS_QUANTA_BAND, q)
		}
		ae.End(off)
	}
	if o.PrioMap != nil {
		off := ae.Nest(kconst.TCA_ETS_PRIOMAP)
		for _, p := range o.PrioMap {
			ae.Uint8(kconst.TCA_ETS_PRIOMAP_BAND, p)
		}
		ae.End(off)
	}
	return ae.Bytes(), nil
}

// UnmarshalOptions decodes the attributes.
func (o *ETS) UnmarshalOptions(b []byte) error {
	*o = ETS{}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case kconst.TCA_ETS_NBANDS:
			o.NBands = Ptr(ad.Uint8())
		case kconst.TCA_ETS_NSTRICT:
			o.NStrict = Ptr(ad.Uint8())
		case kconst.TCA_ETS_QUANTA, kconst.TCA_ETS_PRIOMAP:
			quanta := ad.Type() == kconst.TCA_ETS_QUANTA
			if quanta {
				o.Quanta = []uint32{}
			} else {
				o.PrioMap = []uint8{}
			}
			nd := ad.Nested()
			for nd.Next() {
				switch {
				case quanta && nd.Type() == kconst.TCA_ETS_QUANTA_BAND:
					o.Quanta = append(o.Quanta, nd.Uint32())
				case !quanta && nd.Type() == kconst.TCA_ETS_PRIOMAP_BAND:
					o.PrioMap = append(o.PrioMap, nd.Uint8())
				}
			}
			if err := nd.Err(); err != nil {
				return err
			}
		}
	}
	return ad.Err()
}

// ETSClass is the options of an ets class: its quantum (TCA_ETS_QUANTA_BAND; absent for a strict band).
type ETSClass struct {
	Quantum *uint32 `tca:"4"` // TCA_ETS_QUANTA_BAND
}

// Kind is "ets".
func (*ETSClass) Kind() string { return "ets" }

// MarshalOptions encodes the attributes.
func (o *ETSClass) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *ETSClass) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

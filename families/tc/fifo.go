package tc

import (
	"errors"

	"github.com/nlkit/nlkit/proto"
)

// FIFO is the options of the pfifo, bfifo and pfifo_head_drop qdiscs: struct tc_fifo_qopt.
type FIFO struct {
	// KindName is "pfifo", "bfifo" or "pfifo_head_drop".
	KindName string
	// Limit is tc_fifo_qopt.limit: packets (pfifo) or bytes (bfifo); 0 in a request takes the kernel's default
	// (the device's txqueuelen, in bytes times its MTU for bfifo).
	Limit uint32
	// HasLimit says a request sends the limit; tc sends tc_fifo_qopt only when "limit" is given.
	HasLimit bool
}

// Kind is KindName, "pfifo" when it is empty.
func (f *FIFO) Kind() string {
	if f.KindName == "" {
		return "pfifo"
	}
	return f.KindName
}

// MarshalOptions encodes struct tc_fifo_qopt, or nothing when HasLimit is unset.
func (f *FIFO) MarshalOptions() ([]byte, error) {
	if !f.HasLimit {
		return nil, nil
	}
	b := make([]byte, 4)
	ne.PutUint32(b, f.Limit)
	return b, nil
}

// UnmarshalOptions decodes struct tc_fifo_qopt.
func (f *FIFO) UnmarshalOptions(b []byte) error {
	*f = FIFO{KindName: f.KindName}
	if len(b) == 0 {
		return nil
	}
	if len(b) < 4 {
		return errors.New("tc_fifo_qopt too short")
	}
	f.Limit, f.HasLimit = ne.Uint32(b), true
	return nil
}

// PrioMap is struct tc_prio_qopt: a number of bands and the band of each of the 16 skb priorities (TC_PRIO_*).
type PrioMap struct {
	// Bands is bands.
	Bands int32
	// Map is priomap.
	Map [16]uint8
}

const sizeofPrioQopt = 20

func (p *PrioMap) put(b []byte) {
	ne.PutUint32(b, uint32(p.Bands))
	copy(b[4:], p.Map[:])
}

func (p *PrioMap) get(b []byte) {
	p.Bands = int32(ne.Uint32(b))
	copy(p.Map[:], b[4:20])
}

// DefaultPrioMap is the kernel's prio2band (sch_generic.c), pfifo_fast's fixed map and prio's default: 3
// bands.
func DefaultPrioMap() PrioMap {
	return PrioMap{Bands: 3, Map: [16]uint8{1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}}
}

// PfifoFast is the options pfifo_fast dumps: struct tc_prio_qopt (its map is fixed: a request sends none).
type PfifoFast struct {
	PrioMap
}

// Kind is "pfifo_fast".
func (*PfifoFast) Kind() string { return "pfifo_fast" }

// MarshalOptions encodes struct tc_prio_qopt.
func (p *PfifoFast) MarshalOptions() ([]byte, error) {
	b := make([]byte, sizeofPrioQopt)
	p.put(b)
	return b, nil
}

// UnmarshalOptions decodes struct tc_prio_qopt.
func (p *PfifoFast) UnmarshalOptions(b []byte) error {
	*p = PfifoFast{}
	if len(b) < sizeofPrioQopt {
		return errShort("tc_prio_qopt", len(b), sizeofPrioQopt)
	}
	p.get(b)
	return nil
}

// Prio is the options of the prio qdisc: struct tc_prio_qopt, then TCA_PRIO_MQ (nla_parse_nested_compat).
type Prio struct {
	PrioMap
	// MultiQueue is TCA_PRIO_MQ (a u8, as tc reads it): one band per hardware queue.
	MultiQueue bool
}

// Kind is "prio".
func (*Prio) Kind() string { return "prio" }

// MarshalOptions encodes struct tc_prio_qopt and TCA_PRIO_MQ.
func (p *Prio) MarshalOptions() ([]byte, error) {
	b := make([]byte, sizeofPrioQopt)
	p.put(b)
	if p.MultiQueue {
		ae := proto.NewAttrEncoder(b)
		ae.Uint8(tcaPrioMQ, 1)
		b = ae.Bytes()
	}
	return b, nil
}

// UnmarshalOptions decodes struct tc_prio_qopt and the attributes after it.
func (p *Prio) UnmarshalOptions(b []byte) error {
	*p = Prio{}
	if len(b) < sizeofPrioQopt {
		return errShort("tc_prio_qopt", len(b), sizeofPrioQopt)
	}
	p.get(b)
	ad := proto.NewAttrDecoder(b[sizeofPrioQopt:])
	for ad.Next() {
		if ad.Type() == tcaPrioMQ {
			p.MultiQueue = len(ad.Bytes()) == 0 || ad.Bytes()[0] != 0
		}
	}
	return ad.Err()
}

// tcaPrioMQ is TCA_PRIO_MQ (sch_prio.c), which the uapi header no longer carries.
const tcaPrioMQ = 1

package tc

import (
	"errors"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
)

// TBF is the options of the tbf qdisc: TCA_TBF_PARMS (struct tc_tbf_qopt), TCA_TBF_RATE64, TCA_TBF_PRATE64,
// TCA_TBF_BURST, TCA_TBF_PBURST, and in requests the rate tables TCA_TBF_RTAB and TCA_TBF_PTAB. NewTBF computes
// them as tc does.
type TBF struct {
	// Rate and PeakRate are rate and peakrate; Rate64 and PeakRate64 are TCA_TBF_RATE64 and TCA_TBF_PRATE64.
	Rate, PeakRate     RateSpec
	Rate64, PeakRate64 uint64
	// Limit is limit (bytes); Buffer and MTU are buffer and mtu, as transmit times in ticks.
	Limit, Buffer, MTU uint32
	// Burst and PBurst are TCA_TBF_BURST and TCA_TBF_PBURST, in bytes (requests; 0: not sent).
	Burst, PBurst uint32
	// RTab and PTab are TCA_TBF_RTAB and TCA_TBF_PTAB, sent when set.
	RTab, PTab *[256]uint32
}

// Kind is "tbf".
func (*TBF) Kind() string { return "tbf" }

// RateBps is the rate in bytes per second; PeakRateBps the peak rate.
func (t *TBF) RateBps() uint64 { return rate64(t.Rate, t.Rate64) }

// PeakRateBps is the peak rate in bytes per second (0: none).
func (t *TBF) PeakRateBps() uint64 { return rate64(t.PeakRate, t.PeakRate64) }

// TBFParams are what `tc qdisc add ... tbf` takes.
type TBFParams struct {
	// Rate and PeakRate in bytes per second.
	Rate, PeakRate uint64
	// Burst in bytes; Limit in bytes or Latency in microseconds (one of the two).
	Burst, Limit, Latency uint32
	// MTU (the peak rate's bucket, "minburst") in bytes; MPU and Overhead as tc's.
	MTU      uint32
	MPU      uint16
	Overhead uint16
	// LinkLayer (0: ethernet).
	LinkLayer LinkLayer
}

// NewTBF computes tbf options as tc's tbf_parse_opt does, with p's clock.
func NewTBF(tp TBFParams, p Psched) (*TBF, error) {
	if tp.Rate == 0 || tp.Burst == 0 || tp.Limit == 0 && tp.Latency == 0 {
		return nil, errors.New("tc: tbf: rate, burst and limit or latency are required")
	}
	if tp.PeakRate != 0 && tp.MTU == 0 {
		return nil, errors.New("tc: tbf: a peak rate needs an mtu (minburst)")
	}
	if tp.LinkLayer == 0 {
		tp.LinkLayer = LinkLayerEthernet
	}
	limit := tp.Limit
	if tp.Latency != 0 {
		l := float64(tp.Rate)*float64(tp.Latency)/TimeUnitsPerSec + float64(tp.Burst)
		if tp.PeakRate != 0 {
			if l2 := float64(tp.PeakRate)*float64(tp.Latency)/TimeUnitsPerSec + float64(tp.MTU); l > l2 {
				l = l2
			}
		}
		limit = uint32(l)
	}
	t := &TBF{Limit: limit, Burst: tp.Burst}
	t.Rate.Rate, t.Rate.MPU, t.Rate.Overhead = rate32(tp.Rate), tp.MPU, tp.Overhead
	if tp.Rate >= 1<<32 {
		t.Rate64 = tp.Rate
	}
	rt := p.RateTable(&t.Rate, tp.Rate, -1, tp.MTU, tp.LinkLayer)
	t.RTab = &rt
	t.Buffer = p.XmitTime(tp.Rate, tp.Burst)
	if tp.PeakRate != 0 {
		t.PeakRate.Rate, t.PeakRate.MPU, t.PeakRate.Overhead = rate32(tp.PeakRate), tp.MPU, tp.Overhead
		if tp.PeakRate >= 1<<32 {
			t.PeakRate64 = tp.PeakRate
		}
		pt := p.RateTable(&t.PeakRate, tp.PeakRate, -1, tp.MTU, tp.LinkLayer)
		t.PTab = &pt
		t.MTU = p.XmitTime(tp.PeakRate, tp.MTU)
		t.PBurst = tp.MTU
	}
	return t, nil
}

const sizeofTbfQopt = 2*sizeofRateSpec + 12

// MarshalOptions encodes the attributes as tc orders them.
func (t *TBF) MarshalOptions() ([]byte, error) {
	ae := proto.NewAttrEncoder(nil)
	b := make([]byte, sizeofTbfQopt)
	t.Rate.put(b)
	t.PeakRate.put(b[sizeofRateSpec:])
	ne.PutUint32(b[2*sizeofRateSpec:], t.Limit)
	ne.PutUint32(b[2*sizeofRateSpec+4:], t.Buffer)
	ne.PutUint32(b[2*sizeofRateSpec+8:], t.MTU)
	ae.Raw(kconst.TCA_TBF_PARMS, b)
	if t.Burst != 0 {
		ae.Uint32(kconst.TCA_TBF_BURST, t.Burst)
	}
	if t.Rate64 != 0 {
		ae.Uint64(kconst.TCA_TBF_RATE64, t.Rate64)
	}
	if t.RTab != nil {
		ae.Raw(kconst.TCA_TBF_RTAB, table(t.RTab))
	}
	if t.PeakRate64 != 0 {
		ae.Uint64(kconst.TCA_TBF_PRATE64, t.PeakRate64)
	}
	if t.PBurst != 0 {
		ae.Uint32(kconst.TCA_TBF_PBURST, t.PBurst)
	}
	if t.PTab != nil {
		ae.Raw(kconst.TCA_TBF_PTAB, table(t.PTab))
	}
	return ae.Bytes(), nil
}

// UnmarshalOptions decodes the attributes.
func (t *TBF) UnmarshalOptions(b []byte) error {
	*t = TBF{}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case kconst.TCA_TBF_PARMS:
			d := ad.Bytes()
			if len(d) < sizeofTbfQopt {
				return errShort("tc_tbf_qopt", len(d), sizeofTbfQopt)
			}
			t.Rate.get(d)
			t.PeakRate.get(d[sizeofRateSpec:])
			d = d[2*sizeofRateSpec:]
			t.Limit, t.Buffer, t.MTU = ne.Uint32(d), ne.Uint32(d[4:]), ne.Uint32(d[8:])
		case kconst.TCA_TBF_RATE64:
			t.Rate64 = ad.Uint64()
		case kconst.TCA_TBF_PRATE64:
			t.PeakRate64 = ad.Uint64()
		case kconst.TCA_TBF_BURST:
			t.Burst = ad.Uint32()
		case kconst.TCA_TBF_PBURST:
			t.PBurst = ad.Uint32()
		case kconst.TCA_TBF_RTAB, kconst.TCA_TBF_PTAB:
			tab, err := readTable(ad.Bytes())
			if err != nil {
				return err
			}
			if ad.Type() == kconst.TCA_TBF_RTAB {
				t.RTab = tab
			} else {
				t.PTab = tab
			}
		}
	}
	return ad.Err()
}

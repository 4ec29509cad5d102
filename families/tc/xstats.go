package tc

import "fmt"

// FQCodelXStats is an fq_codel qdisc's or class's own statistics, struct tc_fq_codel_xstats (TCA_STATS_APP):
// Type TCA_FQ_CODEL_XSTATS_QDISC (0) fills the qdisc fields (struct tc_fq_codel_qd_stats),
// TCA_FQ_CODEL_XSTATS_CLASS (1) the class fields (struct tc_fq_codel_cl_stats).
type FQCodelXStats struct {
	Type uint32

	// MaxPacket ... DropOvermemory are tc_fq_codel_qd_stats: maxpacket, drop_overlimit, ecn_mark,
	// new_flow_count, new_flows_len, old_flows_len, ce_mark, memory_usage and drop_overmemory (the last three
	// zero from kernels that do not send them).
	MaxPacket, DropOverlimit, ECNMark, NewFlowCount, NewFlowsLen, OldFlowsLen, CEMark, MemoryUsage,
	DropOvermemory uint32

	// Deficit ... DropNext are tc_fq_codel_cl_stats: deficit, ldelay, count, lastcount, dropping and
	// drop_next.
	Deficit                            int32
	LDelay, Count, LastCount, Dropping uint32
	DropNext                           int32
}

// DecodeFQCodelXStats decodes struct tc_fq_codel_xstats (an Object's XStats when its Kind is "fq_codel").
func DecodeFQCodelXStats(b []byte) (FQCodelXStats, error) {
	var x FQCodelXStats
	if len(b) < 4 {
		return x, fmt.Errorf("tc: fq_codel xstats of %d bytes", len(b))
	}
	x.Type = ne.Uint32(b)
	b = b[4:]
	var fields []*uint32
	var deficit, dropNext uint32
	switch x.Type {
	case 0:
		if len(b) < 24 {
			return x, fmt.Errorf("tc: fq_codel qdisc xstats of %d bytes", len(b)+4)
		}
		fields = []*uint32{&x.MaxPacket, &x.DropOverlimit, &x.ECNMark, &x.NewFlowCount, &x.NewFlowsLen,
			&x.OldFlowsLen, &x.CEMark, &x.MemoryUsage, &x.DropOvermemory}
	case 1:
		if len(b) < 24 {
			return x, fmt.Errorf("tc: fq_codel class xstats of %d bytes", len(b)+4)
		}
		fields = []*uint32{&deficit, &x.LDelay, &x.Count, &x.LastCount, &x.Dropping, &dropNext}
	default:
		return x, fmt.Errorf("tc: fq_codel xstats of type %d", x.Type)
	}
	for _, f := range fields {
		if len(b) < 4 {
			break
		}
		*f, b = ne.Uint32(b), b[4:]
	}
	x.Deficit, x.DropNext = int32(deficit), int32(dropNext)
	return x, nil
}

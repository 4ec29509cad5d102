//go:build linux

package route

import (
	"context"
	"encoding/binary"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The RTM_*NEIGHTBL messages: struct ndtmsg and the NDTA_* and NDTPA_* attributes (linux/neighbour.h).
const (
	sizeofNdtMsg = 4

	ndtaName       = 1 // NDTA_NAME
	ndtaThresh1    = 2 // NDTA_THRESH1
	ndtaThresh2    = 3 // NDTA_THRESH2
	ndtaThresh3    = 4 // NDTA_THRESH3
	ndtaConfig     = 5 // NDTA_CONFIG
	ndtaParms      = 6 // NDTA_PARMS
	ndtaStats      = 7 // NDTA_STATS
	ndtaGCInterval = 8 // NDTA_GC_INTERVAL
)

// NeighTable is one RTM_NEWNEIGHTBL message, as `ip ntable show` prints it: a neighbour table's own settings
// (the message with thresholds, config and stats) or the parameters of one link in it (Parms.IfIndex set).
type NeighTable struct {
	// Family is ndtm_family; Name is NDTA_NAME ("arp_cache", "ndisc_cache").
	Family uint8
	Name   string
	// Thresh1, Thresh2 and Thresh3 are NDTA_THRESH1..3 (gc_thresh1..3); GCInterval is NDTA_GC_INTERVAL (ms).
	Thresh1, Thresh2, Thresh3 uint32
	GCInterval                uint64
	// Config is NDTA_CONFIG, valid when HasConfig; Stats is NDTA_STATS, valid when HasStats.
	Config    NeighTableConfig
	HasConfig bool
	Stats     NeighTableStats
	HasStats  bool
	// Parms is NDTA_PARMS, valid when HasParms.
	Parms    NeighTableParms
	HasParms bool
}

// NeighTableConfig is struct ndt_config.
type NeighTableConfig struct {
	KeyLen, EntrySize                                                       uint16
	Entries, LastFlush, LastRand, HashRnd, HashMask, HashChainGC, ProxyQLen uint32
}

// NeighTableStats is struct ndt_stats.
type NeighTableStats struct {
	Allocs, Destroys, HashGrows, ResFailed, Lookups, Hits, RcvProbesMcast, RcvProbesUcast uint64
	PeriodicGCRuns, ForcedGCRuns, TableFulls                                              uint64
}

// NeighTableParms are the NDTPA_* attributes of NDTA_PARMS; the times are in milliseconds.
type NeighTableParms struct {
	// IfIndex is NDTPA_IFINDEX: the link these parameters are of (0: the table's defaults).
	IfIndex int32
	// RefCnt, QueueLen, AppProbes, UcastProbes, McastProbes, McastReprobes, ProxyQLen and QueueLenBytes are
	// NDTPA_REFCNT, _QUEUE_LEN, _APP_PROBES, _UCAST_PROBES, _MCAST_PROBES, _MCAST_REPROBES, _PROXY_QLEN and
	// _QUEUE_LENBYTES.
	RefCnt, QueueLen, AppProbes, UcastProbes, McastProbes, McastReprobes, ProxyQLen, QueueLenBytes uint32
	// ReachableTime, BaseReachableTime, RetransTime, GCStaleTime, DelayProbeTime, AnycastDelay, ProxyDelay,
	// LockTime and IntervalProbeTime are NDTPA_REACHABLE_TIME, _BASE_REACHABLE_TIME, _RETRANS_TIME,
	// _GC_STALETIME, _DELAY_PROBE_TIME, _ANYCAST_DELAY, _PROXY_DELAY, _LOCKTIME and _INTERVAL_PROBE_TIME_MS.
	ReachableTime, BaseReachableTime, RetransTime, GCStaleTime, DelayProbeTime uint64
	AnycastDelay, ProxyDelay, LockTime, IntervalProbeTime                      uint64
}

func (p *NeighTableParms) decode(b []byte) error {
	u32 := [...]*uint32{2: &p.RefCnt, 8: &p.QueueLen, 9: &p.AppProbes, 10: &p.UcastProbes, 11: &p.McastProbes,
		14: &p.ProxyQLen, 16: &p.QueueLenBytes, 17: &p.McastReprobes}
	u64 := [...]*uint64{3: &p.ReachableTime, 4: &p.BaseReachableTime, 5: &p.RetransTime, 6: &p.GCStaleTime,
		7: &p.DelayProbeTime, 12: &p.AnycastDelay, 13: &p.ProxyDelay, 15: &p.LockTime, 19: &p.IntervalProbeTime}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		t := int(ad.Type())
		switch {
		case t == 1: // NDTPA_IFINDEX
			p.IfIndex = ad.Int32()
		case t < len(u32) && u32[t] != nil:
			*u32[t] = ad.Uint32()
		case t < len(u64) && u64[t] != nil:
			*u64[t] = ad.Uint64()
		}
	}
	return ad.Err()
}

// UnmarshalBinary decodes an RTM_NEWNEIGHTBL payload.
func (t *NeighTable) UnmarshalBinary(b []byte) error {
	*t = NeighTable{}
	if len(b) < sizeofNdtMsg {
		return errShort("ndtmsg", len(b), sizeofNdtMsg)
	}
	t.Family = b[0]
	ad := proto.NewAttrDecoder(b[sizeofNdtMsg:])
	for ad.Next() {
		switch ad.Type() {
		case ndtaName:
			t.Name = ad.String()
		case ndtaThresh1:
			t.Thresh1 = ad.Uint32()
		case ndtaThresh2:
			t.Thresh2 = ad.Uint32()
		case ndtaThresh3:
			t.Thresh3 = ad.Uint32()
		case ndtaGCInterval:
			t.GCInterval = ad.Uint64()
		case ndtaConfig:
			if p := ad.Bytes(); len(p) >= 32 {
				u := func(i int) uint32 { return binary.NativeEndian.Uint32(p[4+4*i:]) }
				t.Config = NeighTableConfig{binary.NativeEndian.Uint16(p), binary.NativeEndian.Uint16(p[2:]),
					u(0), u(1), u(2), u(3), u(4), u(5), u(6)}
				t.HasConfig = true
			}
		case ndtaStats:
			if p := ad.Bytes(); len(p) >= 88 {
				u := func(i int) uint64 { return binary.NativeEndian.Uint64(p[8*i:]) }
				t.Stats = NeighTableStats{u(0), u(1), u(2), u(3), u(4), u(5), u(6), u(7), u(8), u(9), u(10)}
				t.HasStats = true
			}
		case ndtaParms:
			if err := t.Parms.decode(ad.Bytes()); err != nil {
				return err
			}
			t.HasParms = true
		}
	}
	return ad.Err()
}

// NeighTableService reads the neighbour tables (RTM_GETNEIGHTBL), as `ip ntable show` does. Get one with
// Client.NeighTable.
type NeighTableService struct{ c *Client }

// NeighTable returns the neighbour table service on c.
func (c *Client) NeighTable() NeighTableService { return NeighTableService{c} }

// List dumps the tables of family (AF_INET, AF_INET6; 0 all): for each table its own message, then one per
// link with the link's parameters. When a dump's datagram fills up in the middle of a table's links, the kernel
// (neightbl_dump_info) sends the table's own message again where it resumes; List keeps the first.
func (s NeighTableService) List(ctx context.Context, family uint8) ([]NeighTable, error) {
	req := make([]byte, sizeofNdtMsg)
	req[0] = family
	all, err := dumpDecoded(ctx, s.c, unix.RTM_GETNEIGHTBL, unix.RTM_NEWNEIGHTBL, "RTM_NEWNEIGHTBL", req,
		func(p []byte) (NeighTable, error) {
			var v NeighTable
			err := v.UnmarshalBinary(p)
			return v, err
		})
	return dedupTables(all), err
}

// dedupTables drops the repeats of a table's own message (the one without a link, NDTPA_IFINDEX 0).
func dedupTables(all []NeighTable) []NeighTable {
	type key struct {
		family uint8
		name   string
	}
	seen := map[key]bool{}
	out := all[:0]
	for _, t := range all {
		if t.Parms.IfIndex == 0 {
			k := key{t.Family, t.Name}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, t)
	}
	return out
}

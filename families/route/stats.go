//go:build linux

package route

import (
	"context"
	"encoding/binary"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The RTM_GETSTATS messages: struct if_stats_msg and the IFLA_STATS_* attributes (linux/if_link.h).
const (
	sizeofIfStatsMsg = 12

	iflaOffloadXstatsCPUHit = 1 // IFLA_OFFLOAD_XSTATS_CPU_HIT
	mplsStatsLink           = 1 // MPLS_STATS_LINK
)

// The IFLA_STATS_FILTER_BIT masks of StatsService requests: which groups of statistics to ask for.
const (
	StatsLink64        = 1 << (unix.IFLA_STATS_LINK_64 - 1)             // IFLA_STATS_LINK_64
	StatsXStats        = 1 << (unix.IFLA_STATS_LINK_XSTATS - 1)         // IFLA_STATS_LINK_XSTATS
	StatsXStatsSlave   = 1 << (unix.IFLA_STATS_LINK_XSTATS_SLAVE - 1)   // IFLA_STATS_LINK_XSTATS_SLAVE
	StatsOffloadXStats = 1 << (unix.IFLA_STATS_LINK_OFFLOAD_XSTATS - 1) // IFLA_STATS_LINK_OFFLOAD_XSTATS
	StatsAFSpec        = 1 << (unix.IFLA_STATS_AF_SPEC - 1)             // IFLA_STATS_AF_SPEC
)

// IfStats is one RTM_NEWSTATS message: struct if_stats_msg and the IFLA_STATS_* groups it carries, the
// statistics of one link (`ip stats show`, `ip -s link`).
type IfStats struct {
	// Family is if_stats_msg.family; Index its ifindex; FilterMask the groups the kernel filled.
	Family     uint8
	Index      int32
	FilterMask uint32
	// Link64 is IFLA_STATS_LINK_64 (struct rtnl_link_stats64), valid when HasLink64.
	Link64    LinkStats
	HasLink64 bool
	// XStats and XStatsSlave are IFLA_STATS_LINK_XSTATS and IFLA_STATS_LINK_XSTATS_SLAVE: per kind
	// (LINK_XSTATS_TYPE_BRIDGE 1, LINK_XSTATS_TYPE_BOND 2) the kind's own nested statistics, raw.
	XStats, XStatsSlave map[uint16][]byte
	// OffloadCPUHit is IFLA_OFFLOAD_XSTATS_CPU_HIT of IFLA_STATS_LINK_OFFLOAD_XSTATS: the traffic the CPU
	// handled on a link whose forwarding is offloaded; valid when HasOffloadCPUHit.
	OffloadCPUHit    LinkStats
	HasOffloadCPUHit bool
	// MPLS is MPLS_STATS_LINK of IFLA_STATS_AF_SPEC/AF_MPLS (struct mpls_link_stats: rx_packets, tx_packets,
	// rx_bytes, tx_bytes, rx_errors, tx_errors, rx_dropped, tx_dropped, rx_noroute), valid when HasMPLS.
	MPLS    [9]uint64
	HasMPLS bool
}

// UnmarshalBinary decodes an RTM_NEWSTATS payload.
func (s *IfStats) UnmarshalBinary(b []byte) error {
	*s = IfStats{}
	if len(b) < sizeofIfStatsMsg {
		return errShort("if_stats_msg", len(b), sizeofIfStatsMsg)
	}
	s.Family = b[0]
	s.Index = int32(binary.NativeEndian.Uint32(b[4:]))
	s.FilterMask = binary.NativeEndian.Uint32(b[8:])
	ad := proto.NewAttrDecoder(b[sizeofIfStatsMsg:])
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_STATS_LINK_64:
			s.Link64.decode(ad.Bytes())
			s.HasLink64 = true
		case unix.IFLA_STATS_LINK_XSTATS, unix.IFLA_STATS_LINK_XSTATS_SLAVE:
			m := map[uint16][]byte{}
			nd := ad.Nested()
			for nd.Next() {
				m[nd.Type()] = append([]byte(nil), nd.Bytes()...)
			}
			if err := nd.Err(); err != nil {
				return err
			}
			if ad.Type() == unix.IFLA_STATS_LINK_XSTATS {
				s.XStats = m
			} else {
				s.XStatsSlave = m
			}
		case unix.IFLA_STATS_LINK_OFFLOAD_XSTATS:
			nd := ad.Nested()
			for nd.Next() {
				if nd.Type() == iflaOffloadXstatsCPUHit {
					s.OffloadCPUHit.decode(nd.Bytes())
					s.HasOffloadCPUHit = true
				}
			}
			if err := nd.Err(); err != nil {
				return err
			}
		case unix.IFLA_STATS_AF_SPEC:
			nd := ad.Nested()
			for nd.Next() {
				if nd.Type() != afMPLS {
					continue
				}
				md := nd.Nested()
				for md.Next() {
					if p := md.Bytes(); md.Type() == mplsStatsLink {
						for i := 0; i < len(s.MPLS) && 8*i+8 <= len(p); i++ {
							s.MPLS[i] = binary.NativeEndian.Uint64(p[8*i:])
						}
						s.HasMPLS = true
					}
				}
				if err := md.Err(); err != nil {
					return err
				}
			}
			if err := nd.Err(); err != nil {
				return err
			}
		}
	}
	return ad.Err()
}

// StatsService reads link statistics (RTM_GETSTATS), as `ip stats show` does. Get one with Client.Stats.
type StatsService struct{ c *Client }

// Stats returns the statistics service on c.
func (c *Client) Stats() StatsService { return StatsService{c} }

func statsRequest(index int32, mask uint32) []byte {
	b := make([]byte, sizeofIfStatsMsg)
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], mask)
	return b
}

// List dumps the statistics groups mask selects (StatsLink64 | ...) of every link.
func (s StatsService) List(ctx context.Context, mask uint32) ([]IfStats, error) {
	return dumpDecoded(ctx, s.c, unix.RTM_GETSTATS, unix.RTM_NEWSTATS, "RTM_NEWSTATS", statsRequest(0, mask),
		func(p []byte) (IfStats, error) {
			var v IfStats
			err := v.UnmarshalBinary(p)
			return v, err
		})
}

// Get returns the statistics groups mask selects of link index (RTM_GETSTATS without NLM_F_DUMP).
func (s StatsService) Get(ctx context.Context, index int32, mask uint32) (IfStats, error) {
	var v IfStats
	op := "RTM_GETSTATS"
	m, err := s.c.getOne(ctx, unix.RTM_GETSTATS, statsRequest(index, mask), unix.RTM_NEWSTATS, op)
	if err != nil {
		return v, err
	}
	if err := v.UnmarshalBinary(m.Data); err != nil {
		return IfStats{}, &OpError{Op: op, Err: decodeError("RTM_NEWSTATS", err)}
	}
	return v, nil
}

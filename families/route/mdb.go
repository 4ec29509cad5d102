//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The RTM_*MDB messages: struct br_port_msg, struct br_mdb_entry and the MDBA_* attributes (linux/if_bridge.h).
const (
	sizeofBrPortMsg  = 8
	sizeofBrMdbEntry = 28

	mdbaMdb    = 1 // MDBA_MDB
	mdbaRouter = 2 // MDBA_ROUTER

	mdbaMdbEntry     = 1 // MDBA_MDB_ENTRY
	mdbaMdbEntryInfo = 1 // MDBA_MDB_ENTRY_INFO

	mdbaMdbEattrTimer     = 1  // MDBA_MDB_EATTR_TIMER
	mdbaMdbEattrSrcList   = 2  // MDBA_MDB_EATTR_SRC_LIST
	mdbaMdbEattrGroupMode = 3  // MDBA_MDB_EATTR_GROUP_MODE
	mdbaMdbEattrSource    = 4  // MDBA_MDB_EATTR_SOURCE
	mdbaMdbEattrRtprot    = 5  // MDBA_MDB_EATTR_RTPROT
	mdbaMdbEattrDst       = 6  // MDBA_MDB_EATTR_DST
	mdbaMdbEattrDstPort   = 7  // MDBA_MDB_EATTR_DST_PORT
	mdbaMdbEattrVNI       = 8  // MDBA_MDB_EATTR_VNI
	mdbaMdbEattrIfindex   = 9  // MDBA_MDB_EATTR_IFINDEX
	mdbaMdbEattrSrcVNI    = 10 // MDBA_MDB_EATTR_SRC_VNI

	mdbaMdbSrclistEntry  = 1 // MDBA_MDB_SRCLIST_ENTRY
	mdbaMdbSrcattrAddr   = 1 // MDBA_MDB_SRCATTR_ADDRESS
	mdbaMdbSrcattrTimer  = 2 // MDBA_MDB_SRCATTR_TIMER
	mdbaRouterPort       = 1 // MDBA_ROUTER_PORT
	mdbaRouterPattrTimer = 1 // MDBA_ROUTER_PATTR_TIMER
	mdbaRouterPattrType  = 2 // MDBA_ROUTER_PATTR_TYPE
	mdbaRouterPattrVID   = 5 // MDBA_ROUTER_PATTR_VID

	mdbaSetEntry      = 1 // MDBA_SET_ENTRY
	mdbaSetEntryAttrs = 2 // MDBA_SET_ENTRY_ATTRS
	mdbeAttrSource    = 1 // MDBE_ATTR_SOURCE
	mdbeAttrRtprot    = 4 // MDBE_ATTR_RTPROT

	ethPIP   = 0x0800 // ETH_P_IP
	ethPIPv6 = 0x86DD // ETH_P_IPV6
)

// MDB states (br_mdb_entry.state).
const (
	// MDBTemporary is MDB_TEMPORARY: an entry learned by snooping, which times out.
	MDBTemporary = 0
	// MDBPermanent is MDB_PERMANENT: an entry added by hand.
	MDBPermanent = 1
)

// MDBFlags are the MDB_FLAGS_* of struct br_mdb_entry.
type MDBFlags uint8

// The MDB_FLAGS_* flags.
const (
	MDBFlagOffload     MDBFlags = 1 << 0 // MDB_FLAGS_OFFLOAD
	MDBFlagFastLeave   MDBFlags = 1 << 1 // MDB_FLAGS_FAST_LEAVE
	MDBFlagStarExcl    MDBFlags = 1 << 2 // MDB_FLAGS_STAR_EXCL
	MDBFlagBlocked     MDBFlags = 1 << 3 // MDB_FLAGS_BLOCKED
	MDBFlagOffloadFail MDBFlags = 1 << 4 // MDB_FLAGS_OFFLOAD_FAILED
)

// MDB is one RTM_NEWMDB message of a dump: the multicast database entries (MDBA_MDB) and router ports
// (MDBA_ROUTER) of one bridge, as `bridge mdb show` lists them.
type MDB struct {
	// Family is br_port_msg.family (AF_BRIDGE); Index is its ifindex, the bridge.
	Family uint8
	Index  int32
	// Entries are the MDBA_MDB_ENTRY_INFO entries.
	Entries []MDBEntry
	// Routers are the MDBA_ROUTER_PORT entries.
	Routers []MDBRouter
}

// MDBEntry is struct br_mdb_entry and its MDBA_MDB_EATTR_* attributes: one group membership of a port. In
// requests (MDBService.Add, Delete) Bridge names the bridge.
type MDBEntry struct {
	// Bridge is, in requests, the bridge (br_port_msg.ifindex); a dump sets it from its message.
	Bridge int32
	// Port is br_mdb_entry.ifindex: the port (or the bridge itself for host joins).
	Port int32
	// State is MDBTemporary or MDBPermanent; Flags are MDB_FLAGS_*; VID the VLAN (0: none).
	State uint8
	Flags MDBFlags
	VID   uint16
	// Group is the IP group (addr.u.ip4/ip6 with addr.proto ETH_P_IP/ETH_P_IPV6); MAC is an L2 group
	// (addr.proto 0). One of them is set.
	Group netip.Addr
	MAC   HWAddr
	// Source is MDBA_MDB_EATTR_SOURCE: the source of an (S, G) entry.
	Source netip.Addr
	// Timer is MDBA_MDB_EATTR_TIMER: centiseconds left (0 for permanent entries).
	Timer uint32
	// GroupMode is MDBA_MDB_EATTR_GROUP_MODE (MCAST_EXCLUDE 0, MCAST_INCLUDE 1), valid when HasGroupMode.
	GroupMode    uint8
	HasGroupMode bool
	// Sources is MDBA_MDB_EATTR_SRC_LIST.
	Sources []MDBSource
	// Protocol is MDBA_MDB_EATTR_RTPROT (RTPROT_STATIC for user entries, RTPROT_KERNEL for learned ones).
	Protocol Protocol
	// Dst, DstPort, VNI, IfIndex and SrcVNI are the VXLAN MDB attributes MDBA_MDB_EATTR_DST, _DST_PORT, _VNI,
	// _IFINDEX and _SRC_VNI.
	Dst                  netip.Addr
	DstPort              uint16
	VNI, SrcVNI, IfIndex uint32
}

// MDBSource is one MDBA_MDB_SRCLIST_ENTRY: a source and its timer (centiseconds).
type MDBSource struct {
	Addr  netip.Addr
	Timer uint32
}

// MDBRouter is one MDBA_ROUTER_PORT: a multicast router port and its MDBA_ROUTER_PATTR_* attributes.
type MDBRouter struct {
	Port  int32
	Timer uint32
	Type  uint8
	VID   uint16
}

// UnmarshalBinary decodes an RTM_NEWMDB payload.
func (m *MDB) UnmarshalBinary(b []byte) error {
	*m = MDB{}
	if len(b) < sizeofBrPortMsg {
		return errShort("br_port_msg", len(b), sizeofBrPortMsg)
	}
	m.Family = b[0]
	m.Index = int32(binary.NativeEndian.Uint32(b[4:8]))
	ad := proto.NewAttrDecoder(b[sizeofBrPortMsg:])
	for ad.Next() {
		switch ad.Type() {
		case mdbaMdb:
			nd := ad.Nested()
			for nd.Next() {
				if nd.Type() != mdbaMdbEntry {
					continue
				}
				ed := nd.Nested()
				for ed.Next() {
					if ed.Type() != mdbaMdbEntryInfo {
						continue
					}
					e, err := decodeMDBEntry(ed.Bytes())
					if err != nil {
						return err
					}
					e.Bridge = m.Index
					m.Entries = append(m.Entries, e)
				}
				if err := ed.Err(); err != nil {
					return err
				}
			}
			if err := nd.Err(); err != nil {
				return err
			}
		case mdbaRouter:
			nd := ad.Nested()
			for nd.Next() {
				if nd.Type() != mdbaRouterPort {
					continue
				}
				p := nd.Bytes()
				if len(p) < 4 {
					return errShort("MDBA_ROUTER_PORT", len(p), 4)
				}
				r := MDBRouter{Port: int32(binary.NativeEndian.Uint32(p))}
				pd := proto.NewAttrDecoder(p[4:])
				for pd.Next() {
					switch pd.Type() {
					case mdbaRouterPattrTimer:
						r.Timer = pd.Uint32()
					case mdbaRouterPattrType:
						r.Type = pd.Uint8()
					case mdbaRouterPattrVID:
						r.VID = pd.Uint16()
					}
				}
				if err := pd.Err(); err != nil {
					return err
				}
				m.Routers = append(m.Routers, r)
			}
			if err := nd.Err(); err != nil {
				return err
			}
		}
	}
	return ad.Err()
}

// decodeMDBEntry decodes MDBA_MDB_ENTRY_INFO: struct br_mdb_entry, then MDBA_MDB_EATTR_* attributes.
func decodeMDBEntry(b []byte) (MDBEntry, error) {
	var e MDBEntry
	if len(b) < sizeofBrMdbEntry-2 { // the kernel's struct is 26 bytes of fields, padded to 28
		return e, errShort("br_mdb_entry", len(b), sizeofBrMdbEntry)
	}
	e.Port = int32(binary.NativeEndian.Uint32(b))
	e.State, e.Flags = b[4], MDBFlags(b[5])
	e.VID = binary.NativeEndian.Uint16(b[6:])
	switch binary.BigEndian.Uint16(b[24:]) {
	case ethPIP:
		e.Group = netip.AddrFrom4([4]byte(b[8:12]))
	case ethPIPv6:
		e.Group = netip.AddrFrom16([16]byte(b[8:24]))
	default:
		e.MAC = HWAddrFrom(b[8:14])
	}
	if len(b) <= sizeofBrMdbEntry {
		return e, nil
	}
	ad := proto.NewAttrDecoder(b[sizeofBrMdbEntry:])
	for ad.Next() {
		switch ad.Type() {
		case mdbaMdbEattrTimer:
			e.Timer = ad.Uint32()
		case mdbaMdbEattrGroupMode:
			e.GroupMode, e.HasGroupMode = ad.Uint8(), true
		case mdbaMdbEattrSource:
			e.Source = addrFrom(ad.Bytes())
		case mdbaMdbEattrRtprot:
			e.Protocol = Protocol(ad.Uint8())
		case mdbaMdbEattrDst:
			e.Dst = addrFrom(ad.Bytes())
		case mdbaMdbEattrDstPort:
			e.DstPort = ad.Uint16()
		case mdbaMdbEattrVNI:
			e.VNI = ad.Uint32()
		case mdbaMdbEattrIfindex:
			e.IfIndex = ad.Uint32()
		case mdbaMdbEattrSrcVNI:
			e.SrcVNI = ad.Uint32()
		case mdbaMdbEattrSrcList:
			ld := ad.Nested()
			for ld.Next() {
				if ld.Type() != mdbaMdbSrclistEntry {
					continue
				}
				var s MDBSource
				sd := ld.Nested()
				for sd.Next() {
					switch sd.Type() {
					case mdbaMdbSrcattrAddr:
						s.Addr = addrFrom(sd.Bytes())
					case mdbaMdbSrcattrTimer:
						s.Timer = sd.Uint32()
					}
				}
				if err := sd.Err(); err != nil {
					return e, err
				}
				e.Sources = append(e.Sources, s)
			}
			if err := ld.Err(); err != nil {
				return e, err
			}
		}
	}
	return e, ad.Err()
}

// request encodes e as an RTM_NEWMDB or RTM_DELMDB payload: struct br_port_msg (the bridge), MDBA_SET_ENTRY
// and, for a source or a protocol, MDBA_SET_ENTRY_ATTRS, as `bridge mdb add` sends them.
func (e *MDBEntry) request() ([]byte, error) {
	if e.Bridge == 0 || e.Port == 0 {
		return nil, fmt.Errorf("route: mdb: no bridge or port (Bridge, Port)")
	}
	b := make([]byte, sizeofBrPortMsg, 80)
	b[0] = unix.AF_BRIDGE
	binary.NativeEndian.PutUint32(b[4:8], uint32(e.Bridge))
	var ent [sizeofBrMdbEntry]byte
	binary.NativeEndian.PutUint32(ent[:], uint32(e.Port))
	ent[4], ent[5] = e.State, uint8(e.Flags)
	binary.NativeEndian.PutUint16(ent[6:], e.VID)
	switch {
	case e.Group.Is4():
		a := e.Group.As4()
		copy(ent[8:], a[:])
		binary.BigEndian.PutUint16(ent[24:], ethPIP)
	case e.Group.Is6():
		a := e.Group.As16()
		copy(ent[8:], a[:])
		binary.BigEndian.PutUint16(ent[24:], ethPIPv6)
	case e.MAC.IsValid():
		copy(ent[8:14], e.MAC.AppendTo(nil))
	default:
		return nil, fmt.Errorf("route: mdb: no group (Group or MAC)")
	}
	ae := proto.NewAttrEncoder(b)
	ae.Raw(mdbaSetEntry, ent[:])
	if e.Source.IsValid() || e.Protocol != 0 {
		n := ae.Nest(mdbaSetEntryAttrs)
		if e.Source.IsValid() {
			ae.Raw(mdbeAttrSource, e.Source.AsSlice())
		}
		if e.Protocol != 0 {
			ae.Uint8(mdbeAttrRtprot, uint8(e.Protocol))
		}
		ae.End(n)
	}
	return ae.Bytes(), nil
}

func (e *MDBEntry) describe() string {
	g := e.Group.String()
	if !e.Group.IsValid() {
		g = e.MAC.String()
	}
	return fmt.Sprintf("grp %s port %d", g, e.Port)
}

// MDBService lists, adds and deletes the bridge multicast database (RTM_GETMDB, RTM_NEWMDB, RTM_DELMDB), as
// `bridge mdb` does. Get one with Client.MDB.
type MDBService struct{ c *Client }

// MDB returns the bridge multicast database service on c.
func (c *Client) MDB() MDBService { return MDBService{c} }

// List dumps the multicast database: one MDB per bridge message (RTM_GETMDB). bridge is the bridge to keep
// (0: all), applied in user space.
func (s MDBService) List(ctx context.Context, bridge int32) ([]MDB, error) {
	req := make([]byte, sizeofBrPortMsg)
	req[0] = unix.AF_BRIDGE
	all, err := dumpDecoded(ctx, s.c, unix.RTM_GETMDB, unix.RTM_NEWMDB, "RTM_NEWMDB", req,
		func(p []byte) (MDB, error) {
			var m MDB
			err := m.UnmarshalBinary(p)
			return m, err
		})
	if bridge == 0 || err != nil {
		return all, err
	}
	out := all[:0]
	for _, m := range all {
		if m.Index == bridge {
			out = append(out, m)
		}
	}
	return out, nil
}

// Add adds an entry (RTM_NEWMDB with NLM_F_CREATE|NLM_F_EXCL), as `bridge mdb add` does.
func (s MDBService) Add(ctx context.Context, e MDBEntry) error {
	return s.send(ctx, unix.RTM_NEWMDB, createExcl, &e)
}

// Replace adds the entry or replaces it (RTM_NEWMDB with NLM_F_CREATE|NLM_F_REPLACE).
func (s MDBService) Replace(ctx context.Context, e MDBEntry) error {
	return s.send(ctx, unix.RTM_NEWMDB, createReplace, &e)
}

// Delete removes an entry (RTM_DELMDB), as `bridge mdb del` does.
func (s MDBService) Delete(ctx context.Context, e MDBEntry) error {
	return s.send(ctx, unix.RTM_DELMDB, 0, &e)
}

func (s MDBService) send(ctx context.Context, typ, flags uint16, e *MDBEntry) error {
	b, err := e.request()
	if err != nil {
		return err
	}
	name := "RTM_NEWMDB"
	if typ == unix.RTM_DELMDB {
		name = "RTM_DELMDB"
	}
	return s.c.request(ctx, typ, flags, b, name+" "+e.describe())
}

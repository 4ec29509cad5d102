//go:build linux

package route

import (
	"bytes"
	"encoding/binary"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// sizeofIfInfomsg is sizeof(struct ifinfomsg).
const sizeofIfInfomsg = unix.SizeofIfInfomsg

// Link is a network interface: struct ifinfomsg and the IFLA_* attributes of RTM_NEWLINK, as `ip -d -s link`
// shows them. Zero fields were absent. In requests (Add, Replace) only the fields that make sense to send are
// sent: see LinkService.Add.
type Link struct {
	// Family is ifi_family: AF_UNSPEC, or AF_BRIDGE in the bridge port notifications (RTM_NEWLINK/RTM_DELLINK
	// on RTNLGRP_LINK) a Watcher passes on, which describe a port, not a whole link.
	Family uint8
	// Type is ifi_type, the ARPHRD_* link type (ARPHRD_ETHER, ARPHRD_LOOPBACK...).
	Type uint16
	// Index is ifi_index.
	Index int32
	// Flags is ifi_flags (IFF_UP, IFF_LOWER_UP...).
	Flags LinkFlags
	// Change is ifi_change: which Flags a request changes (LinkService.Add sets it from Flags).
	Change LinkFlags

	// Name is IFLA_IFNAME.
	Name string
	// AltNames are the IFLA_ALT_IFNAME entries of IFLA_PROP_LIST.
	AltNames []string
	// Alias is IFLA_IFALIAS.
	Alias string
	// MTU is IFLA_MTU; MinMTU and MaxMTU are IFLA_MIN_MTU and IFLA_MAX_MTU.
	MTU, MinMTU, MaxMTU uint32
	// TxQLen is IFLA_TXQLEN.
	TxQLen uint32
	// OperState is IFLA_OPERSTATE; LinkMode is IFLA_LINKMODE (0 default, 1 dormant).
	OperState OperState
	LinkMode  uint8
	// Master is IFLA_MASTER: the index of the bridge, bond or VRF this link is enslaved to.
	Master int32
	// ParentIndex is IFLA_LINK: the lower device (vlan, macvlan) or veth peer; it may be in the namespace
	// LinkNetNSID names. HasParentIndex says the attribute is present, even when it is 0 (a tunnel bound to no
	// device, which ip prints as "tunl0@NONE"); requests carry it when ParentIndex is not 0 or HasParentIndex
	// is set.
	ParentIndex    int32
	HasParentIndex bool
	// LinkNetNSID is IFLA_LINK_NETNSID, valid when HasLinkNetNSID: the nsid of the namespace of ParentIndex.
	LinkNetNSID    int32
	HasLinkNetNSID bool
	// Address, Broadcast and PermAddress are IFLA_ADDRESS, IFLA_BROADCAST and IFLA_PERM_ADDRESS.
	Address, Broadcast, PermAddress HWAddr
	// Qdisc is IFLA_QDISC.
	Qdisc string
	// Group is IFLA_GROUP.
	Group uint32
	// Promiscuity and AllMulti are IFLA_PROMISCUITY and IFLA_ALLMULTI (counters).
	Promiscuity, AllMulti uint32
	// NumTxQueues and NumRxQueues are IFLA_NUM_TX_QUEUES and IFLA_NUM_RX_QUEUES.
	NumTxQueues, NumRxQueues uint32
	// GSOMaxSize, GSOMaxSegs, TSOMaxSize, TSOMaxSegs, GROMaxSize, GSOIPv4MaxSize, GROIPv4MaxSize are
	// IFLA_GSO_MAX_SIZE, IFLA_GSO_MAX_SEGS, IFLA_TSO_MAX_SIZE, IFLA_TSO_MAX_SEGS, IFLA_GRO_MAX_SIZE,
	// IFLA_GSO_IPV4_MAX_SIZE and IFLA_GRO_IPV4_MAX_SIZE.
	GSOMaxSize, GSOMaxSegs, TSOMaxSize, TSOMaxSegs, GROMaxSize, GSOIPv4MaxSize, GROIPv4MaxSize uint32
	// Carrier is IFLA_CARRIER; CarrierChanges, CarrierUpCount and CarrierDownCount are IFLA_CARRIER_CHANGES,
	// IFLA_CARRIER_UP_COUNT and IFLA_CARRIER_DOWN_COUNT.
	Carrier                                          uint8
	CarrierChanges, CarrierUpCount, CarrierDownCount uint32
	// ProtoDown is IFLA_PROTO_DOWN.
	ProtoDown bool
	// Stats is IFLA_STATS64 (struct rtnl_link_stats64); zero when absent.
	Stats LinkStats
	// AddrGenMode is IFLA_INET6_ADDR_GEN_MODE inside IFLA_AF_SPEC/AF_INET6, valid when HasAddrGenMode.
	AddrGenMode    AddrGenMode
	HasAddrGenMode bool
	// ParentDevName and ParentDevBus are IFLA_PARENT_DEV_NAME and IFLA_PARENT_DEV_BUS_NAME.
	ParentDevName, ParentDevBus string
	// Info is IFLA_LINKINFO: the kind and its data.
	Info LinkInfo

	// BridgeVlans and BridgeVlanTunnels are, in AF_BRIDGE link messages (BridgeVlanService.List), the
	// IFLA_BRIDGE_VLAN_INFO and IFLA_BRIDGE_VLAN_TUNNEL_INFO attributes of IFLA_AF_SPEC: the port's VLANs.
	BridgeVlans       []BridgeVlanInfo
	BridgeVlanTunnels []BridgeVlanTunnel
	// BridgePortInfo is, in AF_BRIDGE link messages, IFLA_PROTINFO: the port's IFLA_BRPORT_* options
	// (`bridge -d link`).
	BridgePortInfo *BridgePort
	// NumVF is IFLA_NUM_VF and VFs is IFLA_VFINFO_LIST: the SR-IOV virtual functions of a physical function
	// (the kernel sends the list only when the dump's IFLA_EXT_MASK has RTEXT_FILTER_VF).
	NumVF uint32
	VFs   []VFInfo
	// XDP is IFLA_XDP: the link's XDP programs (the kernel sends IFLA_XDP_ATTACHED 0 without one).
	XDP LinkXDP

	// NetNS is, in requests only, IFLA_NET_NS_FD: a namespace file descriptor to create the link in (Add, and
	// a veth peer) or to move it to (LinkSet.NetNS). Decoding never sets it.
	NetNS int
}

// IsUp reports whether IFF_UP is set.
func (l *Link) IsUp() bool { return l.Flags&unix.IFF_UP != 0 }

// LinkInfo is IFLA_LINKINFO: IFLA_INFO_KIND and IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND and IFLA_INFO_SLAVE_DATA.
type LinkInfo struct {
	// Kind is IFLA_INFO_KIND ("veth", "bridge", "vxlan"...); "" for devices without rtnl_link_ops (lo, NICs).
	Kind string
	// Data is IFLA_INFO_DATA decoded for the kinds this package knows (*Bridge, *Macvlan, *Vxlan, *Vlan, *Bond,
	// *VRF; *Veth in requests), *RawLinkData for the others, nil when the kernel sent none (veth, ifb, dummy).
	Data LinkData
	// SlaveKind is IFLA_INFO_SLAVE_KIND: the kind of the master ("bridge", "bond"...).
	SlaveKind string
	// SlaveData is IFLA_INFO_SLAVE_DATA: *BridgePort, *BondSlave, or *RawLinkData.
	SlaveData LinkSlaveData
}

// LinkStats is struct rtnl_link_stats64 (IFLA_STATS64).
//
// The fields are the kernel's, in its order: rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors,
// rx_dropped, tx_dropped, multicast, collisions, rx_length_errors, rx_over_errors, rx_crc_errors,
// rx_frame_errors, rx_fifo_errors, rx_missed_errors, tx_aborted_errors, tx_carrier_errors, tx_fifo_errors,
// tx_heartbeat_errors, tx_window_errors, rx_compressed, tx_compressed, rx_nohandler, rx_otherhost_dropped.
type LinkStats struct {
	RxPackets, TxPackets, RxBytes, TxBytes, RxErrors, TxErrors, RxDropped, TxDropped, Multicast, Collisions uint64
	RxLengthErrors, RxOverErrors, RxCRCErrors, RxFrameErrors, RxFIFOErrors, RxMissedErrors                  uint64
	TxAbortedErrors, TxCarrierErrors, TxFIFOErrors, TxHeartbeatErrors, TxWindowErrors                       uint64
	RxCompressed, TxCompressed, RxNoHandler, RxOtherhostDropped                                             uint64
}

func (s *LinkStats) decode(b []byte) {
	f := [...]*uint64{&s.RxPackets, &s.TxPackets, &s.RxBytes, &s.TxBytes, &s.RxErrors, &s.TxErrors, &s.RxDropped,
		&s.TxDropped, &s.Multicast, &s.Collisions, &s.RxLengthErrors, &s.RxOverErrors, &s.RxCRCErrors,
		&s.RxFrameErrors, &s.RxFIFOErrors, &s.RxMissedErrors, &s.TxAbortedErrors, &s.TxCarrierErrors,
		&s.TxFIFOErrors, &s.TxHeartbeatErrors, &s.TxWindowErrors, &s.RxCompressed, &s.TxCompressed,
		&s.RxNoHandler, &s.RxOtherhostDropped}
	for i := 0; i < len(f) && 8*i+8 <= len(b); i++ {
		*f[i] = binary.NativeEndian.Uint64(b[8*i:])
	}
}

// UnmarshalBinary decodes an RTM_NEWLINK payload (struct ifinfomsg and IFLA_* attributes) into l, replacing
// its contents. Only strings (the name, alias, alternative names, unknown kinds) and kind data allocate.
func (l *Link) UnmarshalBinary(b []byte) error { return l.unmarshal(b, nil) }

// unmarshal is UnmarshalBinary taking the name from names (nil: a new string).
func (l *Link) unmarshal(b []byte, names *nameCache) error {
	*l = Link{}
	if len(b) < sizeofIfInfomsg {
		return errShort("ifinfomsg", len(b), sizeofIfInfomsg)
	}
	l.Family = b[0]
	l.Type = binary.NativeEndian.Uint16(b[2:4])
	l.Index = int32(binary.NativeEndian.Uint32(b[4:8]))
	l.Flags = LinkFlags(binary.NativeEndian.Uint32(b[8:12]))
	l.Change = LinkFlags(binary.NativeEndian.Uint32(b[12:16]))
	return l.decodeAttrs(b[sizeofIfInfomsg:], names)
}

func (l *Link) decodeAttrs(b []byte, names *nameCache) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_IFNAME:
			l.Name = names.name(ad.Bytes())
		case unix.IFLA_ADDRESS:
			l.Address = HWAddrFrom(ad.Bytes())
		case unix.IFLA_BROADCAST:
			l.Broadcast = HWAddrFrom(ad.Bytes())
		case unix.IFLA_PERM_ADDRESS:
			l.PermAddress = HWAddrFrom(ad.Bytes())
		case unix.IFLA_MTU:
			l.MTU = ad.Uint32()
		case unix.IFLA_MIN_MTU:
			l.MinMTU = ad.Uint32()
		case unix.IFLA_MAX_MTU:
			l.MaxMTU = ad.Uint32()
		case unix.IFLA_TXQLEN:
			l.TxQLen = ad.Uint32()
		case unix.IFLA_OPERSTATE:
			l.OperState = OperState(ad.Uint8())
		case unix.IFLA_LINKMODE:
			l.LinkMode = ad.Uint8()
		case unix.IFLA_MASTER:
			l.Master = ad.Int32()
		case unix.IFLA_LINK:
			l.ParentIndex, l.HasParentIndex = ad.Int32(), true
		case unix.IFLA_LINK_NETNSID:
			l.LinkNetNSID = ad.Int32()
			l.HasLinkNetNSID = true
		case unix.IFLA_QDISC:
			l.Qdisc = intern(ad.Bytes())
		case unix.IFLA_IFALIAS:
			l.Alias = ad.String()
		case unix.IFLA_GROUP:
			l.Group = ad.Uint32()
		case unix.IFLA_PROMISCUITY:
			l.Promiscuity = ad.Uint32()
		case unix.IFLA_ALLMULTI:
			l.AllMulti = ad.Uint32()
		case unix.IFLA_NUM_TX_QUEUES:
			l.NumTxQueues = ad.Uint32()
		case unix.IFLA_NUM_RX_QUEUES:
			l.NumRxQueues = ad.Uint32()
		case unix.IFLA_GSO_MAX_SIZE:
			l.GSOMaxSize = ad.Uint32()
		case unix.IFLA_GSO_MAX_SEGS:
			l.GSOMaxSegs = ad.Uint32()
		case unix.IFLA_TSO_MAX_SIZE:
			l.TSOMaxSize = ad.Uint32()
		case unix.IFLA_TSO_MAX_SEGS:
			l.TSOMaxSegs = ad.Uint32()
		case unix.IFLA_GRO_MAX_SIZE:
			l.GROMaxSize = ad.Uint32()
		case iflaGSOIPv4MaxSize:
			l.GSOIPv4MaxSize = ad.Uint32()
		case iflaGROIPv4MaxSize:
			l.GROIPv4MaxSize = ad.Uint32()
		case unix.IFLA_CARRIER:
			l.Carrier = ad.Uint8()
		case unix.IFLA_CARRIER_CHANGES:
			l.CarrierChanges = ad.Uint32()
		case unix.IFLA_CARRIER_UP_COUNT:
			l.CarrierUpCount = ad.Uint32()
		case unix.IFLA_CARRIER_DOWN_COUNT:
			l.CarrierDownCount = ad.Uint32()
		case unix.IFLA_PROTO_DOWN:
			l.ProtoDown = ad.Uint8() != 0
		case unix.IFLA_STATS64:
			l.Stats.decode(ad.Bytes())
		case unix.IFLA_PARENT_DEV_NAME:
			l.ParentDevName = ad.String()
		case unix.IFLA_PARENT_DEV_BUS_NAME:
			l.ParentDevBus = ad.String()
		case unix.IFLA_PROP_LIST:
			nd := ad.Nested()
			for nd.Next() {
				if nd.Type() == unix.IFLA_ALT_IFNAME {
					l.AltNames = append(l.AltNames, nd.String())
				}
			}
			if err := nd.Err(); err != nil {
				return err
			}
		case unix.IFLA_AF_SPEC:
			if err := l.decodeAFSpec(ad.Bytes()); err != nil {
				return err
			}
		case unix.IFLA_NUM_VF:
			l.NumVF = ad.Uint32()
		case unix.IFLA_VFINFO_LIST:
			vfs, err := decodeVFList(ad.Bytes())
			if err != nil {
				return err
			}
			l.VFs = vfs
		case unix.IFLA_XDP:
			if err := l.XDP.decode(ad.Bytes()); err != nil {
				return err
			}
		case unix.IFLA_PROTINFO:
			if l.Family == unix.AF_BRIDGE {
				p := &BridgePort{}
				if err := p.decode(ad.Bytes()); err != nil {
					return err
				}
				l.BridgePortInfo = p
			}
		case unix.IFLA_LINKINFO:
			if err := l.Info.decode(ad.Bytes()); err != nil {
				return err
			}
		}
	}
	return ad.Err()
}

func (l *Link) decodeAFSpec(b []byte) error {
	if l.Family == unix.AF_BRIDGE {
		return l.decodeBridgeAFSpec(b)
	}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if ad.Type() != unix.AF_INET6 {
			continue
		}
		nd := ad.Nested()
		for nd.Next() {
			if nd.Type() == unix.IFLA_INET6_ADDR_GEN_MODE {
				l.AddrGenMode = AddrGenMode(nd.Uint8())
				l.HasAddrGenMode = true
			}
		}
		if err := nd.Err(); err != nil {
			return err
		}
	}
	return ad.Err()
}

func (li *LinkInfo) decode(b []byte) error {
	var data, slaveData []byte
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_INFO_KIND:
			li.Kind = intern(ad.Bytes())
		case unix.IFLA_INFO_DATA:
			data = ad.Bytes()
		case unix.IFLA_INFO_SLAVE_KIND:
			li.SlaveKind = intern(ad.Bytes())
		case unix.IFLA_INFO_SLAVE_DATA:
			slaveData = ad.Bytes()
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	if data != nil {
		d, err := decodeLinkData(li.Kind, data)
		if err != nil {
			return err
		}
		li.Data = d
	}
	if slaveData != nil {
		d, err := decodeSlaveData(li.SlaveKind, slaveData)
		if err != nil {
			return err
		}
		li.SlaveData = d
	}
	return nil
}

// nameCache lets the dumps of one service share the interface names (IFLA_IFNAME) of the dump before, so that
// dumping the same links again allocates nothing per link. It keeps the names of the last dump in the order
// they were decoded: a dump of the same links decodes them in the same order, so the name at each position is
// compared with the one at that position last time (no hashing, no map), and reused when it is the same. It is
// bounded by maxNames, and not safe for concurrent use: a dump takes it for its duration (see dumpRun).
type nameCache struct {
	prev, cur []string
	i         int // the position of the next name
}

const maxNames = 1 << 16

// start begins a dump: the names of the last one are the ones to compare with.
func (nc *nameCache) start() {
	nc.prev, nc.cur, nc.i = nc.cur, nc.prev[:0], 0
}

// name returns the NUL-terminated name in b as a string: the last dump's at this position when it is the same.
// A nil nameCache returns a new string.
func (nc *nameCache) name(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if nc == nil {
		return string(b)
	}
	var s string
	if nc.i < len(nc.prev) && nc.prev[nc.i] == string(b) { // the comparison does not allocate
		s = nc.prev[nc.i]
	} else {
		s = string(b)
	}
	nc.i++
	if len(nc.cur) < maxNames {
		nc.cur = append(nc.cur, s)
	}
	return s
}

// intern returns the NUL-terminated string in b, without allocating for the kinds and qdiscs the kernel
// commonly reports.
func intern(b []byte) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	switch string(b) { // the compiler does not allocate for a switch on string(b)
	case "veth":
		return "veth"
	case "bridge":
		return "bridge"
	case "bond":
		return "bond"
	case "vlan":
		return "vlan"
	case "vxlan":
		return "vxlan"
	case "macvlan":
		return "macvlan"
	case "dummy":
		return "dummy"
	case "ifb":
		return "ifb"
	case "vrf":
		return "vrf"
	case "noop":
		return "noop"
	case "noqueue":
		return "noqueue"
	case "fq_codel":
		return "fq_codel"
	case "pfifo_fast":
		return "pfifo_fast"
	case "mq":
		return "mq"
	case "fq":
		return "fq"
	case "cubic":
		return "cubic"
	}
	return string(b)
}

//go:build linux

package rtnlconv

import (
	"fmt"
	"net"

	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// FromLinkMessage converts jsimonetti's LinkMessage (RTM_NEWLINK: struct ifinfomsg and IFLA_* attributes) to a
// route.Link. The kind data of LinkAttributes.Info is re-read from its wire form, so a kind nlkit knows comes
// out typed (*route.Bridge, *route.Vlan...). It fails when the kind data cannot be encoded or decoded.
func FromLinkMessage(m *rtnetlink.LinkMessage) (route.Link, error) {
	l := route.Link{
		Family: uint8(m.Family),
		Type:   m.Type,
		Index:  int32(m.Index),
		Flags:  route.LinkFlags(m.Flags),
		Change: route.LinkFlags(m.Change),
	}
	a := m.Attributes
	if a == nil {
		return l, nil
	}
	l.Name = a.Name
	l.AltNames = cloneStrings(a.AltNames)
	l.Alias = val(a.Alias)
	l.MTU = a.MTU
	l.TxQLen = val(a.TxQueueLen)
	l.OperState = route.OperState(a.OperationalState)
	l.LinkMode = val(a.LinkMode)
	l.Master = int32(val(a.Master))
	l.ParentIndex = int32(a.Type) // IFLA_LINK
	l.HasParentIndex = a.Type != 0
	l.Address = route.HWAddrFrom(a.Address)
	l.Broadcast = route.HWAddrFrom(a.Broadcast)
	l.PermAddress = route.HWAddrFrom(a.PermAddress)
	l.Qdisc = a.QueueDisc
	l.Group = val(a.NetDevGroup)
	l.Carrier = val(a.Carrier)
	l.CarrierChanges = val(a.CarrierChanges)
	l.CarrierUpCount = val(a.CarrierUpCount)
	l.CarrierDownCount = val(a.CarrierDownCount)
	switch {
	case a.Stats64 != nil:
		l.Stats = stats64From(a.Stats64)
	case a.Stats != nil:
		l.Stats = statsFrom(a.Stats)
	}
	if a.Info != nil {
		info, err := infoFrom(a.Info)
		if err != nil {
			return route.Link{}, err
		}
		l.Info = info
	}
	return l, nil
}

// ToLinkMessage converts a route.Link to jsimonetti's LinkMessage. The kind data of l.Info is encoded as nlkit
// sends it and read back by jsimonetti, so a kind for which a jsimonetti driver is registered comes out as
// that driver's type and any other as *rtnetlink.LinkData. It fails when the kind data cannot be encoded.
func ToLinkMessage(l *route.Link) (rtnetlink.LinkMessage, error) {
	m := rtnetlink.LinkMessage{
		Family: uint16(l.Family),
		Type:   l.Type,
		Index:  uint32(l.Index),
		Flags:  uint32(l.Flags),
		Change: uint32(l.Change),
	}
	a := &rtnetlink.LinkAttributes{
		Address:          hw(l.Address),
		Alias:            ptr(l.Alias),
		AltNames:         cloneStrings(l.AltNames),
		Broadcast:        hw(l.Broadcast),
		Carrier:          ptr(l.Carrier),
		CarrierChanges:   ptr(l.CarrierChanges),
		CarrierUpCount:   ptr(l.CarrierUpCount),
		CarrierDownCount: ptr(l.CarrierDownCount),
		LinkMode:         ptr(l.LinkMode),
		MTU:              l.MTU,
		Name:             l.Name,
		NetDevGroup:      ptr(l.Group),
		OperationalState: rtnetlink.OperationalState(l.OperState),
		PermAddress:      hw(l.PermAddress),
		QueueDisc:        l.Qdisc,
		Master:           ptr(uint32(l.Master)),
		TxQueueLen:       ptr(l.TxQLen),
		Type:             uint32(l.ParentIndex),
	}
	if l.Stats != (route.LinkStats{}) {
		a.Stats64 = stats64To(&l.Stats)
	}
	if l.NetNS != 0 {
		a.NetNS = rtnetlink.NetNSForFD(uint32(l.NetNS))
	}
	if !infoZero(&l.Info) {
		info, err := infoTo(&l.Info)
		if err != nil {
			return rtnetlink.LinkMessage{}, err
		}
		a.Info = info
	}
	m.Attributes = a
	return m, nil
}

// infoZero reports whether an IFLA_LINKINFO is empty.
func infoZero(i *route.LinkInfo) bool {
	return i.Kind == "" && i.Data == nil && i.SlaveKind == "" && i.SlaveData == nil
}

// infoFrom re-reads jsimonetti's LinkInfo through its wire form (IFLA_LINKINFO in an RTM_NEWLINK payload).
func infoFrom(info *rtnetlink.LinkInfo) (route.LinkInfo, error) {
	info = withKinds(info)
	b, err := (&rtnetlink.LinkMessage{Attributes: &rtnetlink.LinkAttributes{Info: info}}).MarshalBinary()
	if err != nil {
		return route.LinkInfo{}, fmt.Errorf("rtnlconv: encoding IFLA_LINKINFO of kind %q: %w", info.Kind, err)
	}
	var l route.Link
	if err := l.UnmarshalBinary(b); err != nil {
		return route.LinkInfo{}, fmt.Errorf("rtnlconv: decoding IFLA_LINKINFO of kind %q: %w", info.Kind, err)
	}
	if l.Info.SlaveKind == "" {
		l.Info.SlaveKind = info.SlaveKind // jsimonetti encodes a slave kind only with slave data
	}
	return l.Info, nil
}

// infoTo re-reads nlkit's LinkInfo through its wire form with jsimonetti's decoder. nlkit's request form
// leaves IFLA_INFO_SLAVE_KIND out (the kernel takes it from the master), so the IFLA_LINKINFO jsimonetti reads
// is rebuilt with both kinds ahead of their data, in the kernel's order.
func infoTo(info *route.LinkInfo) (*rtnetlink.LinkInfo, error) {
	in := *info
	if in.Kind == "" {
		in.Data = nil
	}
	if in.SlaveKind == "" {
		in.SlaveData = nil
	}
	if infoZero(&in) {
		return nil, nil
	}
	b, err := (&route.Link{Info: in}).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("rtnlconv: encoding IFLA_LINKINFO of kind %q: %w", info.Kind, err)
	}
	attrs, err := proto.AttrsAfter(b, unix.SizeofIfInfomsg)
	if err != nil {
		return nil, fmt.Errorf("rtnlconv: encoding IFLA_LINKINFO of kind %q: %w", info.Kind, err)
	}
	var data, slaveData []byte
	ad := proto.NewAttrDecoder(attrs)
	for ad.Next() {
		if ad.Type() != unix.IFLA_LINKINFO {
			continue
		}
		nad := proto.NewAttrDecoder(ad.Bytes())
		for nad.Next() {
			switch nad.Type() {
			case unix.IFLA_INFO_DATA:
				data = nad.Bytes()
			case unix.IFLA_INFO_SLAVE_DATA:
				slaveData = nad.Bytes()
			}
		}
	}
	var ae proto.AttrEncoder
	n := ae.Nest(unix.IFLA_LINKINFO)
	if in.Kind != "" {
		ae.String(unix.IFLA_INFO_KIND, in.Kind)
	}
	if data != nil {
		ae.Raw(unix.IFLA_INFO_DATA, data)
	}
	if in.SlaveKind != "" {
		ae.String(unix.IFLA_INFO_SLAVE_KIND, in.SlaveKind)
	}
	if slaveData != nil {
		ae.Raw(unix.IFLA_INFO_SLAVE_DATA, slaveData)
	}
	ae.End(n)
	var m rtnetlink.LinkMessage
	if err := m.UnmarshalBinary(append(make([]byte, unix.SizeofIfInfomsg), ae.Bytes()...)); err != nil {
		return nil, fmt.Errorf("rtnlconv: decoding IFLA_LINKINFO of kind %q: %w", info.Kind, err)
	}
	out := m.Attributes.Info
	// An empty IFLA_INFO_DATA is no data: jsimonetti would not send it.
	if d, ok := out.Data.(*rtnetlink.LinkData); ok && len(d.Data) == 0 {
		out.Data = nil
	}
	if d, ok := out.SlaveData.(*rtnetlink.LinkData); ok && len(d.Data) == 0 {
		out.SlaveData = nil
	}
	return out, nil
}

// withKinds is info without kind data whose kind is not named (the kernel never sends such data).
func withKinds(info *rtnetlink.LinkInfo) *rtnetlink.LinkInfo {
	if (info.Kind != "" || info.Data == nil) && (info.SlaveKind != "" || info.SlaveData == nil) {
		return info
	}
	c := *info
	if c.Kind == "" {
		c.Data = nil
	}
	if c.SlaveKind == "" {
		c.SlaveData = nil
	}
	return &c
}

// hw converts an HWAddr to a net.HardwareAddr (nil for no address).
func hw(a route.HWAddr) net.HardwareAddr { return a.Bytes() }

func cloneStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

func stats64From(s *rtnetlink.LinkStats64) route.LinkStats {
	return route.LinkStats{
		RxPackets: s.RXPackets, TxPackets: s.TXPackets, RxBytes: s.RXBytes, TxBytes: s.TXBytes,
		RxErrors: s.RXErrors, TxErrors: s.TXErrors, RxDropped: s.RXDropped, TxDropped: s.TXDropped,
		Multicast: s.Multicast, Collisions: s.Collisions,
		RxLengthErrors: s.RXLengthErrors, RxOverErrors: s.RXOverErrors, RxCRCErrors: s.RXCRCErrors,
		RxFrameErrors: s.RXFrameErrors, RxFIFOErrors: s.RXFIFOErrors, RxMissedErrors: s.RXMissedErrors,
		TxAbortedErrors: s.TXAbortedErrors, TxCarrierErrors: s.TXCarrierErrors, TxFIFOErrors: s.TXFIFOErrors,
		TxHeartbeatErrors: s.TXHeartbeatErrors, TxWindowErrors: s.TXWindowErrors,
		RxCompressed: s.RXCompressed, TxCompressed: s.TXCompressed, RxNoHandler: s.RXNoHandler,
		RxOtherhostDropped: s.RXOtherhostDropped,
	}
}

func statsFrom(s *rtnetlink.LinkStats) route.LinkStats {
	u := func(v uint32) uint64 { return uint64(v) }
	return route.LinkStats{
		RxPackets: u(s.RXPackets), TxPackets: u(s.TXPackets), RxBytes: u(s.RXBytes), TxBytes: u(s.TXBytes),
		RxErrors: u(s.RXErrors), TxErrors: u(s.TXErrors), RxDropped: u(s.RXDropped), TxDropped: u(s.TXDropped),
		Multicast: u(s.Multicast), Collisions: u(s.Collisions),
		RxLengthErrors: u(s.RXLengthErrors), RxOverErrors: u(s.RXOverErrors), RxCRCErrors: u(s.RXCRCErrors),
		RxFrameErrors: u(s.RXFrameErrors), RxFIFOErrors: u(s.RXFIFOErrors), RxMissedErrors: u(s.RXMissedErrors),
		TxAbortedErrors: u(s.TXAbortedErrors), TxCarrierErrors: u(s.TXCarrierErrors),
		TxFIFOErrors: u(s.TXFIFOErrors), TxHeartbeatErrors: u(s.TXHeartbeatErrors),
		TxWindowErrors: u(s.TXWindowErrors), RxCompressed: u(s.RXCompressed), TxCompressed: u(s.TXCompressed),
		RxNoHandler: u(s.RXNoHandler),
	}
}

func stats64To(s *route.LinkStats) *rtnetlink.LinkStats64 {
	return &rtnetlink.LinkStats64{
		RXPackets: s.RxPackets, TXPackets: s.TxPackets, RXBytes: s.RxBytes, TXBytes: s.TxBytes,
		RXErrors: s.RxErrors, TXErrors: s.TxErrors, RXDropped: s.RxDropped, TXDropped: s.TxDropped,
		Multicast: s.Multicast, Collisions: s.Collisions,
		RXLengthErrors: s.RxLengthErrors, RXOverErrors: s.RxOverErrors, RXCRCErrors: s.RxCRCErrors,
		RXFrameErrors: s.RxFrameErrors, RXFIFOErrors: s.RxFIFOErrors, RXMissedErrors: s.RxMissedErrors,
		TXAbortedErrors: s.TxAbortedErrors, TXCarrierErrors: s.TxCarrierErrors, TXFIFOErrors: s.TxFIFOErrors,
		TXHeartbeatErrors: s.TxHeartbeatErrors, TXWindowErrors: s.TxWindowErrors,
		RXCompressed: s.RxCompressed, TXCompressed: s.TxCompressed, RXNoHandler: s.RxNoHandler,
		RXOtherhostDropped: s.RxOtherhostDropped,
	}
}

//go:build linux

package route

import (
	"encoding/binary"
	"fmt"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

func putIfInfomsg(b []byte, l *Link) {
	b[0] = l.Family
	binary.NativeEndian.PutUint16(b[2:4], l.Type)
	binary.NativeEndian.PutUint32(b[4:8], uint32(l.Index))
	binary.NativeEndian.PutUint32(b[8:12], uint32(l.Flags))
	change := l.Change
	if change == 0 {
		change = l.Flags
	}
	binary.NativeEndian.PutUint32(b[12:16], uint32(change))
}

// MarshalBinary encodes l as an RTM_NEWLINK request payload: struct ifinfomsg (ifi_change defaults to Flags) and
// the attributes a request may carry: IFLA_IFNAME, IFLA_MTU, IFLA_TXQLEN, IFLA_ADDRESS, IFLA_BROADCAST,
// IFLA_MASTER, IFLA_LINK, IFLA_GROUP, IFLA_IFALIAS, IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES, IFLA_GSO_MAX_SIZE,
// IFLA_GSO_MAX_SEGS, IFLA_GRO_MAX_SIZE, IFLA_NET_NS_FD, IFLA_AF_SPEC (the IPv6 address generation mode) and
// IFLA_LINKINFO with the kind's data. Read-only fields (statistics, operstate, counters) are not sent.
func (l *Link) MarshalBinary() ([]byte, error) {
	b := make([]byte, sizeofIfInfomsg, 128)
	putIfInfomsg(b, l)
	ae := proto.NewAttrEncoder(b)
	if err := l.encodeAttrs(ae); err != nil {
		return nil, err
	}
	return ae.Bytes(), nil
}

func (l *Link) encodeAttrs(ae *proto.AttrEncoder) error {
	if l.Name != "" {
		if len(l.Name) >= unix.IFNAMSIZ {
			return fmt.Errorf("route: link name %q longer than %d bytes (IFNAMSIZ)", l.Name, unix.IFNAMSIZ-1)
		}
		ae.String(unix.IFLA_IFNAME, l.Name)
	}
	for _, f := range []struct {
		t uint16
		v uint32
	}{{unix.IFLA_MTU, l.MTU}, {unix.IFLA_TXQLEN, l.TxQLen}, {unix.IFLA_MASTER, uint32(l.Master)},
		{unix.IFLA_GROUP, l.Group},
		{unix.IFLA_NUM_TX_QUEUES, l.NumTxQueues}, {unix.IFLA_NUM_RX_QUEUES, l.NumRxQueues},
		{unix.IFLA_GSO_MAX_SIZE, l.GSOMaxSize}, {unix.IFLA_GSO_MAX_SEGS, l.GSOMaxSegs},
		{unix.IFLA_GRO_MAX_SIZE, l.GROMaxSize}} {
		if f.v != 0 {
			ae.Uint32(f.t, f.v)
		}
	}
	if l.ParentIndex != 0 || l.HasParentIndex {
		ae.Uint32(unix.IFLA_LINK, uint32(l.ParentIndex))
	}
	if l.Address.IsValid() {
		ae.Raw(unix.IFLA_ADDRESS, l.Address.AppendTo(nil))
	}
	if l.Broadcast.IsValid() {
		ae.Raw(unix.IFLA_BROADCAST, l.Broadcast.AppendTo(nil))
	}
	if l.Alias != "" {
		ae.String(unix.IFLA_IFALIAS, l.Alias)
	}
	if l.NetNS > 0 {
		ae.Uint32(unix.IFLA_NET_NS_FD, uint32(l.NetNS))
	}
	if l.HasAddrGenMode {
		spec := ae.NestRaw(unix.IFLA_AF_SPEC)
		in6 := ae.NestRaw(unix.AF_INET6)
		ae.Uint8(unix.IFLA_INET6_ADDR_GEN_MODE, uint8(l.AddrGenMode))
		ae.End(in6)
		ae.End(spec)
	}
	return l.Info.encode(ae)
}

func (li *LinkInfo) encode(ae *proto.AttrEncoder) error {
	kind := li.Kind
	if kind == "" && li.Data != nil {
		kind = li.Data.Kind()
	}
	slaveKind := li.SlaveKind
	if slaveKind == "" && li.SlaveData != nil {
		slaveKind = li.SlaveData.SlaveKind()
	}
	if kind == "" && li.SlaveData == nil {
		return nil
	}
	n := ae.NestRaw(unix.IFLA_LINKINFO)
	if kind != "" {
		ae.String(unix.IFLA_INFO_KIND, kind)
	}
	if li.Data != nil {
		d := ae.NestRaw(unix.IFLA_INFO_DATA)
		if err := li.Data.encode(ae); err != nil {
			return err
		}
		ae.End(d)
	}
	if li.SlaveData != nil {
		if kind == "" {
			// Changing a port's settings: the kernel takes the slave kind from the master.
			ae.String(unix.IFLA_INFO_SLAVE_KIND, slaveKind)
		}
		d := ae.NestRaw(unix.IFLA_INFO_SLAVE_DATA)
		if err := li.SlaveData.encode(ae); err != nil {
			return err
		}
		ae.End(d)
	}
	ae.End(n)
	return nil
}

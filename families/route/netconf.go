//go:build linux

package route

import (
	"context"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The RTM_*NETCONF messages: struct netconfmsg and the NETCONFA_* attributes (linux/netconf.h).
const (
	sizeofNetconfMsg = 4 // struct netconfmsg (one byte) as the kernel pads it

	netconfaIfindex                  = 1 // NETCONFA_IFINDEX
	netconfaForwarding               = 2 // NETCONFA_FORWARDING
	netconfaRPFilter                 = 3 // NETCONFA_RP_FILTER
	netconfaMCForwarding             = 4 // NETCONFA_MC_FORWARDING
	netconfaProxyNeigh               = 5 // NETCONFA_PROXY_NEIGH
	netconfaIgnoreRoutesWithLinkdown = 6 // NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN
	netconfaInput                    = 7 // NETCONFA_INPUT
	netconfaBCForwarding             = 8 // NETCONFA_BC_FORWARDING
)

// Netconf ifindex values that are no link (NETCONFA_IFINDEX).
const (
	NetconfAll     = -1 // NETCONFA_IFINDEX_ALL: the "all" settings
	NetconfDefault = -2 // NETCONFA_IFINDEX_DEFAULT: the defaults of new links
)

// Netconf is one RTM_NEWNETCONF message: the per-link (or all, default) IP configuration of one family, as
// `ip netconf show` prints it. Each setting is -1 when the message did not carry it.
type Netconf struct {
	// Family is ncm_family (AF_INET, AF_INET6, AF_MPLS).
	Family uint8
	// Index is NETCONFA_IFINDEX: a link, NetconfAll or NetconfDefault.
	Index int32
	// Forwarding, RPFilter, MCForwarding, ProxyNeigh, IgnoreRoutesWithLinkdown, Input (MPLS) and BCForwarding
	// are NETCONFA_FORWARDING, _RP_FILTER, _MC_FORWARDING, _PROXY_NEIGH, _IGNORE_ROUTES_WITH_LINKDOWN, _INPUT
	// and _BC_FORWARDING.
	Forwarding, RPFilter, MCForwarding, ProxyNeigh, IgnoreRoutesWithLinkdown, Input, BCForwarding int32
}

// UnmarshalBinary decodes an RTM_NEWNETCONF payload.
func (n *Netconf) UnmarshalBinary(b []byte) error {
	*n = Netconf{Forwarding: -1, RPFilter: -1, MCForwarding: -1, ProxyNeigh: -1, IgnoreRoutesWithLinkdown: -1,
		Input: -1, BCForwarding: -1}
	if len(b) < 1 {
		return errShort("netconfmsg", len(b), 1)
	}
	n.Family = b[0]
	if len(b) < sizeofNetconfMsg {
		return nil
	}
	ad := proto.NewAttrDecoder(b[sizeofNetconfMsg:])
	for ad.Next() {
		var f *int32
		switch ad.Type() {
		case netconfaIfindex:
			f = &n.Index
		case netconfaForwarding:
			f = &n.Forwarding
		case netconfaRPFilter:
			f = &n.RPFilter
		case netconfaMCForwarding:
			f = &n.MCForwarding
		case netconfaProxyNeigh:
			f = &n.ProxyNeigh
		case netconfaIgnoreRoutesWithLinkdown:
			f = &n.IgnoreRoutesWithLinkdown
		case netconfaInput:
			f = &n.Input
		case netconfaBCForwarding:
			f = &n.BCForwarding
		default:
			continue
		}
		*f = ad.Int32()
	}
	return ad.Err()
}

// NetconfService reads the per-link IP configuration (RTM_GETNETCONF), as `ip netconf` does. Get one with
// Client.Netconf.
type NetconfService struct{ c *Client }

// Netconf returns the netconf service on c.
func (c *Client) Netconf() NetconfService { return NetconfService{c} }

// List dumps the configuration of family (AF_INET, AF_INET6, AF_MPLS; 0 every family that has it).
func (s NetconfService) List(ctx context.Context, family uint8) ([]Netconf, error) {
	req := make([]byte, sizeofNetconfMsg)
	req[0] = family
	return dumpDecoded(ctx, s.c, unix.RTM_GETNETCONF, unix.RTM_NEWNETCONF, "RTM_NEWNETCONF", req,
		func(p []byte) (Netconf, error) {
			var v Netconf
			err := v.UnmarshalBinary(p)
			return v, err
		})
}

package main

import (
	"fmt"
	"net/netip"
	"os"

	"github.com/nlkit/nlkit/compat"
)

// The requests of `ip link add/del`, `ip addr add/del` and `ip route add`, for the simple forms only, ported
// from iplink_modify, ipaddr_modify and iproute_modify. Errors are printed as ip prints them (the *compat.Error
// text), and the exit status is ip's: 2 when the kernel refused.

const (
	nlmFAck    = 0x4
	nlmFExcl   = 0x200
	nlmFCreate = 0x400

	rtmNewroute = 24

	iflaLinkinfo  = 18
	iflaInfoKind  = 1
	iflaInfoData  = 2
	vethInfoPeer  = 1
	rtaDst        = 1
	rtaOif        = 4
	rtaGateway    = 5
	rtTableMain   = 254
	rtScopeNowher = 255
	rtprotBoot    = 3
	rtnUnicast    = 1
)

func (p *ip) talk(req *compat.Nlmsghdr) int {
	if err := compat.RtnlTalk(&p.rth, req, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// linkModify is iplink_modify for `link add NAME type KIND [peer name PEER]` and `link del NAME`.
func (p *ip) linkModify(cmd uint16, flags uint16, args []string) int {
	var name, kind, peer string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "type" && i+1 < len(args):
			i++
			kind = args[i]
		case args[i] == "peer" && i+2 < len(args) && args[i+1] == "name":
			i += 2
			peer = args[i]
		case args[i] == "dev" && i+1 < len(args):
			i++
			name = args[i]
		default:
			name = args[i]
		}
	}
	if name == "" {
		return usage()
	}
	req := compat.NewRequest(cmd, nlmFRequest|flags, compat.Ifinfomsg{}, 1024)
	if cmd == rtmDellink {
		ifi := compat.NlmsgData[compat.Ifinfomsg](req)
		if ifi.Index = p.cache.nameToIndex(name); ifi.Index == 0 {
			fmt.Fprintf(os.Stderr, "Cannot find device \"%s\"\n", name)
			return 1
		}
		return p.talk(req)
	}
	compat.AddattrL(req, req.Size(), iflaIfname, append([]byte(name), 0))
	if kind != "" {
		linkinfo, _ := compat.AddattrNest(req, req.Size(), iflaLinkinfo)
		compat.AddattrL(req, req.Size(), iflaInfoKind, []byte(kind))
		if kind == "veth" && peer != "" {
			data, _ := compat.AddattrNest(req, req.Size(), iflaInfoData)
			nest, _ := compat.AddattrNest(req, req.Size(), vethInfoPeer)
			var ifm compat.Ifinfomsg
			compat.AddrawL(req, req.Size(), compat.AsBytes(&ifm))
			compat.AddattrL(req, req.Size(), iflaIfname, append([]byte(peer), 0))
			compat.AddattrNestEnd(req, nest)
			compat.AddattrNestEnd(req, data)
		}
		compat.AddattrNestEnd(req, linkinfo)
	}
	return p.talk(req)
}

// parseDev finds "dev NAME" in args and resolves it, printing ip's complaint when it does not exist.
func (p *ip) parseDev(args []string) (int32, []string, bool) {
	var rest []string
	dev := ""
	for i := 0; i < len(args); i++ {
		if args[i] == "dev" && i+1 < len(args) {
			i++
			dev = args[i]
			continue
		}
		rest = append(rest, args[i])
	}
	if dev == "" {
		fmt.Fprintln(os.Stderr, "Not enough information: \"dev\" argument is required.")
		return 0, nil, false
	}
	idx := p.cache.nameToIndex(dev)
	if idx == 0 {
		fmt.Fprintf(os.Stderr, "Cannot find device \"%s\"\n", dev)
		return 0, nil, false
	}
	return idx, rest, true
}

// addrModify is ipaddr_modify for `addr {add|del} PREFIX dev NAME`.
func (p *ip) addrModify(cmd uint16, flags uint16, args []string) int {
	idx, rest, ok := p.parseDev(args)
	if !ok || len(rest) != 1 {
		return 1
	}
	pfx, err := netip.ParsePrefix(rest[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: any valid prefix is expected rather than \"%s\".\n", rest[0])
		return 1
	}
	family := uint8(afInet6)
	if pfx.Addr().Is4() {
		family = afInet
	}
	req := compat.NewRequest(cmd, nlmFRequest|flags, compat.Ifaddrmsg{Family: family}, 256)
	lcl := pfx.Addr().AsSlice()
	compat.AddattrL(req, req.Size(), ifaLocal, lcl)
	compat.AddattrL(req, req.Size(), ifaAddress, lcl)
	ifa := compat.NlmsgData[compat.Ifaddrmsg](req)
	ifa.Prefixlen = uint8(pfx.Bits())
	ifa.Index = uint32(idx)
	return p.talk(req)
}

// routeAdd is iproute_modify for `route add PREFIX via GATEWAY dev NAME`.
func (p *ip) routeAdd(args []string) int {
	idx, rest, ok := p.parseDev(args)
	if !ok || len(rest) != 3 || rest[1] != "via" {
		return 1
	}
	dst, err1 := netip.ParsePrefix(rest[0])
	gw, err2 := netip.ParseAddr(rest[2])
	if err1 != nil || err2 != nil || !dst.Addr().Is4() || !gw.Is4() {
		fmt.Fprintln(os.Stderr, "compat-ip: route add takes an IPv4 prefix and gateway")
		return 1
	}
	req := compat.NewRequest(rtmNewroute, nlmFRequest|nlmFCreate|nlmFExcl,
		compat.Rtmsg{Family: afInet, Table: rtTableMain, Scope: rtScopeNowher}, 4096)
	r := compat.NlmsgData[compat.Rtmsg](req)
	r.Protocol, r.Scope, r.Type = rtprotBoot, 0, rtnUnicast
	r.DstLen = uint8(dst.Bits())
	compat.AddattrL(req, req.Size(), rtaDst, dst.Addr().AsSlice())
	compat.AddattrL(req, req.Size(), rtaGateway, gw.AsSlice())
	compat.Addattr32(req, req.Size(), rtaOif, uint32(idx))
	return p.talk(req)
}

// Command compat-ip is a small part of iproute2's `ip`, ported to Go line by line against package compat, the
// way a C program written on libnetlink would be ported. It lists links and addresses in the one-line format of
// `ip -o link` and `ip -o addr`, and prints link and address events as `ip monitor link address` does:
//
//	compat-ip link [show] [dev NAME]
//	compat-ip addr [show] [dev NAME]
//	compat-ip link add NAME type { bridge | veth peer name PEER } | link del NAME
//	compat-ip addr { add | del } PREFIX dev NAME
//	compat-ip route add PREFIX via GATEWAY dev NAME
//	compat-ip monitor [link] [address] [label] [all-nsid]
//	compat-ip monitor file FILE
//	compat-ip save FILE
//
// The add and del commands build the same requests as ip (compat's tests check them byte for byte against
// captures of ip) and print the kernel's refusal as ip does, "RTNETLINK answers: File exists" or
// "Error: <extended ack message>.", with ip's exit status 2.
//
// `save FILE` writes a link and an address dump through RtnlHandle.DumpFp, the file format `ip monitor file`
// reads (and `compat-ip monitor file` too).
//
// The output matches iproute2 6.1's for the attributes a plain link or address has (integration/compat
// compares them); details it does not port (XDP programs, VF lists, statistics, -d) are left out.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/nlkit/nlkit/compat"
)

// ip is the state the C program keeps in globals: the handle, the link cache, the filter.
type ip struct {
	rth   compat.RtnlHandle
	cache *llCache
	out   *bufio.Writer

	oneline   bool   // -o: records on one line, "\" where a line would break
	doLink    bool   // `ip link`: print the link mode
	showqueue bool   // print qlen
	ifindex   int32  // filter.ifindex
	family    uint8  // filter.family
	sl        string // _SL_: the line separator
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func usage() int {
	fmt.Fprintln(os.Stderr, "Usage: compat-ip { link | addr } [ show ] [ dev NAME ]\n"+
		"       compat-ip link add NAME type { bridge | veth peer name PEER } | link del NAME\n"+
		"       compat-ip addr { add | del } PREFIX dev NAME | route add PREFIX via GATEWAY dev NAME\n"+
		"       compat-ip monitor [ link ] [ address ] [ label ] [ all-nsid ] | monitor file FILE\n"+
		"       compat-ip save FILE")
	return 255
}

func run(args []string) int {
	if len(args) == 0 {
		return usage()
	}
	p := &ip{out: bufio.NewWriter(os.Stdout)}
	defer p.out.Flush()
	cmd, rest := args[0], args[1:]
	if cmd == "monitor" && len(rest) == 2 && rest[0] == "file" {
		return p.monitorFile(rest[1])
	}
	if err := compat.RtnlOpen(&p.rth, 0); err != nil {
		fmt.Fprintf(os.Stderr, "Cannot open netlink socket: %v\n", err)
		return 1
	}
	defer compat.RtnlClose(&p.rth)
	compat.RtnlSetStrictDump(&p.rth)
	p.cache = newLLCache(&p.rth)
	verb := ""
	if len(rest) > 0 {
		verb = rest[0]
	}
	switch {
	case strings.HasPrefix("link", cmd) && verb == "add":
		return p.linkModify(rtmNewlink, nlmFCreate|nlmFExcl, rest[1:])
	case strings.HasPrefix("link", cmd) && (verb == "del" || verb == "delete"):
		return p.linkModify(rtmDellink, 0, rest[1:])
	case strings.HasPrefix("address", cmd) && verb == "add":
		return p.addrModify(rtmNewaddr, nlmFCreate|nlmFExcl, rest[1:])
	case strings.HasPrefix("address", cmd) && (verb == "del" || verb == "delete"):
		return p.addrModify(rtmDeladdr, 0, rest[1:])
	case strings.HasPrefix("route", cmd) && len(cmd) > 1 && verb == "add":
		return p.routeAdd(rest[1:])
	case strings.HasPrefix("link", cmd):
		return p.list(rest, true)
	case strings.HasPrefix("address", cmd):
		return p.list(rest, false)
	case strings.HasPrefix("monitor", cmd):
		return p.monitor(rest)
	case cmd == "save" && len(rest) == 1:
		return p.save(rest[0])
	}
	return usage()
}

// list is ipaddr_list_flush_or_save for `ip -o link` (doLink) and `ip -o addr`.
func (p *ip) list(args []string, doLink bool) int {
	p.oneline, p.sl = true, "\\"
	p.doLink, p.showqueue = doLink, true
	if doLink {
		p.family = afPacket
	}
	dev := ""
	for len(args) > 0 {
		switch args[0] {
		case "show", "list":
		case "dev":
			if len(args) < 2 {
				return usage()
			}
			args = args[1:]
			dev = args[0]
		default:
			dev = args[0]
		}
		args = args[1:]
	}
	if dev != "" {
		p.ifindex = p.cache.nameToIndex(dev)
		if p.ifindex <= 0 {
			fmt.Fprintf(os.Stderr, "Device \"%s\" does not exist.\n", dev)
			return 1
		}
	}
	if dev != "" && doLink {
		// "If only filter_dev present ... use RTM_GETLINK to get the link device" (iplink_get).
		if err := p.iplinkGet(dev, rtextFilterVF); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	links, err := p.linkList(dev)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var addrs []*compat.Nlmsghdr
	if !doLink {
		if addrs, err = p.addrList(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	for _, l := range links {
		if doLink {
			p.printLinkinfo(l)
			continue
		}
		p.printSelectedAddrinfo(compat.NlmsgData[compat.Ifinfomsg](l), addrs)
	}
	return 0
}

// store is store_nlmsg: it keeps a copy of each message and remembers links in the cache.
func (p *ip) store(n *compat.Nlmsghdr, arg any) int {
	list := arg.(*[]*compat.Nlmsghdr)
	*list = append(*list, n.Clone())
	p.cache.rememberIndex(n)
	return 0
}

// linkList is ip_link_list, or ipaddr_link_get for one device.
func (p *ip) linkList(dev string) ([]*compat.Nlmsghdr, error) {
	var links []*compat.Nlmsghdr
	if dev != "" {
		answer, err := p.ipaddrLinkGet(p.ifindex)
		if err != nil {
			return nil, err
		}
		p.store(answer, &links)
		return links, nil
	}
	if err := compat.RtnlLinkdumpReqFilterFn(&p.rth, int(p.family), iplinkFilterReq); err != nil {
		return nil, fmt.Errorf("Cannot send dump request: %w", err) //lint:ignore ST1005 ip's own message
	}
	if err := compat.RtnlDumpFilter(&p.rth, p.store, &links); err != nil {
		return nil, fmt.Errorf("%v\nDump terminated", err)
	}
	return links, nil
}

// addrList is ip_addr_list.
func (p *ip) addrList() ([]*compat.Nlmsghdr, error) {
	var addrs []*compat.Nlmsghdr
	if err := compat.RtnlAddrdumpReq(&p.rth, int(p.family), p.ipaddrDumpFilter); err != nil {
		return nil, fmt.Errorf("Cannot send dump request: %w", err) //lint:ignore ST1005 ip's own message
	}
	if err := compat.RtnlDumpFilter(&p.rth, p.store, &addrs); err != nil {
		return nil, fmt.Errorf("%v\nDump terminated", err)
	}
	return addrs, nil
}

// iplinkFilterReq is iplink_filter_req.
func iplinkFilterReq(nlh *compat.Nlmsghdr, reqlen int) error {
	return compat.Addattr32(nlh, reqlen, iflaExtMask, rtextFilterVF)
}

// ipaddrDumpFilter is ipaddr_dump_filter.
func (p *ip) ipaddrDumpFilter(nlh *compat.Nlmsghdr, reqlen int) error {
	ifa := compat.NlmsgData[compat.Ifaddrmsg](nlh)
	ifa.Index = uint32(p.ifindex)
	return nil
}

// iplinkGet is iplink_get.
func (p *ip) iplinkGet(name string, filtMask uint32) error {
	req := compat.NewRequest(rtmGetlink, nlmFRequest, compat.Ifinfomsg{Family: p.family}, 1024)
	compat.AddattrL(req, req.Size(), iflaIfname, append([]byte(name), 0))
	compat.Addattr32(req, req.Size(), iflaExtMask, filtMask)
	var answer *compat.Nlmsghdr
	if err := compat.RtnlTalk(&p.rth, req, &answer); err != nil {
		return err
	}
	p.printLinkinfo(answer)
	return nil
}

// ipaddrLinkGet is ipaddr_link_get.
func (p *ip) ipaddrLinkGet(index int32) (*compat.Nlmsghdr, error) {
	req := compat.NewRequest(rtmGetlink, nlmFRequest, compat.Ifinfomsg{Family: p.family, Index: index}, 1024)
	compat.Addattr32(req, req.Size(), iflaExtMask, rtextFilterVF|rtextFilterSkipStats)
	var answer *compat.Nlmsghdr
	if err := compat.RtnlTalk(&p.rth, req, &answer); err != nil {
		return nil, fmt.Errorf("Cannot send link request: %w", err) //lint:ignore ST1005 ip's own message
	}
	return answer, nil
}

// save writes a link and an address dump to file through DumpFp, as rtmon starts its files.
func (p *ip) save(file string) int {
	f, err := os.Create(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Cannot fopen: %v\n", err)
		return 1
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	p.rth.DumpFp = w
	err = compat.RtnlLinkdumpReq(&p.rth, afUnspec)
	if err == nil {
		err = compat.RtnlDumpFilter(&p.rth, func(*compat.Nlmsghdr, any) int { return 0 }, nil)
	}
	if err == nil {
		if err = compat.RtnlAddrdumpReq(&p.rth, afUnspec, nil); err == nil {
			err = compat.RtnlDumpFilter(&p.rth, func(*compat.Nlmsghdr, any) int { return 0 }, nil)
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

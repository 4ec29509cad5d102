package main

import (
	"fmt"
	"os"

	"github.com/nlkit/nlkit/compat"
)

// monitor is ip/ipmonitor.c's do_ipmonitor for the link and address objects.
func (p *ip) monitor(args []string) int {
	const (
		lLink = 1 << iota
		lAddr
	)
	lmask, prefixBanner, allNsid := 0, false, false
	for _, a := range args {
		switch a {
		case "link":
			lmask |= lLink
		case "address", "addr":
			lmask |= lAddr
		case "label":
			prefixBanner = true
		case "all-nsid":
			allNsid = true
		default:
			fmt.Fprintf(os.Stderr, "Argument \"%s\" is unknown, try \"compat-ip monitor help\".\n", a)
			return 255
		}
	}
	if lmask == 0 {
		lmask = lLink | lAddr
	}
	var groups uint32
	if lmask&lLink != 0 {
		groups |= 1 << (rtnlgrpLink - 1)
	}
	if lmask&lAddr != 0 {
		groups |= 1<<(rtnlgrpIPv4Ifaddr-1) | 1<<(rtnlgrpIPv6Ifaddr-1)
	}
	p.resetFilter()
	compat.RtnlClose(&p.rth)
	if err := compat.RtnlOpen(&p.rth, groups); err != nil {
		fmt.Fprintf(os.Stderr, "Cannot open netlink socket: %v\n", err)
		return 1
	}
	if allNsid {
		if err := compat.RtnlListenAllNsid(&p.rth); err != nil {
			fmt.Fprintf(os.Stderr, "NETLINK_LISTEN_ALL_NSID: %v\n", err)
			return 1
		}
	}
	p.cache = newLLCache(&p.rth)
	if err := p.cache.initMap(); err != nil {
		fmt.Fprintf(os.Stderr, "%v\nDump terminated\n", err)
		return 1
	}
	h := &monitorHeaders{prefixBanner: prefixBanner, allNsid: allNsid}
	// RtnlListen returns only when listening ends, always with the reason.
	fmt.Fprintln(os.Stderr, compat.RtnlListen(&p.rth, p.acceptMsg, h))
	return 2
}

// monitorFile is `ip monitor file FILE`: the messages of a dump file, printed as events.
func (p *ip) monitorFile(file string) int {
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Cannot fopen: %v\n", err)
		return 255
	}
	defer f.Close()
	p.resetFilter()
	// ll_link_get opens sockets of its own for names not in the file.
	p.cache = newLLCache(&p.rth)
	if err := compat.RtnlFromFile(f, p.acceptMsg, &monitorHeaders{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// resetFilter is ipaddr_reset_filter(1, 0): monitors print addresses with their device, one record a line but
// with real line breaks.
func (p *ip) resetFilter() {
	p.oneline, p.sl = true, "\n"
	p.doLink, p.showqueue, p.family, p.ifindex = false, false, 0, 0
}

type monitorHeaders struct {
	prefixBanner, allNsid bool
}

// printHeaders is print_headers.
func (p *ip) printHeaders(h *monitorHeaders, label string, ctrl *compat.RtnlCtrlData) {
	if h.allNsid {
		if ctrl == nil || ctrl.Nsid < 0 {
			p.out.WriteString("[nsid current]")
		} else {
			fmt.Fprintf(p.out, "[nsid %d]", ctrl.Nsid)
		}
	}
	if h.prefixBanner {
		p.out.WriteString(label)
	}
}

// acceptMsg is accept_msg for links and addresses; other messages are ignored.
func (p *ip) acceptMsg(ctrl *compat.RtnlCtrlData, n *compat.Nlmsghdr, arg any) int {
	h := arg.(*monitorHeaders)
	switch n.Type {
	case rtmNewlink, rtmDellink:
		p.cache.rememberIndex(n)
		p.printHeaders(h, "[LINK]", ctrl)
		p.printLinkinfo(n)
	case rtmNewaddr, rtmDeladdr:
		p.printHeaders(h, "[ADDR]", ctrl)
		p.printAddrinfo(n)
	}
	p.out.Flush()
	return 0
}

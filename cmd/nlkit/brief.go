package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// ip's color codes (utils/color.c): the attributes -c colors, and the operational states that have a color.
const (
	colorIfname = "\x1b[36m"
	colorMAC    = "\x1b[33m"
	colorInet   = "\x1b[35m"
	colorInet6  = "\x1b[34m"
	colorUp     = "\x1b[32m"
	colorDown   = "\x1b[31m"
	colorReset  = "\x1b[0m"
)

// colored prints text (already formatted) in color when -c is on; JSON is never colored.
func (a *app) colored(color, text string) {
	p := a.p
	if a.color && color != "" {
		p.b = append(append(append(p.b, color...), text...), colorReset...)
		return
	}
	p.b = append(p.b, text...)
}

// operStateColor is oper_state_color: green for UP, red for DOWN, none for the rest.
func operStateColor(s route.OperState) string {
	switch s {
	case route.OperUp:
		return colorUp
	case route.OperDown:
		return colorDown
	}
	return ""
}

// printNameAndLink is print_name_and_link: "NAME@PARENT" padded to 16 in text ("link" and "ifname" in JSON).
// It reports whether the parent is down (M-DOWN).
func (a *app) printNameAndLink(l *route.Link) bool {
	p := a.p
	name, mdown := l.Name, false
	switch {
	case l.HasParentIndex && l.ParentIndex == 0:
		p.null("link", "")
		name += "@NONE"
	case l.ParentIndex != 0 && l.HasLinkNetNSID:
		p.int("link_index", "", int64(l.ParentIndex))
		name += fmt.Sprintf("@if%d", l.ParentIndex)
	case l.ParentIndex != 0:
		p.jstr("link", a.links.name(l.ParentIndex))
		name += "@" + a.links.name(l.ParentIndex)
		pl, ok := a.links.link(l.ParentIndex)
		mdown = !ok || !pl.IsUp()
	}
	if p.json {
		p.jstr("ifname", l.Name)
	} else {
		a.colored(colorIfname, fmt.Sprintf("%-16s ", name))
	}
	return mdown
}

// printOperStateBrief is print_operstate in brief mode.
func (a *app) printOperStateBrief(s route.OperState) {
	p := a.p
	if s > route.OperUp {
		p.uint("operstate_index", "%6d ", uint64(s))
		return
	}
	if p.json {
		p.jstr("operstate", s.String())
		return
	}
	a.colored(operStateColor(s), fmt.Sprintf("%-14s ", s.String()))
}

// printLinkFlags is print_link_flags: "<FLAG,...> " in text, the "flags" array in JSON.
func (a *app) printLinkFlags(f route.LinkFlags, mdown bool) {
	p := a.p
	names := f.Names()
	if rest := uint32(f) &^ knownLinkFlags; rest != 0 {
		names = append(names, fmt.Sprintf("%x", rest))
	}
	if mdown {
		names = append(names, "M-DOWN")
	}
	if p.json {
		p.openArr("flags")
		for _, n := range names {
			p.jstr("", n)
		}
		p.closeArr()
		return
	}
	p.b = append(p.b, '<')
	for i, n := range names {
		if i > 0 {
			p.b = append(p.b, ',')
		}
		p.b = append(p.b, n...)
	}
	p.b = append(p.b, "> "...)
}

// printLinkBrief is `ip -br link`'s line (print_linkinfo_brief with the AF_PACKET filter), in an open JSON
// object.
func (a *app) printLinkBrief(l *route.Link) {
	mdown := a.printNameAndLink(l)
	a.printOperStateBrief(l.OperState)
	if l.Address.IsValid() {
		if a.p.json {
			a.p.jstr("address", l.Address.Format(l.Type))
		} else {
			a.colored(colorMAC, l.Address.Format(l.Type)+" ")
		}
	}
	a.printLinkFlags(l.Flags, mdown)
	a.p.text("\n")
}

// printAddrsBrief is `ip -br addr`'s line: the link's name and state, then each address as "LOCAL[ peer
// ADDRESS]/LEN " (print_addrinfo in brief mode), in an open JSON object.
func (a *app) printAddrsBrief(l *route.Link, addrs []*route.Addr) {
	p := a.p
	a.printNameAndLink(l)
	a.printOperStateBrief(l.OperState)
	p.openArr("addr_info")
	for _, ad := range addrs {
		p.openObj("")
		color := colorInet
		if ad.Family == unix.AF_INET6 {
			color = colorInet6
		}
		if p.json {
			p.jstr("local", ad.Local.String())
		} else {
			a.colored(color, ad.Local.String())
		}
		if ad.Peer.IsValid() && ad.Peer != ad.Local {
			if p.json {
				p.jstr("address", ad.Peer.String())
			} else {
				p.b = append(p.b, " peer "...)
				a.colored(color, ad.Peer.String())
			}
		}
		p.int("prefixlen", "/%d ", int64(ad.PrefixLen))
		p.closeObj()
	}
	p.closeArr()
	p.text("\n")
}

// matchesColor is matches_color: "-c", "-color" (any prefix of it) with "=always", "=auto" or "=never" or
// nothing (always). It returns the choice, or "" when opt is not a color option.
func matchesColor(opt string) string {
	word, when, hasWhen := strings.Cut(opt, "=")
	if !matches(word, "color") {
		return ""
	}
	switch {
	case !hasWhen || when == "always":
		return "always"
	case when == "auto" || when == "never":
		return when
	}
	return ""
}

// colorOn is check_enable_color: always colors, auto only on a terminal.
func colorOn(when string, w io.Writer) bool {
	switch when {
	case "always":
		return true
	case "auto":
		f, ok := w.(*os.File)
		if !ok {
			return false
		}
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		return err == nil
	}
	return false
}

package main

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

func (a *app) cmdRule(argv []string) error {
	return runCommand("rule", "Usage: nlkit rule [ show ]\n"+
		"       nlkit rule { add | del } [ not ] [ from PREFIX ] [ to PREFIX ] [ iif DEV ] [ oif DEV ]\n"+
		"                  [ fwmark M[/MASK] ] [ pref N ] [ lookup TABLE | goto N | nop | blackhole |\n"+
		"                  unreachable | prohibit ] [ l3mdev ] [ uidrange A-B ] [ protocol P ]", argv,
		command{showWords, func(args []string) error {
			f, err := a.parseRuleFilter(args)
			if err != nil {
				return err
			}
			return a.jsonList(func() error { return a.showRules(f) })
		}},
		command{"add", withOp(a.ruleModify, opAdd)},
		command{"delete", withOp(a.ruleModify, opDelete)},
		command{"flush", a.flushRules})
}

// ruleFilter is the selector of `ip rule show` and `ip rule flush` (iprule.c's struct filter): each field
// set must equal the rule's.
type ruleFilter struct {
	family             uint8
	pref               uint32
	hasPref            bool
	not, l3mdev        bool
	tos                uint8
	hasTOS             bool
	mark, mask         uint32
	hasMark, hasMask   bool
	iif, oif           string
	hasIIF, hasOIF     bool
	uidStart, uidEnd   uint32
	hasUID             bool
	table              uint32
	src, dst           netip.Prefix
	hasSrc, hasDst     bool
	protocol           route.Protocol
	hasProtocol        bool
	ipproto            uint8
	hasIPProto         bool
	sport, dport       [2]uint16
	hasSport, hasDport bool
}

// parseRuleFilter reads ip rule show's selectors as iprule_list_flush_or_save does: a word it does not know
// is the "to" prefix.
func (a *app) parseRuleFilter(argv []string) (*ruleFilter, error) {
	f := &ruleFilter{family: a.family}
	if f.family == 0 {
		f.family = unix.AF_INET
	}
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch {
		case w == "not":
			f.not = true
			continue
		case w == "l3mdev":
			f.l3mdev = true
			continue
		case matches(w, "preference"), matches(w, "order"), matches(w, "priority"), w == "tos",
			w == "dsfield", w == "fwmark", w == "dev", w == "iif", w == "oif", w == "uidrange", matches(w, "lookup"),
			matches(w, "table"), matches(w, "from"), matches(w, "src"), matches(w, "protocol"), w == "ipproto",
			w == "sport", w == "dport", matches(w, "dst"), matches(w, "to"):
		default:
			// the "to" prefix without its keyword
			av.i--
			w = "to"
		}
		v, err := av.value()
		if err != nil {
			return nil, err
		}
		switch {
		case matches(w, "preference"), matches(w, "order"), matches(w, "priority"):
			n, perr := strconv.ParseUint(v, 0, 32)
			if perr != nil {
				return nil, invarg("preference value is invalid", v)
			}
			f.pref, f.hasPref = uint32(n), true
		case w == "tos", w == "dsfield":
			if f.tos, err = parseDSField(v, "TOS value is invalid"); err != nil {
				return nil, err
			}
			f.hasTOS = true
		case w == "fwmark":
			mark, mask, hasMask := strings.Cut(v, "/")
			n, perr := strconv.ParseUint(mark, 0, 32)
			if perr != nil {
				return nil, invarg("fwmark value is invalid", mark)
			}
			f.mark, f.hasMark = uint32(n), true
			if hasMask {
				if n, perr = strconv.ParseUint(mask, 0, 32); perr != nil {
					return nil, invarg("fwmask value is invalid", mask)
				}
				f.mask, f.hasMask = uint32(n), true
			}
		case w == "dev", w == "iif":
			f.iif, f.hasIIF = v, true
		case w == "oif":
			f.oif, f.hasOIF = v, true
		case w == "uidrange":
			lo, hi, ok := strings.Cut(v, "-")
			l, err1 := strconv.ParseUint(lo, 10, 32)
			h, err2 := strconv.ParseUint(hi, 10, 32)
			if !ok || err1 != nil || err2 != nil {
				return nil, invarg("invalid UID range", v)
			}
			f.uidStart, f.uidEnd, f.hasUID = uint32(l), uint32(h), true
		case matches(w, "lookup"), matches(w, "table"):
			t, ok := route.ParseTable(v)
			if !ok {
				return nil, invarg("table id value is invalid", v)
			}
			f.table = t
		case matches(w, "from"), matches(w, "src"):
			if f.src, err = parseFilterPrefix(v, f.family); err != nil {
				return nil, err
			}
			f.hasSrc = true
		case matches(w, "protocol"):
			if v == "all" {
				f.hasProtocol = false
				continue
			}
			p, ok := route.ParseProtocol(v)
			if !ok {
				return nil, invarg(`invalid "protocol"`, v)
			}
			f.protocol, f.hasProtocol = p, true
		case w == "ipproto":
			n, ok := parseIPProto(v)
			if !ok {
				return nil, invarg("Invalid \"ipproto\" value", v)
			}
			f.ipproto, f.hasIPProto = n, true
		case w == "sport", w == "dport":
			r, ok := parsePortRange(v)
			if !ok {
				return nil, invarg("invalid port range", v)
			}
			if w == "sport" {
				f.sport, f.hasSport = r, true
			} else {
				f.dport, f.hasDport = r, true
			}
		default: // to, dst
			if f.dst, err = parseFilterPrefix(v, f.family); err != nil {
				return nil, err
			}
			f.hasDst = true
		}
	}
	return f, nil
}

// parseFilterPrefix is get_prefix for a filter: "all", "any" and "default" are the family's /0.
func parseFilterPrefix(s string, family uint8) (netip.Prefix, error) {
	p, _, err := parsePrefix(s, family)
	if err != nil {
		return netip.Prefix{}, &notFoundError{msg: fmt.Sprintf("Error: %s prefix is expected rather than %q.",
			route.FamilyName(family), s)}
	}
	return p, nil
}

// parsePortRange reads "PORT" or "START-END".
func parsePortRange(s string) ([2]uint16, bool) {
	lo, hi, isRange := strings.Cut(s, "-")
	l, err := strconv.ParseUint(lo, 10, 16)
	if err != nil {
		return [2]uint16{}, false
	}
	h := l
	if isRange {
		if h, err = strconv.ParseUint(hi, 10, 16); err != nil {
			return [2]uint16{}, false
		}
	}
	return [2]uint16{uint16(l), uint16(h)}, true
}

// match is iprule.c's filter_nlmsg; the protocol counts only for a flush (ip rule show lists every protocol).
func (f *ruleFilter) match(r *route.Rule, flush bool) bool {
	switch {
	case f.hasPref && f.pref != r.Priority,
		f.not && r.Flags&unix.FIB_RULE_INVERT == 0,
		f.hasSrc && !prefixFilterMatch(f.src, r.Family, r.Src),
		f.hasDst && !prefixFilterMatch(f.dst, r.Family, r.Dst),
		f.hasTOS && f.tos != r.TOS,
		f.hasMark && f.mark != r.Mark,
		f.hasMask && f.mask != r.Mask,
		f.hasIIF && f.iif != r.IIFName,
		f.hasOIF && f.oif != r.OIFName,
		f.l3mdev && r.L3MDev == 0,
		f.hasUID && (!r.HasUIDRange || f.uidStart != r.UIDStart || f.uidEnd != r.UIDEnd),
		f.hasIPProto && f.ipproto != r.IPProto,
		f.hasSport && (f.sport[0] != r.SPortStart || f.sport[1] != r.SPortEnd),
		f.hasDport && (f.dport[0] != r.DPortStart || f.dport[1] != r.DPortEnd),
		f.table > 0 && f.table != r.Table,
		flush && f.hasProtocol && f.protocol != r.Protocol:
		return false
	}
	return true
}

// prefixFilterMatch is filter_nlmsg's prefix test: the same family, a prefix no longer than the rule's, and
// the rule's address inside the filter's (a rule for "all" has no address and passes).
func prefixFilterMatch(f netip.Prefix, family uint8, p netip.Prefix) bool {
	if !f.IsValid() {
		return true
	}
	bits := 0
	if p.IsValid() {
		bits = p.Bits()
	}
	if familyOf(f.Addr()) != family || f.Bits() > bits {
		return false
	}
	if !p.IsValid() || f.Bits() == 0 {
		return true
	}
	return f.Masked().Contains(p.Addr())
}

// rules lists the rules f selects.
func (a *app) rules(f *ruleFilter, flush bool) ([]route.Rule, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	rules, err := c.Rule.List(a.ctx, &route.RuleFilter{Family: f.family})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rules, func(r route.Rule) bool { return !f.match(&r, flush) }), nil
}

// showRules is `ip rule show [SELECTOR]` (IPv4 unless -6, as ip).
func (a *app) showRules(f *ruleFilter) error {
	rules, err := a.rules(f, false)
	if err != nil {
		return err
	}
	for i := range rules {
		a.printRule(&rules[i], false)
	}
	return nil
}

// flushRules is `ip rule flush [SELECTOR]`: it deletes every selected rule but those of preference 0 (the
// local table's), as ip's flush_rule does.
func (a *app) flushRules(argv []string) error {
	f, err := a.parseRuleFilter(argv)
	if err != nil {
		return err
	}
	rules, err := a.rules(f, true)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if r.Priority == 0 {
			continue
		}
		if err := edit(a.ctx, a.c.Rule, opDelete, r); err != nil {
			return err
		}
	}
	return nil
}

// printRule prints one rule as ip's print_rule does.
func (a *app) printRule(r *route.Rule, deleted bool) {
	p := a.p
	if !p.json {
		a.appendText(deleted, func(b []byte) []byte { return r.AppendFormat(b, nil) })
		return
	}
	host := hostBits(r.Family)
	p.openObj("")
	if deleted {
		p.boolean("deleted", "", true)
	}
	p.uint("priority", "", uint64(r.Priority))
	if r.Flags&unix.FIB_RULE_INVERT != 0 {
		p.null("not", "")
	}
	if r.Src.IsValid() {
		p.jstr("src", r.Src.Addr().String())
		if r.Src.Bits() != host {
			p.uint("srclen", "", uint64(r.Src.Bits()))
		}
	} else {
		p.jstr("src", "all")
	}
	if r.Dst.IsValid() {
		p.jstr("dst", r.Dst.Addr().String())
		if r.Dst.Bits() != host {
			p.uint("dstlen", "", uint64(r.Dst.Bits()))
		}
	}
	if r.TOS != 0 {
		p.jstr("tos", fmt.Sprintf("0x%02x", r.TOS))
	}
	if r.Mark != 0 || r.HasMask {
		p.jstr("fwmark", hex0x(uint64(r.Mark)))
		if r.HasMask && r.Mask != 0xffffffff {
			p.jstr("fwmask", hex0x(uint64(r.Mask)))
		}
	}
	if r.IIFName != "" {
		p.jstr("iif", r.IIFName)
		if r.Flags&unix.FIB_RULE_IIF_DETACHED != 0 {
			p.null("iif_detached", "")
		}
	}
	if r.OIFName != "" {
		p.jstr("oif", r.OIFName)
		if r.Flags&unix.FIB_RULE_OIF_DETACHED != 0 {
			p.null("oif_detached", "")
		}
	}
	if r.L3MDev != 0 {
		p.null("l3mdev", "")
	}
	if r.HasUIDRange {
		p.uint("uid_start", "", uint64(r.UIDStart))
		p.uint("uid_end", "", uint64(r.UIDEnd))
	}
	if r.IPProto != 0 {
		p.jstr("ipproto", route.IPProtoName(r.IPProto))
	}
	printPortRange(p, "sport", r.SPortStart, r.SPortEnd)
	printPortRange(p, "dport", r.DPortStart, r.DPortEnd)
	if r.TunID != 0 {
		p.uint("tun_id", "", r.TunID)
	}
	if r.Table != 0 {
		p.jstr("table", route.TableName(r.Table))
		if r.HasSuppressPrefixLen && int32(r.SuppressPrefixLen) != -1 {
			p.int("suppress_prefixlen", "", int64(int32(r.SuppressPrefixLen)))
		}
		if r.HasSuppressIfGroup && int32(r.SuppressIfGroup) != -1 {
			p.jstr("suppress_ifgroup", route.GroupName(r.SuppressIfGroup))
		}
	}
	if r.Flow != 0 {
		if from := r.Flow >> 16; from != 0 {
			p.jstr("flow_from", strconv.Itoa(int(from)))
		}
		p.jstr("flow_to", strconv.Itoa(int(r.Flow&0xffff)))
	}
	switch r.Action {
	case route.RuleToTable:
	case route.RuleGoto:
		if r.Goto != 0 {
			p.uint("goto", "", uint64(r.Goto))
		} else {
			p.jstr("goto", "none")
		}
		if r.Flags&unix.FIB_RULE_UNRESOLVED != 0 {
			p.null("unresolved", "")
		}
	case route.RuleNop:
		p.null("nop", "")
	default:
		p.jstr("action", r.Action.String())
	}
	if r.Protocol != 0 && r.Protocol != route.ProtocolKernel {
		p.jstr("protocol", r.Protocol.String())
	}
	p.closeObj()
}

// printPortRange prints FRA_SPORT_RANGE or FRA_DPORT_RANGE: one number, or a start and an end.
func printPortRange(p *printer, name string, start, end uint16) {
	if start == 0 && end == 0 {
		return
	}
	if start == end {
		p.uint(name, "", uint64(start))
		return
	}
	p.uint(name+"_start", "", uint64(start))
	p.uint(name+"_end", "", uint64(end))
}

// ruleModify is `ip rule add|del SELECTOR ACTION`.
func (a *app) ruleModify(argv []string, op editOp) error {
	if len(argv) == 0 {
		return usagef("\"nlkit rule add/del\" requires arguments.")
	}
	r := route.Rule{Family: a.family}
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "not":
			r.Flags |= unix.FIB_RULE_INVERT
			continue
		case "nop":
			r.Action = route.RuleNop
			continue
		case "blackhole", "unreachable", "prohibit":
			r.Action = map[string]route.RuleAction{"blackhole": route.RuleBlackhole,
				"unreachable": route.RuleUnreachable, "prohibit": route.RuleProhibit}[w]
			continue
		case "l3mdev":
			r.L3MDev = 1
			continue
		}
		v, err := av.value()
		if err != nil {
			return err
		}
		switch w {
		case "from", "to":
			pr, isDefault, err := parsePrefix(v, r.Family)
			if err != nil {
				return err
			}
			if !isDefault {
				if r.Family == 0 {
					r.Family = familyOf(pr.Addr())
				}
				if w == "from" {
					r.Src = pr
				} else {
					r.Dst = pr
				}
			}
		case "pref", "preference", "priority", "order":
			r.Priority, err = parseU32(v, "preference")
		case "iif", "dev":
			r.IIFName = v
		case "oif":
			r.OIFName = v
		case "fwmark":
			mark, mask, hasMask := strings.Cut(v, "/")
			if r.Mark, err = parseU32(mark, "fwmark"); err == nil && hasMask {
				r.Mask, err = parseU32(mask, "fwmask")
				r.HasMask = true
			}
		case "lookup", "table":
			r.Table, err = parseTable(v)
		case "goto":
			r.Action = route.RuleGoto
			r.Goto, err = parseU32(v, "goto")
		case "uidrange":
			lo, hi, ok := strings.Cut(v, "-")
			if !ok {
				return invarg("invalid UID range", v)
			}
			if r.UIDStart, err = parseU32(lo, "uidrange"); err == nil {
				r.UIDEnd, err = parseU32(hi, "uidrange")
			}
			r.HasUIDRange = true
		case "protocol", "proto":
			r.Protocol, err = parseProtocol(v)
		case "tos", "dsfield":
			r.TOS, err = parseDSField(v, "TOS value is invalid")
		default:
			return usagef("Error: argument %q is unknown", w)
		}
		if err != nil {
			return err
		}
	}
	if r.Family == 0 {
		r.Family = unix.AF_INET
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	return edit(a.ctx, c.Rule, op, r)
}

// parseIPProto is inet_proto_a2n: a protocol name ip knows, or a number.
func parseIPProto(s string) (uint8, bool) {
	for n := 0; n < 256; n++ {
		if route.IPProtoName(uint8(n)) == s {
			return uint8(n), true
		}
	}
	v, err := strconv.ParseUint(s, 0, 8)
	return uint8(v), err == nil
}

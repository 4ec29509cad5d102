package main

import (
	"fmt"
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
			if len(args) > 0 {
				return usagef("nlkit rule show: filters are not supported (%q)", args[0])
			}
			return a.jsonList(a.showRules)
		}},
		command{"add", withOp(a.ruleModify, opAdd)},
		command{"delete", withOp(a.ruleModify, opDelete)})
}

// showRules is `ip rule show` (IPv4 unless -6, as ip).
func (a *app) showRules() error {
	family := a.family
	if family == 0 {
		family = unix.AF_INET
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	rules, err := c.Rule.List(a.ctx, &route.RuleFilter{Family: family})
	if err != nil {
		return err
	}
	for i := range rules {
		a.printRule(&rules[i], false)
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
			n, perr := strconv.ParseUint(v, 16, 8)
			if perr != nil {
				return invarg("TOS value is invalid", v)
			}
			r.TOS = uint8(n)
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

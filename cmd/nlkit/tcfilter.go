package main

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/nlkit/nlkit/families/tc"
	"golang.org/x/sys/unix"
)

// ethProtos are the protocol names of tc's ll_proto_n2a that filters use most.
var ethProtos = map[string]uint16{"all": unix.ETH_P_ALL, "ip": unix.ETH_P_IP, "ipv6": unix.ETH_P_IPV6,
	"arp": unix.ETH_P_ARP, "802.1Q": unix.ETH_P_8021Q, "802.1ad": unix.ETH_P_8021AD, "mpls_uc": unix.ETH_P_MPLS_UC}

func protoName(p uint16) string {
	for n, v := range ethProtos {
		if v == p {
			return n
		}
	}
	return fmt.Sprintf("[%04x]", p)
}

func (a *app) cmdFilter(argv []string) error {
	const usage = "Usage: nlkit filter [ add | del | change | replace | show ] dev STRING\n" +
		"       [ pref PRIO ] [ protocol PROTO ] [ chain CHAIN_INDEX ]\n" +
		"       [ root | ingress | egress | parent CLASSID ] [ handle FILTERID ]\n" +
		"       [ FILTER_TYPE [ classid CLASSID ] [ action gact VERDICT | action mirred { egress | ingress }\n" +
		"         { redirect | mirror } dev STRING ] ]\n" +
		"Where:\n" +
		"FILTER_TYPE := { matchall | basic | fw }"
	edit := func(op tcEdit) func([]string) error {
		return func(args []string) error { return a.filterModify(args, op) }
	}
	return runCommand("filter", usage, argv,
		command{showWords, a.listing(a.filterShow)},
		command{"add", edit(tcAdd)},
		command{"delete", edit(tcDelete)},
		command{"replace", edit(tcReplace)},
		command{"change", edit(tcChange)})
}

// filterArgs reads tc filter's common words up to the kind; the kind's words are returned.
func (a *app) filterArgs(argv []string, f *tc.Filter, dev *string) ([]string, error) {
	av := newArgs(argv)
	for av.more() {
		w := av.take()
		val := func() (string, error) { return av.value() }
		switch {
		case w == "dev":
			v, err := val()
			if err != nil {
				return nil, err
			}
			*dev = v
		case w == "root":
			f.Parent = tc.HandleRoot
		case w == "ingress":
			f.Parent = tc.MakeHandle(0xffff, tc.MinIngress)
		case w == "egress":
			f.Parent = tc.MakeHandle(0xffff, tc.MinEgress)
		case w == "parent" || w == "handle":
			v, err := val()
			if err != nil {
				return nil, err
			}
			var h tc.Handle
			if w == "parent" {
				h, err = tc.ParseHandle(v)
			} else {
				var n uint64
				n, err = strconv.ParseUint(v, 0, 32)
				h = tc.Handle(n)
			}
			if err != nil {
				return nil, invarg("invalid "+w, v)
			}
			if w == "parent" {
				f.Parent = h
			} else {
				f.Handle = h
			}
		case w == "pref" || w == "priority" || w == "prio":
			v, err := val()
			if err != nil {
				return nil, err
			}
			n, err := strconv.ParseUint(v, 0, 16)
			if err != nil {
				return nil, invarg(`"pref" value is invalid`, v)
			}
			f.Priority = uint16(n)
		case w == "protocol":
			v, err := val()
			if err != nil {
				return nil, err
			}
			p, ok := ethProtos[v]
			if !ok {
				n, err := strconv.ParseUint(v, 0, 16)
				if err != nil {
					return nil, invarg(`"protocol" value is invalid`, v)
				}
				p = uint16(n)
			}
			f.Protocol = p
		case w == "chain":
			v, err := val()
			if err != nil {
				return nil, err
			}
			if f.Chain, err = parseU32(v, "chain"); err != nil {
				return nil, err
			}
			f.HasChain = true
		default:
			return argv[av.i-1:], nil
		}
	}
	return nil, nil
}

// filterModify is tc_filter_modify for the classifiers nlkit parses.
func (a *app) filterModify(argv []string, op tcEdit) error {
	var f tc.Filter
	dev := ""
	rest, err := a.filterArgs(argv, &f, &dev)
	if err != nil {
		return err
	}
	if dev == "" {
		return usagef("Must specify device.")
	}
	if f.Ifindex, err = a.ifindex(dev); err != nil {
		return err
	}
	if f.Protocol == 0 && op == tcAdd {
		f.Protocol = unix.ETH_P_ALL
	}
	if len(rest) > 0 {
		f.Kind = rest[0]
		if op != tcDelete {
			if f.Options, err = a.parseFilterOptions(rest[0], rest[1:]); err != nil {
				return err
			}
		}
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	switch op {
	case tcDelete:
		return c.Filter.Delete(a.ctx, f)
	case tcReplace:
		return c.Filter.Replace(a.ctx, f)
	case tcChange:
		return c.Filter.Change(a.ctx, f)
	}
	return c.Filter.Add(a.ctx, f)
}

// parseFilterOptions reads matchall, basic and fw options: classid (flowid), skip_hw, skip_sw, and one action.
func (a *app) parseFilterOptions(kind string, rest []string) (tc.Options, error) {
	var classid *uint32
	var flags *uint32
	var acts []tc.Action
	av := newArgs(rest)
	for av.more() {
		w := av.take()
		switch w {
		case "classid", "flowid":
			v, err := av.value()
			if err != nil {
				return nil, err
			}
			h, err := tc.ParseHandle(v)
			if err != nil {
				return nil, invarg("invalid class ID", v)
			}
			classid = tc.Ptr(uint32(h))
		case "skip_hw", "skip_sw":
			fl := uint32(1) // TCA_CLS_FLAGS_SKIP_HW
			if w == "skip_sw" {
				fl = 2
			}
			if flags == nil {
				flags = new(uint32)
			}
			*flags |= fl
		case "action":
			act, err := a.parseAction(av)
			if err != nil {
				return nil, err
			}
			acts = append(acts, act)
		default:
			return nil, usagef("What is %q?", w)
		}
	}
	switch kind {
	case "matchall":
		return &tc.Matchall{ClassID: classid, Flags: flags, Actions: acts}, nil
	case "basic":
		return &tc.Basic{ClassID: classid, Actions: acts}, nil
	case "fw":
		return &tc.FW{ClassID: classid, Actions: acts}, nil
	}
	return nil, usagef("nlkit: no options parser for filter kind %q (supported: matchall, basic, fw)", kind)
}

// verdicts are tc's action_a2n names.
var verdicts = map[string]int32{"continue": tc.ActUnspec, "drop": tc.ActShot, "shot": tc.ActShot, "pass": tc.ActOK,
	"ok": tc.ActOK, "reclassify": tc.ActReclassify, "pipe": tc.ActPipe, "trap": tc.ActTrap}

// parseAction reads "gact VERDICT" (or a bare VERDICT) and "mirred {egress|ingress} {redirect|mirror} dev D".
func (a *app) parseAction(av *args) (tc.Action, error) {
	w, err := av.value()
	if err != nil {
		return tc.Action{}, err
	}
	if v, ok := verdicts[w]; ok {
		return tc.Action{Kind: "gact", Options: &tc.Gact{Parms: &tc.TcGen{Action: v}}}, nil
	}
	switch w {
	case "gact":
		v, err := av.value()
		if err != nil {
			return tc.Action{}, err
		}
		verdict, ok := verdicts[v]
		if !ok {
			return tc.Action{}, invarg("bad action type", v)
		}
		return tc.Action{Kind: "gact", Options: &tc.Gact{Parms: &tc.TcGen{Action: verdict}}}, nil
	case "mirred":
		dir, err := av.value()
		if err != nil {
			return tc.Action{}, err
		}
		how, err := av.value()
		if err != nil {
			return tc.Action{}, err
		}
		if d, err := av.value(); err != nil || d != "dev" {
			return tc.Action{}, usagef("mirred: \"dev\" expected")
		}
		dev, err := av.value()
		if err != nil {
			return tc.Action{}, err
		}
		ifi, err := a.ifindex(dev)
		if err != nil {
			return tc.Action{}, err
		}
		// TCA_EGRESS_REDIR 1, TCA_EGRESS_MIRROR 2, TCA_INGRESS_REDIR 3, TCA_INGRESS_MIRROR 4.
		e := map[string]int32{"egressredirect": 1, "egressmirror": 2, "ingressredirect": 3, "ingressmirror": 4}[dir+how]
		if e == 0 {
			return tc.Action{}, usagef("mirred: bad direction or action %q %q", dir, how)
		}
		verdict := tc.ActPipe
		if how == "redirect" {
			verdict = tc.ActStolen
		}
		return tc.Action{Kind: "mirred", Options: &tc.Mirred{Parms: &tc.MirredParms{TcGen: tc.TcGen{Action: verdict},
			EAction: e, Ifindex: uint32(ifi)}}}, nil
	}
	return tc.Action{}, usagef("nlkit: action %q is not supported (gact, mirred)", w)
}

// filterShow is tc_filter_list and print_filter, for the header and the options nlkit prints.
func (a *app) filterShow(argv []string) error {
	var f tc.Filter
	dev := ""
	rest, err := a.filterArgs(argv, &f, &dev)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("What is %q? Try \"nlkit filter help\".", rest[0])
	}
	if dev == "" {
		return usagef("Must specify device.")
	}
	ifi, err := a.ifindex(dev)
	if err != nil {
		return err
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	f.Ifindex = ifi
	filters, err := c.Filter.List(a.ctx, &tc.FilterFilter{Ifindex: ifi, Parent: f.Parent, Priority: f.Priority,
		Protocol: f.Protocol, Chain: f.Chain, HasChain: f.HasChain, Handle: f.Handle})
	if err != nil {
		return err
	}
	for i := range filters {
		a.printFilter(&filters[i], &f)
	}
	return nil
}

// printFilter prints a filter as tc's print_filter: the header, and the options of matchall and fw as their
// print_opt; of the other kinds, the handle, the class id and the actions. given holds what the command
// selected (tc leaves it out); a zero Ifindex prints the device, as tc monitor does.
func (a *app) printFilter(v *tc.Filter, given *tc.Filter) {
	a.printFilterHead(v, given, "filter")
	p := a.p
	if v.Options != nil {
		p.openObj("options")
		switch o := v.Options.(type) {
		case *tc.Matchall:
			a.printMatchall(v, o)
		case *tc.FW:
			a.printFW(v, o)
		default:
			a.printFilterBrief(v)
		}
		p.closeObj()
	}
	p.text("\n")
	if a.stats > 0 && v.Stats != nil && !isTypedFilter(v) {
		p.text("\tstats: ")
		a.printStats(v.Stats, " ")
		p.text("\n")
	}
	p.closeObj()
}

func isTypedFilter(v *tc.Filter) bool {
	switch v.Options.(type) {
	case *tc.Matchall, *tc.FW:
		return true
	}
	return false
}

// printFilterHead opens the filter's object and prints print_filter's header: "filter" (or "chain"), the
// device, parent, protocol, pref, kind and chain.
func (a *app) printFilterHead(v *tc.Filter, given *tc.Filter, word string) {
	p := a.p
	p.openObj("")
	p.text("%s ", word)
	if given.Ifindex == 0 {
		name := fmt.Sprintf("if%d", v.Ifindex)
		if lc, err := a.linkCache(); err == nil {
			name = lc.name(v.Ifindex)
		}
		p.str("dev", "dev %s ", name)
	}
	if given.Parent == 0 || given.Parent != v.Parent {
		switch v.Parent {
		case tc.HandleRoot:
			p.boolean("root", "root ", true)
		case tc.MakeHandle(0xffff, tc.MinIngress):
			p.boolean("ingress", "ingress ", true)
		case tc.MakeHandle(0xffff, tc.MinEgress):
			p.boolean("egress", "egress ", true)
		default:
			p.str("parent", "parent %s ", v.Parent.String())
		}
	}
	if v.Info != 0 && word == "filter" {
		if v.Protocol != 0 && given.Protocol != v.Protocol {
			p.str("protocol", "protocol %s ", protoName(v.Protocol))
		}
		if v.Priority != 0 && given.Priority != v.Priority {
			p.uint("pref", "pref %d ", uint64(v.Priority))
		}
	}
	if v.Kind != "" {
		p.str("kind", "%s ", v.Kind)
	}
	if v.HasChain && !given.HasChain {
		p.uint("chain", "chain %d ", uint64(v.Chain))
	}
}

// printFilterBrief prints the handle, class id and actions of a classifier nlkit does not print as tc does.
func (a *app) printFilterBrief(v *tc.Filter) {
	p := a.p
	if v.Handle != 0 {
		p.str("handle", "handle %s ", "0x"+strconv.FormatUint(uint64(v.Handle), 16))
	}
	var classid *uint32
	var acts []tc.Action
	switch o := v.Options.(type) {
	case *tc.Basic:
		classid, acts = o.ClassID, o.Actions
	case *tc.U32:
		classid, acts = o.ClassID, o.Actions
	case *tc.Flower:
		classid, acts = o.ClassID, o.Actions
	case *tc.BPF:
		classid, acts = o.ClassID, o.Actions
	}
	if classid != nil {
		p.str("flowid", "flowid %s ", tc.Handle(*classid).String())
	}
	if len(acts) > 0 {
		a.printActions(acts, false)
	}
}

// printMatchall is tc's matchall_print_opt.
func (a *app) printMatchall(v *tc.Filter, o *tc.Matchall) {
	p := a.p
	if v.Handle != 0 {
		p.uint("handle", "handle 0x%x ", uint64(v.Handle))
	}
	if o.ClassID != nil {
		p.str("flowid", "flowid %s ", tc.Handle(*o.ClassID).String())
	}
	if o.Flags != nil {
		a.printClsFlags(*o.Flags)
	}
	if len(o.Pcnt) >= 8 && a.stats > 0 {
		p.uint("hw_packets", "\n  hw_packets %d", binary.NativeEndian.Uint64(o.Pcnt))
	}
	if o.Actions != nil {
		a.printActions(o.Actions, false)
	}
}

// printClsFlags prints TCA_CLS_FLAGS_* as the classifiers do.
func (a *app) printClsFlags(f uint32) {
	p := a.p
	if f&1 != 0 {
		p.boolean("skip_hw", "\n  skip_hw", true)
	}
	if f&2 != 0 {
		p.boolean("skip_sw", "\n  skip_sw", true)
	}
	if f&4 != 0 {
		p.boolean("in_hw", "\n  in_hw", true)
	} else if f&8 != 0 {
		p.boolean("not_in_hw", "\n  not_in_hw", true)
	}
}

// printFW is tc's fw_print_opt.
func (a *app) printFW(v *tc.Filter, o *tc.FW) {
	p := a.p
	if v.Handle != 0 || o.Mask != nil {
		if o.Mask != nil && *o.Mask != 0xffffffff {
			p.str("handle", "handle %s", "0x"+strconv.FormatUint(uint64(v.Handle), 16))
			p.str("mask", "/%s ", "0x"+strconv.FormatUint(uint64(*o.Mask), 16))
		} else {
			p.str("handle", "handle %s ", "0x"+strconv.FormatUint(uint64(v.Handle), 16))
		}
	}
	if o.ClassID != nil {
		p.str("classid", "classid %s ", tc.Handle(*o.ClassID).String())
	}
	if o.Indev != nil {
		p.str("indev", "input dev %s ", *o.Indev)
	}
	if o.Actions != nil {
		p.text("\n")
		a.printActions(o.Actions, false)
	}
}

package main

import (
	"github.com/nlkit/nlkit/families/tc"
)

func (a *app) cmdClass(argv []string) error {
	const usage = "Usage: nlkit class [ add | del | change | replace | show ] dev STRING\n" +
		"       [ classid CLASSID ] [ root | parent CLASSID ]\n" +
		"       [ QDISC_KIND [ help | OPTIONS ] ]\n" +
		"\n" +
		"       nlkit class show [ dev STRING ] [ root | parent CLASSID ] [ classid CLASSID ]\n" +
		"Where:\n" +
		"QDISC_KIND := { htb | drr }"
	edit := func(op tcEdit) func([]string) error {
		return func(args []string) error { return a.classModify(args, op) }
	}
	return runCommand("class", usage, argv,
		command{showWords, a.listing(a.classShow)},
		command{"add", edit(tcAdd)},
		command{"delete", edit(tcDelete)},
		command{"replace", edit(tcReplace)},
		command{"change", edit(tcChange)})
}

// classModify is tc_class_modify.
func (a *app) classModify(argv []string, op tcEdit) error {
	t, err := a.parseTarget(argv, true)
	if err != nil {
		return err
	}
	cl := tc.Class{Object: tc.Object{Ifindex: t.ifindex, Parent: t.parent, Handle: t.handle, Kind: t.kind}}
	if t.kind != "" && op != tcDelete {
		if cl.Options, err = a.parseClassOptions(t.kind, t.rest); err != nil {
			return err
		}
	} else if len(t.rest) > 0 {
		return usagef("What is %q? Try \"nlkit class help\".", t.rest[0])
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	switch op {
	case tcDelete:
		return c.Class.Delete(a.ctx, cl)
	case tcReplace:
		return c.Class.Replace(a.ctx, cl)
	case tcChange:
		return c.Class.Change(a.ctx, cl)
	}
	return c.Class.Add(a.ctx, cl)
}

// parseClassOptions reads a class's options as tc's parse_copt does.
func (a *app) parseClassOptions(kind string, rest []string) (tc.Options, error) {
	k := &kindArgs{kind: kind, av: newArgs(rest)}
	var err error
	switch kind {
	case "htb":
		var cp tc.HTBClassParams
		for w, ok := k.next(); ok; w, ok = k.next() {
			var v uint32
			switch w {
			case "rate":
				cp.Rate, err = k.rate("rate")
			case "ceil":
				cp.Ceil, err = k.rate("ceil")
			case "burst", "buffer", "maxburst":
				cp.Burst, err = k.size("burst")
			case "cburst", "cbuffer", "cmaxburst":
				cp.CBurst, err = k.size("cburst")
			case "prio":
				cp.Prio, err = k.u32("prio")
			case "quantum":
				cp.Quantum, err = k.u32("quantum")
			case "mtu":
				cp.MTU, err = k.u32("mtu")
			case "mpu":
				v, err = k.u32("mpu")
				cp.MPU = uint16(v)
			case "overhead":
				v, err = k.u32("overhead")
				cp.Overhead = uint16(v)
			default:
				return nil, k.unknown(w)
			}
			if err != nil {
				return nil, err
			}
		}
		if cp.Rate == 0 {
			return nil, usagef("\"rate\" is required.")
		}
		ps, perr := tc.ReadPsched()
		if perr != nil {
			ps = tc.DefaultPsched()
		}
		return tc.NewHTBClass(cp, ps, 0)
	case "drr":
		o := &tc.DRRClass{}
		for w, ok := k.next(); ok; w, ok = k.next() {
			if w != "quantum" {
				return nil, k.unknown(w)
			}
			v, err := k.size("quantum")
			if err != nil {
				return nil, err
			}
			o.Quantum = &v
		}
		return o, nil
	}
	return nil, usagef("nlkit: no options parser for class kind %q (supported: htb, drr)", kind)
}

// classShow is tc_class_list and print_class. tc 6.1 prints classes as text even with -j; nlkit prints JSON
// then, with the keys of the text ("kind", "handle", "root" or "parent", "leaf", "options" and the statistics'
// keys as for qdiscs).
func (a *app) classShow(argv []string) error {
	var f tc.ClassFilter
	dev := ""
	av := newArgs(argv)
	for av.more() {
		w := av.take()
		switch {
		case w == "dev":
			v, err := av.value()
			if err != nil {
				return err
			}
			dev = v
		case w == "root":
			f.Parent = tc.HandleRoot
		case w == "parent" || w == "classid":
			v, err := av.value()
			if err != nil {
				return err
			}
			h, err := tc.ParseHandle(v)
			if err != nil {
				return invarg("invalid class ID", v)
			}
			if w == "parent" {
				f.Parent = h
			} else {
				f.Handle = h
			}
		case matches(w, "help"):
			return a.cmdClass([]string{"help"})
		default:
			return usagef("What is %q? Try \"nlkit class help\".", w)
		}
	}
	if dev == "" {
		return usagef("Must specify device.")
	}
	ifi, err := a.ifindex(dev)
	if err != nil {
		return err
	}
	f.Ifindex = ifi
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	classes, err := c.Class.List(a.ctx, &f)
	if err != nil {
		return err
	}
	for i := range classes {
		if f.Parent == tc.HandleRoot && classes[i].Parent != tc.HandleRoot {
			continue
		}
		a.printClass(&classes[i], "")
	}
	return nil
}

// printClass prints a class as tc's print_class, with the device given (its name is left out).
func (a *app) printClass(cl *tc.Class, dev string) {
	p := a.p
	p.openObj("")
	h := ""
	if cl.Handle != 0 {
		h = cl.Handle.String()
	}
	p.str("kind", "class %s", cl.Kind)
	p.str("handle", " %s ", h)
	if dev != "" {
		p.str("dev", "dev %s ", dev) // tc monitor: no device was selected
	}
	if cl.Parent == tc.HandleRoot {
		p.boolean("root", "root ", true)
	} else {
		p.str("parent", "parent %s ", cl.Parent.String())
	}
	if cl.Info != 0 {
		p.str("leaf", "leaf %s ", tc.Handle(cl.Info).QdiscString())
	}
	if cl.Options != nil {
		p.openObj("options")
		a.printClassOptions(cl)
		p.closeObj()
	}
	p.text("\n")
	if a.stats > 0 {
		if cl.Stats != nil {
			a.printStats(cl.Stats, " ")
			p.text("\n")
		}
		if o, ok := cl.Options.(*tc.HTBClass); ok && o != nil && cl.XStats != nil {
			if x, err := tc.DecodeHTBXStats(cl.XStats); err == nil {
				p.uint("lended", " lended: %d", uint64(x.Lends))
				p.uint("borrowed", " borrowed: %d", uint64(x.Borrows))
				p.uint("giants", " giants: %d\n", uint64(x.Giants))
				p.int("tokens", " tokens: %d", int64(x.Tokens))
				p.int("ctokens", " ctokens: %d\n", int64(x.CTokens))
				p.text("\n")
			}
		}
	}
	p.closeObj()
}

// printClassOptions prints a class's options as the kind's print_copt in tc.
func (a *app) printClassOptions(cl *tc.Class) {
	p := a.p
	switch o := cl.Options.(type) {
	case *tc.HTBClass:
		ps := tc.DefaultPsched()
		if o.Level == 0 {
			p.int("prio", "prio %d ", int64(int32(o.Prio)))
			if a.details > 0 {
				p.int("quantum", "quantum %d ", int64(int32(o.Quantum)))
			}
		}
		rate, ceil := o.RateBps(), o.CeilBps()
		a.printRate("rate", "rate %s ", rate)
		if o.Rate.Overhead != 0 {
			p.uint("overhead", "overhead %d ", uint64(o.Rate.Overhead))
		}
		buffer := ps.XmitSize(rate, o.Buffer)
		a.printRate("ceil", "ceil %s ", ceil)
		cbuffer := ps.XmitSize(ceil, o.CBuffer)
		if ll := o.Rate.LinkLayer & 0x0f; ll > tc.LinkLayerEthernet || a.details > 0 {
			p.str("linklayer", "linklayer %s ", ll.String())
		}
		if a.details > 0 && !p.json {
			p.text("burst %s/%d mpu %s ", tc.FormatSize(buffer), 1<<o.Rate.CellLog, tc.FormatSize(uint32(o.Rate.MPU)))
			p.text("cburst %s/%d mpu %s ", tc.FormatSize(cbuffer), 1<<o.Ceil.CellLog, tc.FormatSize(uint32(o.Ceil.MPU)))
			p.int("level", "level %d ", int64(int32(o.Level)))
		} else {
			a.printSize("burst", "burst %s ", buffer)
			a.printSize("cburst", "cburst %s ", cbuffer)
			if a.details > 0 {
				p.int("level", "", int64(int32(o.Level)))
			}
		}
	case *tc.DRRClass:
		if o.Quantum != nil {
			a.printSize("quantum", "quantum %s ", *o.Quantum)
		}
	}
}

package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/tc"
)

// tcClient is traffic control on the command's rtnetlink connection.
func (a *app) tcClient() (*tc.Client, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	return tc.FromRoute(c), nil
}

// tcEdit is what tc's add, delete, replace, change and link send.
type tcEdit int

const (
	tcAdd tcEdit = iota
	tcDelete
	tcReplace
	tcChange
	tcLink
)

// tcTarget is what tc's qdisc and class commands share: the device, parent and handle words.
type tcTarget struct {
	dev                 string
	ifindex             int32
	parent, handle      tc.Handle
	hasParent, hasHandl bool
	kind                string
	rest                []string // the kind's options
}

// parseTarget reads "dev DEV", "root", "ingress", "clsact", "parent P", "handle H" (classid C for classes)
// up to the kind, as tc_qdisc_modify and tc_class_modify do; estimator and stab are not supported.
func (a *app) parseTarget(argv []string, class bool) (*tcTarget, error) {
	t := &tcTarget{}
	av := newArgs(argv)
	for av.more() {
		w := av.take()
		switch {
		case w == "dev":
			v, err := av.value()
			if err != nil {
				return nil, err
			}
			t.dev = v
		case w == "root":
			if t.hasParent {
				return nil, usagef(`Error: "root" is duplicate parent ID`)
			}
			t.parent, t.hasParent = tc.HandleRoot, true
		case !class && (w == "ingress" || w == "clsact"):
			t.parent, t.hasParent = tc.HandleIngress, true
			t.handle, t.hasHandl = tc.MakeHandle(0xffff, 0), true
			t.kind = w
		case w == "parent":
			v, err := av.value()
			if err != nil {
				return nil, err
			}
			h, err := tc.ParseHandle(v)
			if err != nil {
				return nil, invarg("invalid parent ID", v)
			}
			t.parent, t.hasParent = h, true
		case (!class && w == "handle") || (class && w == "classid"):
			v, err := av.value()
			if err != nil {
				return nil, err
			}
			var h tc.Handle
			if class {
				h, err = tc.ParseHandle(v)
			} else {
				h, err = tc.ParseQdiscHandle(v)
			}
			if err != nil {
				return nil, invarg("invalid handle", v)
			}
			t.handle, t.hasHandl = h, true
		case w == "estimator" || w == "stab":
			return nil, usagef("nlkit: %q is not supported", w)
		default:
			if t.kind == "" {
				t.kind = w
			}
			t.rest = argv[av.i:]
			av.i = len(argv)
		}
	}
	if t.dev == "" {
		return nil, usagef("Must specify device.")
	}
	ifi, err := a.ifindex(t.dev)
	if err != nil {
		return nil, err
	}
	t.ifindex = ifi
	return t, nil
}

func (a *app) cmdQdisc(argv []string) error {
	const usage = "Usage: nlkit qdisc [ add | del | replace | change | link | show ] dev STRING\n" +
		"       [ handle QHANDLE ] [ root | ingress | clsact | parent CLASSID ]\n" +
		"       [ QDISC_KIND [ help | OPTIONS ] ]\n" +
		"\n" +
		"       nlkit qdisc { show | list } [ dev STRING ] [ root | ingress | handle QHANDLE | parent CLASSID ] [ invisible ]\n" +
		"Where:\n" +
		"QDISC_KIND := { pfifo | bfifo | pfifo_fast | mq | noqueue | htb | tbf | prio | fq_codel | codel | ingress | clsact }"
	edit := func(op tcEdit) func([]string) error {
		return func(args []string) error { return a.qdiscModify(args, op) }
	}
	return runCommand("qdisc", usage, argv,
		command{showWords, a.listing(a.qdiscShow)},
		command{"add", edit(tcAdd)},
		command{"delete", edit(tcDelete)},
		command{"replace", edit(tcReplace)},
		command{"change", edit(tcChange)},
		command{"link", edit(tcLink)})
}

// qdiscModify is tc_qdisc_modify.
func (a *app) qdiscModify(argv []string, op tcEdit) error {
	t, err := a.parseTarget(argv, false)
	if err != nil {
		return err
	}
	q := tc.Qdisc{Object: tc.Object{Ifindex: t.ifindex, Parent: t.parent, Handle: t.handle, Kind: t.kind}}
	if t.kind != "" && op != tcDelete {
		opts, err := a.parseQdiscOptions(t.kind, t.rest)
		if err != nil {
			return err
		}
		q.Options = opts
	} else if len(t.rest) > 0 {
		return usagef("What is %q? Try \"nlkit qdisc help\".", t.rest[0])
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	switch op {
	case tcDelete:
		return c.Qdisc.Delete(a.ctx, q)
	case tcReplace:
		return c.Qdisc.Replace(a.ctx, q)
	case tcChange:
		return c.Qdisc.Change(a.ctx, q)
	case tcLink:
		return c.Qdisc.Link(a.ctx, q)
	}
	return c.Qdisc.Add(a.ctx, q)
}

// qdiscShow is tc_qdisc_list and print_qdisc.
func (a *app) qdiscShow(argv []string) error {
	var f tc.QdiscFilter
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
		case w == "ingress" || w == "clsact":
			f.Parent = tc.HandleIngress
		case w == "handle" || w == "parent":
			v, err := av.value()
			if err != nil {
				return err
			}
			parse := tc.ParseHandle
			if w == "handle" {
				parse = tc.ParseQdiscHandle
			}
			h, err := parse(v)
			if err != nil {
				return invarg("invalid "+w, v)
			}
			if w == "handle" {
				f.Handle = h
			} else {
				f.Parent = h
			}
		case w == "invisible":
			f.Invisible = true
		case matches(w, "help"):
			return a.cmdQdisc([]string{"help"})
		default:
			return usagef("What is %q? Try \"nlkit qdisc help\".", w)
		}
	}
	if dev != "" {
		ifi, err := a.ifindex(dev)
		if err != nil {
			return err
		}
		f.Ifindex = ifi
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	qs, err := c.Qdisc.List(a.ctx, &f)
	if err != nil {
		return err
	}
	for i := range qs {
		a.printQdisc(&qs[i], lc, f.Ifindex != 0)
	}
	return nil
}

// printQdisc prints a qdisc as tc's print_qdisc.
func (a *app) printQdisc(q *tc.Qdisc, lc *linkCache, devGiven bool) {
	p := a.p
	p.openObj("")
	p.str("kind", "qdisc %s", q.Kind)
	p.str("handle", " %s", q.Handle.QdiscString())
	p.text(" ")
	if !devGiven {
		p.str("dev", "dev %s ", lc.name(q.Ifindex))
	}
	if q.Parent == tc.HandleRoot {
		p.boolean("root", "root ", true)
	} else if q.Parent != 0 {
		p.str("parent", "parent %s ", q.Parent.String())
	}
	if q.Info != 1 {
		p.uint("refcnt", "refcnt %d ", uint64(q.Info))
	}
	if q.HwOffload {
		p.boolean("offloaded", "offloaded ", true)
	}
	if q.IngressBlock != 0 {
		p.uint("ingress_block", "ingress_block %d ", uint64(q.IngressBlock))
	}
	if q.EgressBlock != 0 {
		p.uint("egress_block", "egress_block %d ", uint64(q.EgressBlock))
	}
	p.openObj("options")
	if q.Options != nil {
		a.printQdiscOptions(q)
	}
	p.closeObj()
	p.text("\n")
	if a.stats > 0 && q.Stats != nil {
		a.printStats(q.Stats, " ")
		p.text("\n")
	}
	if a.stats > 0 && q.XStats != nil && q.Kind == "fq_codel" {
		a.printFQCodelXStats(q.XStats)
	}
	p.closeObj()
}

// printFQCodelXStats is tc's fq_codel_print_xstats, and the line break print_qdisc adds after it.
func (a *app) printFQCodelXStats(b []byte) {
	x, err := tc.DecodeFQCodelXStats(b)
	if err != nil {
		return
	}
	p := a.p
	switch x.Type {
	case 0:
		p.uint("maxpacket", "  maxpacket %d", uint64(x.MaxPacket))
		p.uint("drop_overlimit", " drop_overlimit %d", uint64(x.DropOverlimit))
		p.uint("new_flow_count", " new_flow_count %d", uint64(x.NewFlowCount))
		p.uint("ecn_mark", " ecn_mark %d", uint64(x.ECNMark))
		if x.CEMark != 0 {
			p.uint("ce_mark", " ce_mark %d", uint64(x.CEMark))
		}
		if x.MemoryUsage != 0 {
			p.uint("memory_used", " memory_used %d", uint64(x.MemoryUsage))
		}
		if x.DropOvermemory != 0 {
			p.uint("drop_overmemory", " drop_overmemory %d", uint64(x.DropOvermemory))
		}
		p.text("\n")
		p.uint("new_flows_len", "  new_flows_len %d", uint64(x.NewFlowsLen))
		p.uint("old_flows_len", " old_flows_len %d", uint64(x.OldFlowsLen))
	default:
		return
	}
	p.text("\n")
}

// printStats is tc's print_tcstats2_attr.
func (a *app) printStats(s *tc.Stats, prefix string) {
	p := a.p
	if s.HasBasic {
		p.text("%s", prefix)
		p.uint("bytes", "Sent %d bytes", s.Bytes)
		p.uint("packets", " %d pkt", s.Packets)
	}
	if s.HasQueue {
		p.uint("drops", " (dropped %d", uint64(s.Drops))
		p.uint("overlimits", ", overlimits %d", uint64(s.Overlimits))
		p.uint("requeues", " requeues %d) ", uint64(s.Requeues))
	}
	if s.HasBasicHw && (s.HwBytes != 0 || s.HwPackets != 0) {
		if s.HasBasic && s.Bytes >= s.HwBytes && s.Packets >= s.HwPackets {
			p.text("\n%s", prefix)
			p.uint("sw_bytes", "Sent software %d bytes", s.Bytes-s.HwBytes)
			p.uint("sw_packets", " %d pkt", s.Packets-s.HwPackets)
		}
		p.text("\n%s", prefix)
		p.uint("hw_bytes", "Sent hardware %d bytes", s.HwBytes)
		p.uint("hw_packets", " %d pkt", s.HwPackets)
	}
	if s.HasRate {
		p.text("\n%s", prefix)
		if p.json {
			p.uint("rate", "", s.RateBps)
		}
		p.text("rate %s", tc.FormatRate(s.RateBps))
		p.uint("pps", " %dpps", s.RatePps)
	}
	if s.HasQueue {
		if !s.HasRate || s.Rate64 {
			p.text("\n")
		}
		if p.json {
			p.uint("backlog", "", uint64(s.Backlog))
		}
		p.text("%s", prefix)
		p.text("backlog %s", tc.FormatSize(s.Backlog))
		p.uint("qlen", " %dp", uint64(s.Qlen))
		p.text(" requeues %d", s.Requeues)
	}
}

// printQdiscOptions prints a qdisc's options as the kind's print_qopt in tc.
func (a *app) printQdiscOptions(q *tc.Qdisc) {
	p := a.p
	ps := tc.DefaultPsched()
	switch o := q.Options.(type) {
	case *tc.FIFO:
		if !o.HasLimit {
			return
		}
		if q.Kind == "bfifo" {
			a.printSize("limit", "limit %s", o.Limit)
		} else {
			p.uint("limit", "limit %dp", uint64(o.Limit))
		}
	case *tc.PfifoFast:
		a.printPrioMap(&o.PrioMap, false)
	case *tc.Prio:
		a.printPrioMap(&o.PrioMap, o.MultiQueue)
	case *tc.HTB:
		p.int("r2q", "r2q %d", int64(int32(o.Rate2Quantum)))
		p.str("default", " default %s", "0x"+strconv.FormatUint(uint64(o.Default), 16))
		p.uint("direct_packets_stat", " direct_packets_stat %d", uint64(o.DirectPackets))
		if a.details > 0 {
			p.str("ver", " ver %s", fmt.Sprintf("%d.%d", o.Version>>16, o.Version&0xffff))
		}
		if o.HasDirectQlen {
			p.uint("direct_qlen", " direct_qlen %d", uint64(o.DirectQlen))
		}
		if o.Offload {
			p.null("offload", " offload")
		}
	case *tc.TBF:
		rate, prate := o.RateBps(), o.PeakRateBps()
		a.printRate("rate", "rate %s ", rate)
		buffer := ps.XmitSize(rate, o.Buffer)
		if a.details > 0 {
			p.str("burst", "burst %s ", fmt.Sprintf("%s/%d", tc.FormatSize(buffer), 1<<o.Rate.CellLog))
			a.printSize("mpu", "mpu %s ", uint32(o.Rate.MPU))
		} else {
			a.printSize("burst", "burst %s ", buffer)
		}
		if prate != 0 {
			// tc 6.1 prints the peak rate in text only (PRINT_FP).
			p.text("peakrate %s ", tc.FormatRate(prate))
			if o.MTU != 0 || o.PeakRate.MPU != 0 {
				mtu := ps.XmitSize(prate, o.MTU)
				if a.details > 0 {
					p.str("mtu", "mtu %s ", fmt.Sprintf("%s/%d", tc.FormatSize(mtu), 1<<o.PeakRate.CellLog))
					a.printSize("mpu", "mpu %s ", uint32(o.PeakRate.MPU))
				} else {
					a.printSize("minburst", "minburst %s ", mtu)
				}
			}
		}
		lat := float64(tc.TimeUnitsPerSec)*(float64(o.Limit)/float64(rate)) - float64(ps.Tick2Time(o.Buffer))
		if prate != 0 {
			if l2 := float64(tc.TimeUnitsPerSec)*(float64(o.Limit)/float64(prate)) - float64(ps.Tick2Time(o.MTU)); l2 > lat {
				lat = l2
			}
		}
		if lat >= 0 {
			a.printTime("lat", "lat %s ", uint32(lat))
		} else {
			a.printSize("limit", "limit %s ", o.Limit)
		}
		if o.Rate.Overhead != 0 {
			p.int("overhead", "overhead %d ", int64(o.Rate.Overhead))
		}
		if ll := o.Rate.LinkLayer & 0x0f; ll > tc.LinkLayerEthernet || a.details > 0 {
			p.str("linklayer", "linklayer %s ", ll.String())
		}
	case *tc.Empty:
		if q.Kind == "ingress" {
			p.text("---------------- ")
		}
	case *tc.FQCodel:
		a.printFQCodel(o)
	}
}

// printPrioMap is tc's prio_print_opt (which pfifo_fast shares).
func (a *app) printPrioMap(m *tc.PrioMap, mq bool) {
	p := a.p
	p.int("bands", "bands %d ", int64(m.Bands))
	p.openArr("priomap")
	p.text("priomap")
	for _, b := range m.Map {
		p.uint("", " %d", uint64(b))
	}
	p.closeArr()
	if mq {
		p.text(" multiqueue: %s ", "on")
	}
	if p.json {
		p.boolean("multiqueue", "", mq)
	}
}

// printFQCodel is tc's fq_codel_print_opt.
func (a *app) printFQCodel(o *tc.FQCodel) {
	p := a.p
	if o.Limit != nil {
		p.uint("limit", "limit %dp ", uint64(*o.Limit))
	}
	if o.Flows != nil {
		p.uint("flows", "flows %d ", uint64(*o.Flows))
	}
	if o.Quantum != nil {
		p.uint("quantum", "quantum %d ", uint64(*o.Quantum))
	}
	if o.Target != nil {
		a.printTime("target", "target %s ", *o.Target)
	}
	if o.CEThreshold != nil {
		a.printTime("ce_threshold", "ce_threshold %s ", *o.CEThreshold)
	}
	if o.Interval != nil {
		a.printTime("interval", "interval %s ", *o.Interval)
	}
	if o.MemoryLimit != nil {
		a.printSize("memory_limit", "memory_limit %s ", *o.MemoryLimit)
	}
	if o.ECN != nil && *o.ECN != 0 {
		p.boolean("ecn", "ecn ", true)
	}
	if o.DropBatchSize != nil {
		p.uint("drop_batch", "drop_batch %d ", uint64(*o.DropBatchSize))
	}
}

// printRate is tc_print_rate: bytes per second in JSON, sprint_rate in text.
func (a *app) printRate(k, format string, bps uint64) {
	if a.p.json {
		a.p.uint(k, "", bps)
		return
	}
	a.p.text(format, tc.FormatRate(bps))
}

// printSize is tc's print_size: bytes in JSON, sprint_size in text.
func (a *app) printSize(k, format string, n uint32) {
	if a.p.json {
		a.p.uint(k, "", uint64(n))
		return
	}
	a.p.text(format, tc.FormatSize(n))
}

// printTime is tc's print_time: microseconds in JSON, sprint_time in text.
func (a *app) printTime(k, format string, us uint32) {
	if a.p.json {
		a.p.uint(k, "", uint64(us))
		return
	}
	a.p.text(format, tc.FormatTime(us))
}

// kindArgs walks a kind's options as tc's parsers do: keywords with values, and flags.
type kindArgs struct {
	kind string
	av   *args
}

func (k *kindArgs) next() (string, bool) {
	if !k.av.more() {
		return "", false
	}
	return k.av.take(), true
}

func (k *kindArgs) value() (string, error) { return k.av.value() }

func (k *kindArgs) unknown(w string) error {
	return usagef("What is %q?\nUsage: ... %s [ OPTIONS ]  (see \"tc qdisc add %s help\")", w, k.kind, k.kind)
}

func (k *kindArgs) u32(what string) (uint32, error) {
	v, err := k.value()
	if err != nil {
		return 0, err
	}
	return parseU32(v, what)
}

func (k *kindArgs) rate(what string) (uint64, error) {
	v, err := k.value()
	if err != nil {
		return 0, err
	}
	r, err := tc.ParseRate(v)
	if err != nil {
		return 0, invarg(`"`+what+`" value is invalid`, v)
	}
	return r, nil
}

func (k *kindArgs) size(what string) (uint32, error) {
	v, err := k.value()
	if err != nil {
		return 0, err
	}
	s, err := tc.ParseSize(strings.SplitN(v, "/", 2)[0])
	if err != nil {
		return 0, invarg(`"`+what+`" value is invalid`, v)
	}
	return s, nil
}

func (k *kindArgs) time(what string) (uint32, error) {
	v, err := k.value()
	if err != nil {
		return 0, err
	}
	t, err := tc.ParseTime(v)
	if err != nil {
		return 0, invarg(`"`+what+`" value is invalid`, v)
	}
	return t, nil
}

// parseQdiscOptions reads a qdisc kind's options as tc's q_KIND.c parse_qopt does.
func (a *app) parseQdiscOptions(kind string, rest []string) (tc.Options, error) {
	k := &kindArgs{kind: kind, av: newArgs(rest)}
	var err error
	switch kind {
	case "pfifo", "bfifo", "pfifo_head_drop":
		o := &tc.FIFO{KindName: kind}
		for w, ok := k.next(); ok; w, ok = k.next() {
			if w != "limit" {
				return nil, k.unknown(w)
			}
			if kind == "bfifo" {
				o.Limit, err = k.size("limit")
			} else {
				o.Limit, err = k.u32("limit")
			}
			if err != nil {
				return nil, err
			}
			o.HasLimit = true
		}
		return o, nil
	case "pfifo_fast", "mq", "noqueue", "ingress", "clsact", "drr":
		if w, ok := k.next(); ok {
			return nil, k.unknown(w)
		}
		if kind == "ingress" || kind == "clsact" {
			return &tc.Empty{KindName: kind}, nil
		}
		return nil, nil
	case "prio":
		o := &tc.Prio{PrioMap: tc.DefaultPrioMap()}
		for w, ok := k.next(); ok; w, ok = k.next() {
			switch w {
			case "bands":
				v, err := k.u32("bands")
				if err != nil {
					return nil, err
				}
				o.Bands = int32(v)
			case "priomap":
				for i := range o.Map {
					v, err := k.u32("priomap")
					if err != nil {
						return nil, err
					}
					o.Map[i] = uint8(v)
				}
			case "multiqueue":
				o.MultiQueue = true
			default:
				return nil, k.unknown(w)
			}
		}
		return o, nil
	case "htb":
		o := tc.NewHTB(0)
		for w, ok := k.next(); ok; w, ok = k.next() {
			switch w {
			case "r2q":
				o.Rate2Quantum, err = k.u32("r2q")
			case "default":
				var v string
				if v, err = k.value(); err == nil {
					var n uint64
					n, err = strconv.ParseUint(v, 16, 32)
					o.Default = uint32(n)
					if err != nil {
						err = invarg(`"default" value is invalid`, v)
					}
				}
			case "direct_qlen":
				o.DirectQlen, err = k.u32("direct_qlen")
				o.HasDirectQlen = true
			case "offload":
				o.Offload = true
			default:
				return nil, k.unknown(w)
			}
			if err != nil {
				return nil, err
			}
		}
		return o, nil
	case "tbf":
		var tp tc.TBFParams
		for w, ok := k.next(); ok; w, ok = k.next() {
			switch w {
			case "rate":
				tp.Rate, err = k.rate("rate")
			case "peakrate":
				tp.PeakRate, err = k.rate("peakrate")
			case "burst", "buffer", "maxburst":
				tp.Burst, err = k.size("burst")
			case "mtu", "minburst":
				tp.MTU, err = k.size("mtu")
			case "limit":
				tp.Limit, err = k.size("limit")
			case "latency":
				tp.Latency, err = k.time("latency")
			case "mpu":
				var v uint32
				v, err = k.size("mpu")
				tp.MPU = uint16(v)
			case "overhead":
				var v uint32
				v, err = k.u32("overhead")
				tp.Overhead = uint16(v)
			case "linklayer":
				var v string
				if v, err = k.value(); err == nil {
					switch {
					case matches(v, "ethernet"):
						tp.LinkLayer = tc.LinkLayerEthernet
					case matches(v, "atm"), matches(v, "adsl"):
						tp.LinkLayer = tc.LinkLayerATM
					default:
						err = invarg(`"linklayer" value is invalid`, v)
					}
				}
			default:
				return nil, k.unknown(w)
			}
			if err != nil {
				return nil, err
			}
		}
		ps, perr := tc.ReadPsched()
		if perr != nil {
			ps = tc.DefaultPsched()
		}
		o, err := tc.NewTBF(tp, ps)
		if err != nil {
			return nil, usagef("%v", err)
		}
		return o, nil
	case "fq_codel", "codel":
		o := &tc.FQCodel{}
		for w, ok := k.next(); ok; w, ok = k.next() {
			var v uint32
			switch w {
			case "limit":
				v, err = k.u32("limit")
				o.Limit = &v
			case "flows":
				v, err = k.u32("flows")
				o.Flows = &v
			case "quantum":
				v, err = k.u32("quantum")
				o.Quantum = &v
			case "target":
				v, err = k.time("target")
				o.Target = &v
			case "interval":
				v, err = k.time("interval")
				o.Interval = &v
			case "ce_threshold":
				v, err = k.time("ce_threshold")
				o.CEThreshold = &v
			case "memory_limit":
				v, err = k.size("memory_limit")
				o.MemoryLimit = &v
			case "drop_batch":
				v, err = k.u32("drop_batch")
				o.DropBatchSize = &v
			case "ecn":
				o.ECN = tc.Ptr[uint32](1)
			case "noecn":
				o.ECN = tc.Ptr[uint32](0)
			default:
				return nil, k.unknown(w)
			}
			if err != nil {
				return nil, err
			}
		}
		if kind == "codel" {
			return &tc.Codel{Target: o.Target, Limit: o.Limit, Interval: o.Interval, ECN: o.ECN,
				CEThreshold: o.CEThreshold}, nil
		}
		return o, nil
	}
	return nil, usagef("nlkit: no options parser for qdisc kind %q (supported: pfifo, bfifo, pfifo_fast, mq, "+
		"noqueue, ingress, clsact, prio, htb, tbf, fq_codel, codel, drr)", kind)
}

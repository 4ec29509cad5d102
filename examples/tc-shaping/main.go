//go:build linux

// Command tc-shaping shapes a device's egress with families/tc: an htb tree, an fq_codel qdisc under each leaf
// class, and two classifiers that pick the leaf, as these tc commands would:
//
//	tc qdisc replace dev DEV root handle 1: htb default 30
//	tc class add dev DEV parent 1: classid 1:1 htb rate RATE
//	tc class add dev DEV parent 1:1 classid 1:10 htb rate RATE/2 ceil RATE prio 0   # interactive
//	tc class add dev DEV parent 1:1 classid 1:20 htb rate RATE/4 ceil RATE prio 1   # bulk
//	tc class add dev DEV parent 1:1 classid 1:30 htb rate RATE/4 ceil RATE prio 2   # everything else
//	tc qdisc add dev DEV parent 1:10 handle 10: fq_codel   (20: and 30: likewise)
//	tc filter add dev DEV parent 1: protocol ip prio 1 flower ip_proto udp dst_port INTERACTIVE classid 1:10
//	tc filter add dev DEV parent 1: protocol ip prio 2 u32 match ip dport BULK 0xffff classid 1:20
//
// Usage: tc-shaping [-rate 100mbit] [-interactive 5001] [-bulk 5002] [-del] DEV
//
// With -del it removes the root qdisc again. It needs CAP_NET_ADMIN, and a kernel with htb, fq_codel, flower
// and u32 (sch_htb, sch_fq_codel, cls_flower, cls_u32).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/tc"
	"golang.org/x/sys/unix"
)

// Plan is a shaping tree: the total rate, and the UDP port of the interactive class and the TCP or UDP
// destination port of the bulk class.
type Plan struct {
	Rate        uint64 // bytes per second
	Interactive uint16 // UDP destination port classified by flower to 1:10
	Bulk        uint16 // destination port classified by u32 to 1:20
}

// The handles of the tree.
var (
	rootHandle  = tc.MakeHandle(1, 0)
	parentClass = tc.MakeHandle(1, 1)
	// Leaves are the leaf classes: interactive, bulk, default.
	leaves = [3]tc.Handle{tc.MakeHandle(1, 0x10), tc.MakeHandle(1, 0x20), tc.MakeHandle(1, 0x30)}
)

// Shape replaces the root qdisc of the device ifindex with the tree of p.
func Shape(ctx context.Context, c *tc.Client, ifindex int32, p Plan, ps tc.Psched) error {
	obj := func(parent, handle tc.Handle, o tc.Options) tc.Object {
		return tc.Object{Ifindex: ifindex, Parent: parent, Handle: handle, Options: o}
	}
	if err := c.Qdisc.Replace(ctx, tc.Qdisc{Object: obj(tc.HandleRoot, rootHandle, tc.NewHTB(0x30))}); err != nil {
		return fmt.Errorf("htb root: %w", err)
	}
	top, err := tc.NewHTBClass(tc.HTBClassParams{Rate: p.Rate}, ps, 0)
	if err != nil {
		return err
	}
	if err := c.Class.Add(ctx, tc.Class{Object: obj(rootHandle, parentClass, top)}); err != nil {
		return fmt.Errorf("class 1:1: %w", err)
	}
	for i, share := range []uint64{2, 4, 4} {
		leaf, err := tc.NewHTBClass(tc.HTBClassParams{Rate: p.Rate / share, Ceil: p.Rate, Prio: uint32(i)}, ps, 0)
		if err != nil {
			return err
		}
		if err := c.Class.Add(ctx, tc.Class{Object: obj(parentClass, leaves[i], leaf)}); err != nil {
			return fmt.Errorf("class %v: %w", leaves[i], err)
		}
		// fq_codel with its defaults (tc's "fq_codel" without options).
		q := tc.Qdisc{Object: obj(leaves[i], tc.MakeHandle(leaves[i].Minor(), 0), &tc.FQCodel{})}
		if err := c.Qdisc.Add(ctx, q); err != nil {
			return fmt.Errorf("fq_codel under %v: %w", leaves[i], err)
		}
	}
	interactive := tc.Filter{Object: obj(rootHandle, 0, &tc.Flower{
		ClassID: tc.Ptr(uint32(leaves[0])),
		EthType: tc.Ptr[uint16](unix.ETH_P_IP),
		IPProto: tc.Ptr[uint8](unix.IPPROTO_UDP),
		UDPDst:  tc.Ptr(p.Interactive),
	}), Priority: 1, Protocol: unix.ETH_P_IP}
	if err := c.Filter.Add(ctx, interactive); err != nil {
		return fmt.Errorf("flower: %s: %w", tc.KernelMessage(err), err)
	}
	// u32, as tc's "match ip dport": the low half of the big-endian word at offset 20 of an IPv4 header
	// without options, the transport header's destination port.
	bulk := tc.Filter{Object: obj(rootHandle, 0, &tc.U32{
		ClassID: tc.Ptr(uint32(leaves[1])),
		Keys:    []tc.U32Key{{Val: uint32(p.Bulk), Mask: 0xffff, Off: 20}},
		HasSel:  true,
		Sel:     tc.U32Sel{Flags: 1}, // TC_U32_TERMINAL: a match classifies
	}), Priority: 2, Protocol: unix.ETH_P_IP}
	if err := c.Filter.Add(ctx, bulk); err != nil {
		return fmt.Errorf("u32: %s: %w", tc.KernelMessage(err), err)
	}
	return nil
}

func main() {
	rate := flag.String("rate", "100mbit", "total rate, as tc writes it")
	interactive := flag.Uint("interactive", 5001, "UDP destination port of the interactive class 1:10")
	bulk := flag.Uint("bulk", 5002, "destination port of the bulk class 1:20")
	del := flag.Bool("del", false, "remove the root qdisc instead")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tc-shaping [-rate R] [-interactive PORT] [-bulk PORT] [-del] DEV")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *rate, uint16(*interactive), uint16(*bulk), *del); err != nil {
		fmt.Fprintln(os.Stderr, "tc-shaping:", err)
		os.Exit(1)
	}
}

func run(dev, rate string, interactive, bulk uint16, del bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := route.Dial(nil)
	if err != nil {
		return err
	}
	defer rc.Close()
	c := tc.FromRoute(rc)
	link, err := rc.Link.GetByName(ctx, dev)
	if err != nil {
		return err
	}
	if del {
		return c.Qdisc.Delete(ctx, tc.Qdisc{Object: tc.Object{Ifindex: link.Index, Parent: tc.HandleRoot}})
	}
	r, err := tc.ParseRate(rate)
	if err != nil {
		return err
	}
	ps, err := tc.ReadPsched()
	if err != nil {
		ps = tc.DefaultPsched()
	}
	return Shape(ctx, c, link.Index, Plan{Rate: r, Interactive: interactive, Bulk: bulk}, ps)
}

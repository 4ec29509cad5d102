package main

import (
	"github.com/nlkit/nlkit/families/tc"
)

// cmdChain is `tc chain`: show, add and delete a device's filter chains (RTM_*CHAIN), without templates.
func (a *app) cmdChain(argv []string) error {
	const usage = "Usage: nlkit chain [ add | del | show ] dev STRING [ root | ingress | egress | parent CLASSID ]\n" +
		"       [ chain CHAIN_INDEX ]"
	return runCommand("chain", usage, argv,
		command{showWords, a.listing(a.chainShow)},
		command{"add", func(args []string) error { return a.chainModify(args, false) }},
		command{"delete", func(args []string) error { return a.chainModify(args, true) }})
}

// chainTarget reads the device, parent and chain index with filter's words.
func (a *app) chainTarget(argv []string) (tc.Chain, error) {
	var f tc.Filter
	dev := ""
	rest, err := a.filterArgs(argv, &f, &dev)
	if err != nil {
		return tc.Chain{}, err
	}
	if len(rest) > 0 {
		return tc.Chain{}, usagef("What is %q? Try \"nlkit chain help\".", rest[0])
	}
	if dev == "" {
		return tc.Chain{}, usagef("Must specify device.")
	}
	ifi, err := a.ifindex(dev)
	if err != nil {
		return tc.Chain{}, err
	}
	return tc.Chain{Object: tc.Object{Ifindex: ifi, Parent: f.Parent, Chain: f.Chain, HasChain: f.HasChain}}, nil
}

func (a *app) chainModify(argv []string, del bool) error {
	ch, err := a.chainTarget(argv)
	if err != nil {
		return err
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	if del {
		return c.Chain.Delete(a.ctx, ch)
	}
	return c.Chain.Add(a.ctx, ch)
}

// chainShow is tc chain show: print_filter's header of each chain.
func (a *app) chainShow(argv []string) error {
	ch, err := a.chainTarget(argv)
	if err != nil {
		return err
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	chains, err := c.Chain.List(a.ctx, ch.Ifindex, ch.Parent)
	if err != nil {
		return err
	}
	for i := range chains {
		if ch.HasChain && chains[i].Chain != ch.Chain {
			continue
		}
		a.printChain(&chains[i], &tc.Filter{Object: ch.Object})
	}
	return nil
}

// printChain prints a chain as print_filter does an RTM_NEWCHAIN: the header, and its template's kind.
func (a *app) printChain(ch *tc.Chain, given *tc.Filter) {
	a.printFilterHead(&tc.Filter{Object: ch.Object}, given, "chain")
	a.p.text("\n")
	a.p.closeObj()
}

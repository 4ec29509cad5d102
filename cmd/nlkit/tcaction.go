package main

import (
	"fmt"
	"strconv"

	"github.com/nlkit/nlkit/families/tc"
)

// cmdAction is `tc actions`: add, change/replace, delete and get by kind and index, list and flush by kind.
func (a *app) cmdAction(argv []string) error {
	const usage = "Usage: nlkit action [ add | change | replace ] ACTION-SPEC\n" +
		"       nlkit action [ delete | get ] action KIND index INDEX\n" +
		"       nlkit action [ list | flush ] action KIND\n" +
		"Where:\n" +
		"ACTION-SPEC := action gact VERDICT [ index INDEX ] |\n" +
		"               action mirred { egress | ingress } { redirect | mirror } dev STRING [ index INDEX ]"
	return runCommand("action", usage, argv,
		command{showWords, a.listing(a.actionShow)},
		command{"add", func(args []string) error { return a.actionModify(args, tcAdd) }},
		command{"change replace", func(args []string) error { return a.actionModify(args, tcReplace) }},
		command{"delete", func(args []string) error { return a.actionGetDel(args, true) }},
		command{"get", a.listing(func(args []string) error { return a.actionGetDel(args, false) })},
		command{"flush", a.actionFlush})
}

// actionKind reads "[action] KIND".
func actionKind(av *args) (string, error) {
	w, err := av.value()
	if err != nil {
		return "", err
	}
	if w == "action" {
		if w, err = av.value(); err != nil {
			return "", err
		}
	}
	return w, nil
}

// actionModify is tc_action_modify: one or more "action ..." specifications.
func (a *app) actionModify(argv []string, op tcEdit) error {
	av := newArgs(argv)
	var acts []tc.Action
	for av.more() {
		if w := av.take(); w != "action" {
			return usagef("What is %q? Try \"nlkit action help\".", w)
		}
		act, err := a.parseAction(av)
		if err != nil {
			return err
		}
		if av.more() && av.peek() == "index" {
			av.take()
			v, err := av.value()
			if err != nil {
				return err
			}
			i, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return invarg("Illegal \"index\"", v)
			}
			setActionIndex(&act, uint32(i))
		}
		acts = append(acts, act)
	}
	if len(acts) == 0 {
		return usagef("Illegal \"action\"")
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	if op == tcAdd {
		return c.Action.Add(a.ctx, acts...)
	}
	return c.Action.Replace(a.ctx, acts...)
}

// setActionIndex sets the index of a gact or mirred action (tc_gen's index, and TCA_ACT_INDEX).
func setActionIndex(act *tc.Action, i uint32) {
	act.Index = i
	switch o := act.Options.(type) {
	case *tc.Gact:
		o.Parms.Index = i
	case *tc.Mirred:
		o.Parms.Index = i
	}
}

// actionGetDel is tc_action_gd: "action KIND index I" (get prints it as tc does).
func (a *app) actionGetDel(argv []string, del bool) error {
	av := newArgs(argv)
	kind, err := actionKind(av)
	if err != nil {
		return err
	}
	if w, err := av.value(); err != nil || w != "index" {
		return usagef("Error: no index specified action: %s", kind)
	}
	v, err := av.value()
	if err != nil {
		return err
	}
	i, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return invarg("Illegal \"index\"", v)
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	if del {
		return c.Action.Delete(a.ctx, tc.Action{Kind: kind, Index: uint32(i)})
	}
	act, err := c.Action.Get(a.ctx, kind, uint32(i))
	if err != nil {
		return err
	}
	a.printActionList([]tc.Action{act}, 0) // a get's answer has no TCA_ROOT_COUNT: tc prints 0
	return nil
}

// actionShow is tc_act_list_or_flush's list: "action KIND".
func (a *app) actionShow(argv []string) error {
	if len(argv) == 0 {
		return usagef("Usage: nlkit action list action KIND")
	}
	kind, err := actionKind(newArgs(argv))
	if err != nil {
		return err
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	acts, err := c.Action.List(a.ctx, kind)
	if err != nil {
		return err
	}
	a.printActionList(acts, len(acts))
	return nil
}

// actionFlush deletes every action of a kind (RTM_DELACTION with NLM_F_ROOT), one by one.
func (a *app) actionFlush(argv []string) error {
	kind, err := actionKind(newArgs(argv))
	if err != nil {
		return err
	}
	c, err := a.tcClient()
	if err != nil {
		return err
	}
	acts, err := c.Action.List(a.ctx, kind)
	if err != nil {
		return err
	}
	for _, act := range acts {
		if err := c.Action.Delete(a.ctx, tc.Action{Kind: kind, Index: actionIndex(&act)}); err != nil {
			return err
		}
	}
	return nil
}

// actionIndex is an action's index: TCA_ACT_INDEX, or its parameters' (dumps carry only those).
func actionIndex(act *tc.Action) uint32 {
	if act.Index != 0 {
		return act.Index
	}
	switch o := act.Options.(type) {
	case *tc.Gact:
		if o.Parms != nil {
			return o.Parms.Index
		}
	case *tc.Mirred:
		if o.Parms != nil {
			return o.Parms.Index
		}
	case *tc.SkbEdit:
		if o.Parms != nil {
			return o.Parms.Index
		}
	}
	return 0
}

// printActionList is tc's print_action: "total acts N" and the actions.
func (a *app) printActionList(acts []tc.Action, total int) {
	p := a.p
	p.openObj("")
	p.uint("total acts", "total acts %d", uint64(total))
	p.text("\n")
	p.closeObj()
	p.openObj("")
	a.printActions(acts, true)
	p.closeObj()
}

// actionNames are tc's action_n2a names of the verdicts (TC_ACT_*).
var actionNames = map[int32]string{tc.ActUnspec: "continue", tc.ActOK: "pass", tc.ActReclassify: "reclassify",
	tc.ActShot: "drop", tc.ActPipe: "pipe", tc.ActStolen: "stolen", tc.ActTrap: "trap"}

// printControl is tc's print_action_control.
func (a *app) printControl(prefix string, v int32, suffix string) {
	p := a.p
	p.text("%s", prefix)
	p.openObj("control_action")
	const gotoChain, jump, extMask = 0x20000000, 0x10000000, 0x0fffffff
	switch {
	case v&^extMask == gotoChain:
		p.str("type", "%s", "goto")
		p.uint("chain", " chain %d", uint64(v&extMask))
	case v&^extMask == jump:
		p.str("type", "%s", "jump")
		p.uint("jump", " %d", uint64(v&extMask))
	default:
		name, ok := actionNames[v]
		if !ok {
			name = strconv.Itoa(int(v))
		}
		p.str("type", "%s", name)
	}
	p.closeObj()
	p.text("%s", suffix)
}

// printActions is tc's tc_print_action: each action with its order, as the action kinds print themselves.
// standalone: actions of RTM_*ACTION (a listing, an event), whose hardware count tc prints, unlike that of a
// classifier's actions.
func (a *app) printActions(acts []tc.Action, standalone bool) {
	p := a.p
	p.openArr("actions")
	for i := range acts {
		act := &acts[i]
		p.openObj("")
		p.text("\n")
		p.uint("order", "\taction order %d: ", uint64(act.Order))
		a.printAction(act)
		if a.stats > 0 && act.Stats != nil {
			p.text("\tAction statistics:\n")
			p.openObj("stats")
			a.printStats(act.Stats, "\t")
			p.closeObj()
			p.text("\n")
		}
		if act.Cookie != nil {
			p.str("cookie", "\tcookie %s", fmt.Sprintf("%x", act.Cookie))
			p.text("\n")
		}
		if act.HasInHwCount && standalone {
			if act.InHwCount != 0 {
				p.uint("in_hw_count", "\tin_hw in_hw_count %d", uint64(act.InHwCount))
			} else {
				p.boolean("not_in_hw", "\tnot_in_hw", true)
			}
			p.text("\n")
		}
		p.closeObj()
	}
	p.closeArr()
}

// printAction is the print_aopt of gact and mirred; other kinds print their kind and index.
func (a *app) printAction(act *tc.Action) {
	p := a.p
	switch o := act.Options.(type) {
	case *tc.Gact:
		p.str("kind", "%s ", "gact")
		if o.Parms == nil {
			return
		}
		a.printControl("action ", o.Parms.Action, "")
		prob := tc.GactProb{}
		if o.Prob != nil {
			prob = *o.Prob
		}
		p.openObj("prob")
		p.text("\n")
		p.str("random_type", "\t random type %s", map[uint16]string{0: "none", 1: "netrand", 2: "determ"}[prob.PType])
		a.printControl(" ", prob.PAction, " ")
		p.int("val", "val %d", int64(prob.PVal))
		p.closeObj()
		p.text("\n")
		a.printGen("\t index %d", o.Parms.Index, o.Parms.RefCnt, o.Parms.BindCnt)
	case *tc.Mirred:
		p.str("kind", "%s ", "mirred")
		if o.Parms == nil {
			return
		}
		names := map[int32][3]string{1: {"Egress Redirect", "redirect", "egress"}, 2: {"Egress Mirror", "mirror", "egress"},
			3: {"Ingress Redirect", "redirect", "ingress"}, 4: {"Ingress Mirror", "mirror", "ingress"}}[o.Parms.EAction]
		p.text("(%s", names[0])
		p.jstr("mirred_action", names[1])
		p.jstr("direction", names[2])
		dev := "*"
		if lc, err := a.linkCache(); err == nil && o.Parms.Ifindex != 0 {
			dev = lc.name(int32(o.Parms.Ifindex))
		}
		p.str("to_dev", " to device %s)", dev)
		a.printControl(" ", o.Parms.Action, "")
		p.text("\n")
		a.printGen("\tindex %d", o.Parms.Index, o.Parms.RefCnt, o.Parms.BindCnt)
	default:
		p.str("kind", "%s ", act.Kind)
		p.text("\n")
		p.uint("index", "\t index %d", uint64(actionIndex(act)))
		p.text("\n")
	}
}

// printGen prints tc_gen's index, ref and bind counts as gact and mirred do, and the line's end.
func (a *app) printGen(format string, index uint32, ref, bind int32) {
	p := a.p
	p.uint("index", format, uint64(index))
	p.int("ref", " ref %d", int64(ref))
	p.int("bind", " bind %d", int64(bind))
	p.text("\n")
}

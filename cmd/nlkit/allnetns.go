package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns"
)

// -all-netns: a command run in every named namespace, as `ip -all netns exec ip ...` runs it, and a monitor of
// every namespace through a route.NodeMirror.

// allNetnsFlag finds -all-netns (or --all-netns) in args and returns args without it.
func allNetnsFlag(args []string) ([]string, bool) {
	i := slices.IndexFunc(args, func(s string) bool { return s == "-all-netns" || s == "--all-netns" })
	if i < 0 {
		return args, false
	}
	return slices.Delete(slices.Clone(args), i, i+1), true
}

// runAllNetns runs the command of args in each named namespace, in the order of the run directory as `ip -all
// netns exec` walks it (netns_foreach: readdir), each output after "\nnetns: NAME\n"; or, for monitor, prints
// the events of every namespace. It returns the worst exit status.
func (a *app) runAllNetns(args []string) int {
	rest, err := a.parseOptions(slices.Clone(args))
	if err != nil {
		return a.report(err)
	}
	if a.nsName != "" {
		return a.report(usagef("-all-netns and -netns cannot be used together"))
	}
	if len(rest) > 0 && matches(rest[0], "monitor") {
		a.p = newPrinter(a.json, a.pretty)
		return a.report(a.monitorAll(rest[1:]))
	}
	names, err := namesInRunDir()
	if err != nil {
		return a.report(err)
	}
	code := exitOK
	for _, name := range names {
		fmt.Fprintf(a.stdout, "\nnetns: %s\n", name)
		sub := &app{stdout: a.stdout, stderr: a.stderr, ctx: a.ctx, dial: a.dial, dialEvents: a.dialEvents,
			dialGenl: a.dialGenl, readSockets: a.readSockets}
		code = max(code, sub.run(append([]string{"-n", name}, args...)))
	}
	return code
}

// namesInRunDir lists /run/netns in directory order (as readdir gives it to iproute2).
func namesInRunDir() ([]string, error) {
	f, err := os.Open(netns.RunDir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// monitorAll is `monitor -all-netns [label] [OBJECTS]`: the events of every named namespace, each line after
// "[netns NAME] ", and the namespaces that appear, go, or are resynchronised after lost events.
func (a *app) monitorAll(argv []string) error {
	var objs route.WatchObjects
	label := false
	for _, w := range argv {
		switch {
		case w == "label":
			label = true
			continue
		case matches(w, "help"):
			return helpf("Usage: nlkit -all-netns monitor [ label ] [ all | OBJECTS ]\n" +
				"OBJECTS := link | address | route | neigh | rule | nexthop")
		}
		found := false
		for _, o := range monitorObjects {
			if matches(w, o.name) {
				objs |= o.objs
				found = true
				break
			}
		}
		if !found {
			return usagef("Argument %q is unknown, try \"nlkit monitor help\".", w)
		}
	}
	var mu sync.Mutex
	subs := map[route.Namespace]*app{} // per namespace: its link names and printer
	out := func(ns route.Namespace, text string) {
		for _, line := range strings.SplitAfter(text, "\n") {
			if line != "" {
				fmt.Fprintf(a.stdout, "[netns %s] %s", ns, line)
			}
		}
		if !strings.HasSuffix(text, "\n") {
			fmt.Fprintln(a.stdout)
		}
	}
	var node *route.NodeMirror
	onEvent := func(ev route.NodeEvent) {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Kind {
		case route.NodeAdded:
			sub := &app{stdout: a.stdout, stderr: a.stderr, ctx: a.ctx, json: a.json, family: a.family}
			sub.p = newPrinter(a.json, false)
			if node != nil {
				if m, _, ok := node.Namespace(ev.Namespace.Path); ok {
					sub.links = newLinkCache(m.Links())
				}
			}
			subs[ev.Namespace] = sub
			if node != nil {
				out(ev.Namespace, "namespace added (nsid "+fmt.Sprint(ev.Namespace.NSID)+")\n")
			}
		case route.NodeRemoved:
			delete(subs, ev.Namespace)
			out(ev.Namespace, "namespace removed\n")
		case route.NodeOverflow:
			fmt.Fprintln(a.stderr, "nlkit monitor: events were lost; every namespace is resynchronised")
		}
	}
	onChange := func(ns route.Namespace, c route.Change) {
		mu.Lock()
		defer mu.Unlock()
		sub := subs[ns]
		if sub == nil {
			return // the namespace's first snapshot
		}
		ev := changeEvent(c)
		var b bytes.Buffer
		sub.printEvent(&ev, label)
		if err := sub.p.flush(&b); err != nil || b.Len() == 0 {
			return
		}
		out(ns, b.String())
	}
	n, err := route.NewNodeMirror(a.ctx, &route.NodeConfig{Objects: objs, Family: a.family, OnChange: onChange,
		OnEvent: onEvent})
	if err != nil {
		return err
	}
	defer n.Close()
	mu.Lock()
	node = n
	for ns, sub := range subs {
		if m, _, ok := n.Namespace(ns.Path); ok {
			sub.links = newLinkCache(m.Links())
		}
	}
	mu.Unlock()
	if a.ready != nil {
		a.ready()
	}
	<-a.ctx.Done()
	return nil
}

// changeEvent is the event that a Mirror's change stands for: an object new or changed, or removed.
func changeEvent(c route.Change) route.Event {
	ev := route.Event{Kind: route.EventNew}
	obj := c.New
	if c.Kind == route.ChangeRemoved {
		ev.Kind, obj = route.EventDelete, c.Old
	}
	switch o := obj.(type) {
	case *route.Link:
		ev.Link = o
	case *route.Addr:
		ev.Addr = o
	case *route.Route:
		ev.Route = o
	case *route.Neigh:
		ev.Neigh = o
	case *route.Rule:
		ev.Rule = o
	case *route.Nexthop:
		ev.Nexthop = o
	}
	return ev
}

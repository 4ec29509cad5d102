package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
)

// batchFlushAt is the most changes -batch collects before it sends them: the batch streams, holding this many
// parsed objects at most.
const batchFlushAt = 8192

// editHookKey is the context key under which -batch hands edit its collector.
type editHookKey struct{}

// editHook takes the changes that edit would send one by one. It reports whether it took v; when it did not,
// edit sends v itself.
type editHook interface {
	edit(op editOp, v any) (bool, error)
}

// batchRun is one `nlkit -batch FILE`: the file's name as ip prints it, and the changes collected from
// consecutive lines of the same object and operation, waiting to be sent in one batch.
type batchRun struct {
	a      *app
	name   string
	force  bool
	b      *route.Batch
	line   int  // the line being run
	failed bool // some line failed
	stop   bool // a line failed without -force: run no more
	op     editOp
	lines  []int // the line of each collected change
	routes []route.Route
	addrs  []route.Addr
	neighs []route.Neigh
	rules  []route.Rule
	nhs    []route.Nexthop
}

// runBatch is `nlkit [-force] -batch FILE` (FILE "-": standard input): each line is a command, as `ip -batch`
// reads it (a '#' starts a comment, a line ending in '\' continues on the next, words may be quoted).
// Consecutive adds, replaces or deletes of routes, addresses, neighbours, rules or nexthops go to the kernel in
// one batch (route.Batch); other commands run as they run alone. A failed line prints its error and "Command
// failed FILE:LINE", and ends the run unless -force is given. The exit status is 1 when any line failed.
func (a *app) runBatch() int {
	var in io.Reader = os.Stdin
	if a.batchFile != "-" {
		f, err := os.Open(a.batchFile)
		if err != nil {
			fmt.Fprintf(a.stderr, "Cannot open file \"%s\" for reading: %v\n", a.batchFile, errors.Unwrap(err))
			return exitFailure
		}
		defer f.Close()
		in = f
	}
	r := &batchRun{a: a, name: a.batchFile, force: a.force}
	base := a.ctx
	a.ctx = context.WithValue(base, editHookKey{}, editHook(r))
	defer func() {
		a.ctx = base
		if r.b != nil {
			r.b.Close()
		}
	}()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	no := 0
	for !r.stop && sc.Scan() {
		no++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		for strings.HasSuffix(text, "\\") && sc.Scan() {
			no++
			next := sc.Text()
			if i := strings.IndexByte(next, '#'); i >= 0 {
				next = next[:i]
			}
			text = text[:len(text)-1] + next
		}
		args := makeargs(text)
		if len(args) == 0 {
			continue
		}
		r.line = no // ip names a continued line by its last physical line
		if !batchable(args) {
			// Whatever else the line does must see the changes before it, and the links it makes or
			// removes must be looked up again.
			r.flush()
			if r.stop {
				break
			}
			a.links = nil
		}
		if a.p == nil {
			a.p = newPrinter(a.json, a.pretty)
		}
		err := a.dispatch(args)
		if len(a.p.b) > 0 {
			if ferr := a.p.flush(a.stdout); ferr != nil && err == nil {
				err = ferr
			}
		}
		if err != nil {
			// The changes collected before this line come first, in the output as in the kernel.
			if r.flush(); r.stop {
				break
			}
			a.printLineError(err)
			r.lineFailed(no)
		}
	}
	if err := sc.Err(); err != nil && !r.stop {
		fmt.Fprintf(a.stderr, "nlkit: reading %s: %v\n", r.name, err)
		r.failed = true
	}
	if !r.stop {
		r.flush()
	}
	if r.failed {
		return exitFailure
	}
	return exitOK
}

// printLineError prints a line's error as running the line alone would, without its exit status.
func (a *app) printLineError(err error) {
	var he *helpError
	if errors.As(err, &he) {
		fmt.Fprintln(a.stdout, he.text)
		return
	}
	a.report(err)
}

// lineFailed prints ip's "Command failed FILE:LINE" and stops the run without -force.
func (r *batchRun) lineFailed(line int) {
	fmt.Fprintf(r.a.stderr, "Command failed %s:%d\n", r.name, line)
	r.failed = true
	if !r.force {
		r.stop = true
	}
}

// batchable reports whether a command line is an add, delete or replace of an object -batch sends in
// batches (the collector still declines what route.Batch does not do).
func batchable(args []string) bool {
	if len(args) < 2 {
		return false
	}
	obj := false
	for _, o := range []string{"address", "route", "rule", "neighbor", "neighbour", "nexthop"} {
		if matches(args[0], o) {
			obj = true
			break
		}
	}
	if !obj && args[0] != "nh" {
		return false
	}
	for _, w := range []string{"add", "delete", "replace"} {
		if matches(args[1], w) {
			return true
		}
	}
	return false
}

// edit implements editHook: it collects v when it is of the kind and operation of the changes collected, and
// sends those first when it is not.
func (r *batchRun) edit(op editOp, v any) (bool, error) {
	if op != opAdd && op != opDelete && op != opReplace {
		r.flush()
		return false, nil
	}
	kind := func() int {
		switch {
		case len(r.routes) > 0:
			return 1
		case len(r.addrs) > 0:
			return 2
		case len(r.neighs) > 0:
			return 3
		case len(r.rules) > 0:
			return 4
		case len(r.nhs) > 0:
			return 5
		}
		return 0
	}
	var k int
	switch v.(type) {
	case route.Route:
		k = 1
	case route.Addr:
		k = 2
	case route.Neigh:
		k = 3
	case route.Rule:
		k = 4
	case route.Nexthop:
		k = 5
	default:
		r.flush()
		return false, nil
	}
	if cur := kind(); cur != 0 && (cur != k || r.op != op || len(r.lines) >= batchFlushAt) {
		r.flush()
		if r.stop {
			// A line before this one failed without -force: this one does not run. (Its own line has
			// not failed; the run ends here.)
			return true, nil
		}
	}
	r.op = op
	r.lines = append(r.lines, r.line)
	switch v := v.(type) {
	case route.Route:
		r.routes = append(r.routes, v)
	case route.Addr:
		r.addrs = append(r.addrs, v)
	case route.Neigh:
		r.neighs = append(r.neighs, v)
	case route.Rule:
		r.rules = append(r.rules, v)
	case route.Nexthop:
		r.nhs = append(r.nhs, v)
	}
	return true, nil
}

// flush sends the collected changes in one batch and reports each failed line.
func (r *batchRun) flush() {
	if len(r.lines) == 0 {
		return
	}
	a := r.a
	defer func() {
		r.lines = r.lines[:0]
		r.routes, r.addrs, r.neighs, r.rules, r.nhs = r.routes[:0], r.addrs[:0], r.neighs[:0], r.rules[:0], r.nhs[:0]
	}()
	if r.b == nil {
		c, err := a.client()
		if err == nil {
			o := &route.BatchOptions{Mode: route.BatchErrorsOnly, Continue: true}
			if !r.force {
				// ip stops at the first failed line: no later line may reach the kernel.
				o = &route.BatchOptions{Mode: route.BatchAckEach, InFlight: 1}
			}
			r.b, err = c.NewBatch(o)
		}
		if err != nil {
			a.printLineError(err)
			r.lineFailed(r.lines[0])
			r.stop = true
			return
		}
	}
	bop := map[editOp]route.BatchOp{opAdd: route.BatchAdd, opDelete: route.BatchDelete, opReplace: route.BatchReplace}[r.op]
	var err error
	switch {
	case len(r.routes) > 0:
		err = r.b.Routes(a.ctx, bop, slices.Values(r.routes))
	case len(r.addrs) > 0:
		err = r.b.Addrs(a.ctx, bop, slices.Values(r.addrs))
	case len(r.neighs) > 0:
		err = r.b.Neighs(a.ctx, bop, slices.Values(r.neighs))
	case len(r.rules) > 0:
		err = r.b.Rules(a.ctx, bop, slices.Values(r.rules))
	case len(r.nhs) > 0:
		err = r.b.Nexthops(a.ctx, bop, slices.Values(r.nhs))
	}
	if err == nil {
		return
	}
	var be *route.BatchError
	if !errors.As(err, &be) {
		a.printLineError(err)
		r.lineFailed(r.lines[0])
		r.stop = true
		return
	}
	for _, f := range be.Failures {
		var pe *proto.Error
		if errors.As(f.Err, &pe) {
			fmt.Fprintln(a.stderr, kernelErrorText(pe))
		} else {
			fmt.Fprintf(a.stderr, "nlkit: %v\n", f.Err)
		}
		r.lineFailed(r.lines[f.Index])
	}
	if be.Err != nil {
		// The batch was cut short (the context, the socket): the lines after the last answered one are not
		// known to have run.
		fmt.Fprintf(a.stderr, "nlkit: %v\n", be.Err)
		r.lineFailed(r.lines[min(be.Processed, len(r.lines)-1)])
		r.stop = true
	}
}

// makeargs splits a line into words as iproute2's makeargs does: on blanks, with "..." and '...' quoting a
// word.
func makeargs(s string) []string {
	var args []string
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return args
		}
		if q := s[0]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				args = append(args, s[1:])
				return args
			}
			args = append(args, s[1:1+end])
			s = s[2+end:]
			continue
		}
		end := strings.IndexAny(s, " \t\r\n")
		if end < 0 {
			return append(args, s)
		}
		args = append(args, s[:end])
		s = s[end:]
	}
}

package main

import (
	"context"
	"strings"
)

// command is one COMMAND of an OBJECT: its word and synonyms, space-separated, each of which may be abbreviated
// (matches), and what it does with the arguments after it.
type command struct {
	words string
	run   func(args []string) error
}

// runCommand runs the command of cmds that argv names, the first one ("show") when argv is empty. The words are
// tried in order, as ip tries them, so that the order decides abbreviations ("a" is "add", "d" "delete");
// "help" prints usage.
func runCommand(object, usage string, argv []string, cmds ...command) error {
	if len(argv) == 0 {
		return cmds[0].run(nil)
	}
	for _, c := range cmds {
		for _, w := range strings.Fields(c.words) {
			if matches(argv[0], w) {
				return c.run(argv[1:])
			}
		}
	}
	if matches(argv[0], "help") {
		return helpf("%s", usage)
	}
	return usagef("Command %q is unknown, try \"nlkit %s help\".", argv[0], object)
}

// showWords are the words of a listing command.
const showWords = "show list lst"

// listing runs a listing command inside the top-level JSON array (see jsonList).
func (a *app) listing(show func(args []string) error) func(args []string) error {
	return func(args []string) error { return a.jsonList(func() error { return show(args) }) }
}

// editOp is the change an add, delete, replace, append or change command asks for.
type editOp int

const (
	opAdd     editOp = iota // RTM_NEWx with NLM_F_CREATE|NLM_F_EXCL
	opDelete                // RTM_DELx
	opReplace               // RTM_NEWx with NLM_F_CREATE|NLM_F_REPLACE
	opAppend                // RTM_NEWROUTE with NLM_F_CREATE|NLM_F_APPEND
	opChange                // RTM_NEWNEIGH with NLM_F_REPLACE
)

// withOp makes the command that runs modify with op.
func withOp(modify func(args []string, op editOp) error, op editOp) func(args []string) error {
	return func(args []string) error { return modify(args, op) }
}

// editor is the change calls of a families/route service.
type editor[T any] interface {
	Add(context.Context, T) error
	Replace(context.Context, T) error
	Delete(context.Context, T) error
}

// appender is RouteService's Append; changer is NeighService's Change.
type (
	appender[T any] interface {
		Append(context.Context, T) error
	}
	changer[T any] interface {
		Change(context.Context, T) error
	}
)

// edit sends v to s as op says. Append is for routes and Change for neighbours: their services have them.
func edit[T any](ctx context.Context, s editor[T], op editOp, v T) error {
	if h, ok := ctx.Value(editHookKey{}).(editHook); ok { // nlkit -batch (batch.go)
		if took, err := h.edit(op, v); took {
			return err
		}
	}
	switch op {
	case opDelete:
		return s.Delete(ctx, v)
	case opReplace:
		return s.Replace(ctx, v)
	case opAppend:
		return s.(appender[T]).Append(ctx, v)
	case opChange:
		return s.(changer[T]).Change(ctx, v)
	}
	return s.Add(ctx, v)
}

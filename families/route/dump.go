//go:build linux

package route

import (
	"context"
	"errors"
	"fmt"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// InterruptedError reports that every attempt of a dump was interrupted by concurrent changes (the kernel set
// NLM_F_DUMP_INTR each time), so no consistent snapshot was seen. Results holds the last attempt's objects,
// which List also returns; they may miss or duplicate objects that changed during it.
// errors.Is(err, nlkit.ErrDumpInterrupted) matches it.
type InterruptedError[T any] struct {
	// Attempts is the number of dumps made.
	Attempts int
	// Results are the objects of the last attempt.
	Results []T
	// Err is the last attempt's *nlkit.DumpInterruptedError.
	Err error
}

// Error says how many attempts were interrupted and how many objects the last one gave.
func (e *InterruptedError[T]) Error() string {
	return fmt.Sprintf("route: dump interrupted by concurrent changes %d times in a row (NLM_F_DUMP_INTR); "+
		"the last result of %d objects may be inconsistent", e.Attempts, len(e.Results))
}

// Unwrap returns the last *nlkit.DumpInterruptedError.
func (e *InterruptedError[T]) Unwrap() error { return e.Err }

// dump sends a dump request and passes the core's replies to yield as they are, as the core's Dump yields them:
// messages of every type, and the error that ends the dump. yield is called straight by the core, with no loop
// of its own in between (a range loop here would add a call per message), so it filters the types itself
// (m.Header.Type, RTM_NEWx) and maps the error with dumpError.
func (c *Client) dump(ctx context.Context, typ uint16, data []byte, yield func(proto.Message, error) bool) {
	if ctx == nil {
		yield(proto.Message{}, nlkit.ErrNilContext) // the core's rule: see nlkit.ErrNilContext
		return
	}
	conn, slot := c.take()
	defer c.put(slot)
	conn.Dump(ctx, proto.Message{Header: proto.Header{Type: typ}, Data: data})(yield)
}

// dumpError maps the error that ended a dump of type typ (RTM_GETx) to what a dump yields: an *OpError, or
// the *nlkit.DumpInterruptedError itself for NLM_F_DUMP_INTR. It returns nil when emptyOnENOENT is set and the
// kernel answered ENOENT (a filtered table that does not exist): the dump is then empty.
func dumpError(typ uint16, emptyOnENOENT bool, err error) error {
	switch {
	case errors.Is(err, nlkit.ErrDumpInterrupted):
		return err
	case emptyOnENOENT && errors.Is(err, unix.ENOENT):
		return nil
	}
	return &OpError{Op: msgTypeName(typ) + " dump", Err: err}
}

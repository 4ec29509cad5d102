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

// dump sends a dump request and yields the payloads of the replies of type want. A dump that ends in an error
// yields it wrapped in an *OpError; NLM_F_DUMP_INTR is yielded as the *nlkit.DumpInterruptedError itself.
// emptyOnENOENT turns an ENOENT answer (a filtered table that does not exist) into an empty dump.
func (c *Client) dump(ctx context.Context, typ uint16, data []byte, want uint16, emptyOnENOENT bool,
	yield func(proto.Message, error) bool) {
	if ctx == nil {
		ctx = context.Background()
	}
	for m, err := range c.conn.Dump(ctx, proto.Message{Header: proto.Header{Type: typ}, Data: data}) {
		if err != nil {
			switch {
			case errors.Is(err, nlkit.ErrDumpInterrupted):
				yield(proto.Message{}, err)
			case emptyOnENOENT && errors.Is(err, unix.ENOENT):
			default:
				yield(proto.Message{}, &OpError{Op: msgTypeName(typ) + " dump", Err: err})
			}
			return
		}
		if m.Header.Type != want {
			continue
		}
		if !yield(m, nil) {
			return
		}
	}
}

//go:build linux

package route

import (
	"context"
	"errors"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

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

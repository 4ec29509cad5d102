//go:build linux

package route

import (
	"context"
	"errors"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// dumpDecoded runs one dump (getType with req) on c and decodes every message of type newType with decode,
// repeating the whole dump while the kernel flags it NLM_F_DUMP_INTR, up to the Client's retries. It serves the
// objects that have no service of their own (bridge VLANs, MDB, netconf, neighbour tables, statistics). name
// names the message type in errors ("RTM_NEWVLAN").
func dumpDecoded[T any](ctx context.Context, c *Client, getType, newType uint16, name string, req []byte,
	decode func([]byte) (T, error)) ([]T, error) {
	for attempt := 1; ; attempt++ {
		var out []T
		var derr, ferr error
		c.dump(ctx, getType, req, func(m proto.Message, err error) bool {
			if err != nil {
				ferr = err
				return false
			}
			if m.Header.Type != newType && m.Header.Type != getType { // the MDB dump answers RTM_GETMDB
				return true
			}
			v, err := decode(m.Data)
			if err != nil {
				derr = decodeError(name, err)
				return false
			}
			out = append(out, v)
			return true
		})
		switch {
		case derr != nil:
			return out, derr
		case ferr == nil:
			return out, nil
		case errors.Is(ferr, nlkit.ErrDumpInterrupted):
			if attempt > c.retries {
				return out, &nlkit.DumpInterruptedError{Attempts: attempt, Results: out}
			}
			continue
		}
		return out, &OpError{Op: dumpName(name) + " dump", Err: ferr}
	}
}

// dumpName turns the name of an RTM_NEWx message into its RTM_GETx ("RTM_NEWVLAN" → "RTM_GETVLAN").
func dumpName(newName string) string {
	if len(newName) > 7 && newName[:7] == "RTM_NEW" {
		return "RTM_GET" + newName[7:]
	}
	return newName
}

// request sends one change request (typ with flags and NLM_F_ACK) on c; op names it in errors.
func (c *Client) request(ctx context.Context, typ, flags uint16, data []byte, op string) error {
	_, err := c.execute(ctx, typ, flags, data, op)
	return err
}

//go:build !linux

package unit

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/nlkit/nlkit"
)

var errNotLinux = errors.New("netlink sockets exist on Linux only")

// sock stands in for the Linux socket: it cannot be opened elsewhere.
type sock struct {
	unit   int
	wait   time.Duration
	closed atomic.Bool
}

func dialSock(c *Config, _ uint32, _ bool) (*sock, error) {
	return nil, &nlkit.OpError{Op: "dial", Unit: c.unit(), Err: errNotLinux}
}

func (s *sock) newConn(int, bool) *nlkit.Conn                  { return nil }
func (s *sock) send(context.Context, []byte, nlkit.Addr) error { return errNotLinux }
func (s *sock) sendNow([]byte, nlkit.Addr) error               { return errNotLinux }
func (s *sock) SetReadDeadline(time.Time) error                { return errNotLinux }
func (s *sock) PortID() uint32                                 { return 0 }

type received struct {
	From nlkit.Sender
	Data []byte
	Size int
}

type batchReader struct{}

func newBatchReader(*sock, int, int) *batchReader              { return &batchReader{} }
func (r *batchReader) read(out []received) ([]received, error) { return out, errNotLinux }
func closedErr(err error) bool                                 { return errors.Is(err, nlkit.ErrClosed) }

package unit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync/atomic"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// Request is one request a Server received.
type Request struct {
	// Message is the request; its Data aliases the server's buffer and is valid during the handler only.
	Message proto.Message
	// From is the sender: its true portid from the socket address, and its credentials (pid, uid, gid).
	From nlkit.Sender
}

// Handler answers a request with a reply payload. An error becomes an NLMSG_ERROR: a syscall.Errno is sent as
// it is; any other error as EIO with its text as the extended-ack message. A nil reply with a nil error sends an
// empty reply.
type Handler func(ctx context.Context, req Request) ([]byte, error)

// ServerConfig configures a Server.
type ServerConfig struct {
	Config
	// AllowUIDs and AllowGIDs, when either is non-empty, admit only requests whose SCM_CREDENTIALS uid is in
	// AllowUIDs or gid in AllowGIDs; others are refused with EACCES and logged.
	AllowUIDs []uint32
	AllowGIDs []uint32
	// Logger receives refusals and malformed datagrams; nil uses slog.Default().
	Logger *slog.Logger
	// OnMalformed, when set, is called for each malformed datagram with its sender and the decoding error.
	OnMalformed func(from nlkit.Sender, err error)
}

// ServerStats counts what a Server has seen.
type ServerStats struct {
	Requests, Replies, Refused, Malformed, HandlerErrors, SendErrors uint64
}

// Server answers requests sent to its portid.
type Server struct {
	conn *nlkit.Conn
	cfg  ServerConfig
	log  *slog.Logger

	requests, replies, refused, malformed, handlerErrors, sendErrors atomic.Uint64
}

// Listen binds a server to cfg.PortID, or to the process id when that is 0 (as the seed does); when the process
// id is taken it falls back to a kernel-assigned portid. Credentials are always received, so handlers see who
// sent each request.
func Listen(cfg *ServerConfig) (*Server, error) {
	var c ServerConfig
	if cfg != nil {
		c = *cfg
	}
	portid := c.PortID
	if portid == 0 {
		portid = uint32(os.Getpid())
	}
	conn, err := c.dial(portid, nil, true)
	if err != nil && c.PortID == 0 && errors.Is(err, syscall.EADDRINUSE) {
		conn, err = c.dial(0, nil, true)
	}
	if err != nil {
		return nil, err
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Server{conn: conn, cfg: c, log: log}, nil
}

// PortID is the portid clients send to.
func (s *Server) PortID() uint32 { return s.conn.PortID() }

// Conn is the server's connection.
func (s *Server) Conn() *nlkit.Conn { return s.conn }

// Close stops Serve and releases the socket.
func (s *Server) Close() error { return s.conn.Close() }

// Stats returns the counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{Requests: s.requests.Load(), Replies: s.replies.Load(), Refused: s.refused.Load(),
		Malformed: s.malformed.Load(), HandlerErrors: s.handlerErrors.Load(), SendErrors: s.sendErrors.Load()}
}

// Serve answers requests until ctx is cancelled or the server is closed, which return nil. A malformed datagram
// is reported (OnMalformed, the log, Stats) and answered with EBADMSG when a header could be read; a reply that
// cannot be delivered (the client left) is counted. Neither stops the server.
//
// Requests that are already queued when Serve receives are taken together, up to 16 datagrams in one system
// call (recvmmsg(2)), so a busy server spends fewer calls per request; they are answered in order.
func (s *Server) Serve(ctx context.Context, h Handler) error {
	for {
		ds, err := s.conn.ReceiveDatagrams(ctx, serveBatch)
		if err != nil && !truncated(err) {
			if errors.Is(err, nlkit.ErrClosed) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		// A datagram cut short is reported by serveDatagram, and the others of its batch are served.
		for i := range ds {
			s.serveDatagram(ctx, h, &ds[i])
		}
	}
}

// serveBatch is the most datagrams Serve takes in one receive. Each has a buffer of the receive buffer's size
// (64 KiB by default), so it bounds the server's memory (1 MiB) as well as its system calls: with 16 requests
// queued, a receive costs a sixteenth of a system call per request.
const serveBatch = 16

// truncated reports whether err is a *nlkit.TruncatedError.
func truncated(err error) bool {
	var te *nlkit.TruncatedError
	return errors.As(err, &te)
}

// serveDatagram answers the requests of one datagram, or reports it when it is malformed.
func (s *Server) serveDatagram(ctx context.Context, h Handler, d *nlkit.Datagram) {
	if d.Truncated() {
		s.reportMalformed(d.From, &nlkit.TruncatedError{Size: d.Size, Buffer: len(d.Data), From: d.From.Addr}, d.Data)
		return
	}
	it := d.Messages()
	for it.Next() {
		s.handle(ctx, h, it.Message(), d.From)
	}
	if err := it.Err(); err != nil {
		s.reportMalformed(d.From, err, d.Data)
	}
}

func (s *Server) reportMalformed(from nlkit.Sender, err error, data []byte) {
	s.malformed.Add(1)
	s.log.Warn("netlink server: malformed datagram", "unit", s.conn.Unit(), "from", from.Addr.PortID, "err", err)
	if s.cfg.OnMalformed != nil {
		s.cfg.OnMalformed(from, err)
	}
	if h, herr := proto.ParseHeader(data); herr == nil && from.Addr.PortID != 0 {
		req := proto.Message{Header: h}
		s.sendError(req, from, syscall.EBADMSG, err.Error())
	}
}

func (s *Server) allowed(from nlkit.Sender) bool {
	if len(s.cfg.AllowUIDs) == 0 && len(s.cfg.AllowGIDs) == 0 {
		return true
	}
	if !from.HasCred {
		return false
	}
	return slices.Contains(s.cfg.AllowUIDs, from.Cred.UID) || slices.Contains(s.cfg.AllowGIDs, from.Cred.GID)
}

func (s *Server) handle(ctx context.Context, h Handler, m proto.Message, from nlkit.Sender) {
	if m.Header.Type < proto.TypeMin {
		// Control messages (acks, NLMSG_DONE, NOOP) are not requests.
		return
	}
	s.requests.Add(1)
	if !s.allowed(from) {
		s.refused.Add(1)
		s.log.Warn("netlink server: request refused", "unit", s.conn.Unit(), "from", from.Addr.PortID,
			"pid", from.Cred.PID, "uid", from.Cred.UID, "gid", from.Cred.GID)
		s.sendError(m, from, syscall.EACCES, fmt.Sprintf("uid %d gid %d is not permitted by this server",
			from.Cred.UID, from.Cred.GID))
		return
	}
	payload, err := h(ctx, Request{Message: m, From: from})
	if err != nil {
		s.handlerErrors.Add(1)
		var errno syscall.Errno
		if errors.As(err, &errno) {
			s.sendError(m, from, errno, "")
		} else {
			s.sendError(m, from, syscall.EIO, err.Error())
		}
		return
	}
	reply := proto.Message{Header: proto.Header{Type: m.Header.Type, Sequence: m.Header.Sequence,
		PortID: s.conn.PortID()}, Data: payload}
	if err := s.conn.SendTo(nlkit.Addr{PortID: from.Addr.PortID}, reply); err != nil {
		s.sendErrors.Add(1)
		s.log.Debug("netlink server: reply not delivered", "to", from.Addr.PortID, "err", err)
		return
	}
	s.replies.Add(1)
}

func (s *Server) sendError(req proto.Message, from nlkit.Sender, errno syscall.Errno, msg string) {
	var ext *proto.ExtAck
	if msg != "" {
		ext = &proto.ExtAck{Msg: msg}
	}
	b := proto.AppendAck(nil, req, errno, false, ext, s.conn.PortID())
	if err := s.conn.SendRaw(b, nlkit.Addr{PortID: from.Addr.PortID}); err != nil {
		s.sendErrors.Add(1)
	}
}

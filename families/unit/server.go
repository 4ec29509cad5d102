package unit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

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
	// Logger receives refusals and malformed datagrams, at most logBurst lines per second (then one line saying
	// how many were left out), so a flood cannot slow the server down to the speed of its log; nil uses
	// slog.Default().
	Logger *slog.Logger
	// OnMalformed, when set, is called for each malformed datagram with its sender and the decoding error. It
	// runs on the serve loop: it must not block.
	OnMalformed func(from nlkit.Sender, err error)
}

// ServerStats counts what a Server has seen.
type ServerStats struct {
	// Requests counts messages with NLM_F_REQUEST and a type of at least NLMSG_MIN_TYPE.
	Requests uint64
	// Replies counts replies delivered.
	Replies uint64
	// Refused counts requests refused by AllowUIDs/AllowGIDs (answered with EACCES).
	Refused uint64
	// Malformed counts datagrams that were not well-formed netlink, or larger than the receive buffer.
	Malformed uint64
	// HandlerErrors counts requests whose handler returned an error.
	HandlerErrors uint64
	// Dropped counts answers (replies, acks, NLMSG_ERRORs) not sent because the requester's receive queue was
	// full: the Server never waits for a client to read, as the kernel's netlink_unicast with MSG_DONTWAIT.
	Dropped uint64
	// SendErrors counts answers that failed otherwise (the requester closed its socket: ECONNREFUSED).
	SendErrors uint64
}

// Server answers requests sent to its portid, following the kernel's conventions (netlink_rcv_skb and
// netlink_ack), so C clients built on libmnl and libnl-3 work: see the package documentation.
type Server struct {
	conn *nlkit.Conn
	cfg  ServerConfig
	log  *slog.Logger

	requests, replies, refused, malformed, handlerErrors, dropped, sendErrors atomic.Uint64

	logMu      sync.Mutex
	logStart   time.Time
	logLines   int
	suppressed uint64
}

// Listen binds a server to cfg.PortID, or to the process id when that is 0 (as the seed does); when the process
// id is taken it falls back to a kernel-assigned portid. Credentials are always received (SO_PASSCRED), so
// handlers see who sent each request.
func Listen(cfg *ServerConfig) (*Server, error) {
	var c ServerConfig
	if cfg != nil {
		c = *cfg
	}
	portid := c.PortID
	if portid == 0 {
		portid = uint32(os.Getpid())
	}
	dial := func(portid uint32) (*nlkit.Conn, error) {
		nc := c.nlkitConfig(portid, nil, true)
		nc.FixedReceiveBuffer = true
		return nlkit.Dial(c.unit(), nc)
	}
	conn, err := dial(portid)
	if err != nil && c.PortID == 0 && errors.Is(err, syscall.EADDRINUSE) {
		conn, err = dial(0)
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

// Conn is the server's connection; its receive buffers never grow (nlkit.Config.FixedReceiveBuffer). Serve
// answers with Conn().SendRawNoWait, which never waits for a full receiver; a handler that sends more than its
// reply should do the same, since SendTo and SendRaw wait for room at the receiver as on any Conn.
func (s *Server) Conn() *nlkit.Conn { return s.conn }

// Close stops Serve and releases the socket.
func (s *Server) Close() error { return s.conn.Close() }

// Stats returns the counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{Requests: s.requests.Load(), Replies: s.replies.Load(), Refused: s.refused.Load(),
		Malformed: s.malformed.Load(), HandlerErrors: s.handlerErrors.Load(), Dropped: s.dropped.Load(),
		SendErrors: s.sendErrors.Load()}
}

// serveBatch is the most datagrams Serve takes in one receive (recvmmsg(2)). Each has a buffer of the receive
// buffer's size (64 KiB by default) that never grows (nlkit.Config.FixedReceiveBuffer), so a Server's receive
// memory is serveBatch times that, and the Conn's own buffer of the same size (1088 KiB by default), whatever
// its clients send.
const serveBatch = 16

// Serve answers requests until ctx is cancelled or the server is closed, which return nil; it returns as soon
// as the request in hand is done (the handler's ctx is cancelled too), whatever the clients do.
//
// Each message of a datagram is taken as the kernel's netlink_rcv_skb takes it: a message with NLM_F_REQUEST
// and a type of at least NLMSG_MIN_TYPE is a request and goes to the handler; the answer is the reply (nlmsg_pid
// the requester's portid, nlmsg_seq the request's) followed, when the request has NLM_F_ACK, by NLMSG_ERROR 0 in
// the same datagram, or, when the handler fails or the sender is refused, an NLMSG_ERROR with the negative errno
// alone. Any other message gets NLMSG_ERROR 0 when it has NLM_F_ACK, and nothing otherwise. A malformed
// datagram, or one larger than the receive buffer, is reported (OnMalformed, the log, Stats) and answered with
// EBADMSG when a header could be read.
//
// Answers are sent without waiting (MSG_DONTWAIT): when the requester's receive queue is full the answer is
// dropped and counted (Stats().Dropped), so a client that never reads cannot hold up the others.
//
// Requests that are already queued when Serve receives are taken together, up to 16 datagrams in one system
// call, and answered in order. Serve is not meant to be called by two goroutines at once.
func (s *Server) Serve(ctx context.Context, h Handler) error {
	if err := ctx.Err(); err != nil {
		return nil
	}
	st := &serveState{}
	for {
		ds, err := s.conn.ReceiveDatagrams(ctx, serveBatch)
		var te *nlkit.TruncatedError
		if err != nil && !errors.As(err, &te) {
			if ctx.Err() != nil || errors.Is(err, nlkit.ErrClosed) {
				return nil
			}
			return err
		}
		for i := range ds {
			if ctx.Err() != nil {
				return nil
			}
			s.serveDatagram(ctx, h, &ds[i], st)
		}
	}
}

// serveState is one Serve call's scratch: the answer being built, and the datagram's requester state.
type serveState struct {
	out []byte
	// full is set when the requester's queue was found full during this datagram: its other answers are
	// dropped without trying.
	full bool
}

// maxKeptAnswer bounds the answer buffer kept between requests; a larger one is let go after use.
const maxKeptAnswer = 64 << 10

// serveDatagram answers the requests of one datagram, or reports it when it is malformed.
func (s *Server) serveDatagram(ctx context.Context, h Handler, d *nlkit.Datagram, st *serveState) {
	st.full = false
	if d.Size > len(d.Data) {
		s.reportMalformed(d.From, &nlkit.TruncatedError{Size: d.Size, Buffer: len(d.Data), From: d.From.Addr},
			d.Data, st)
		return
	}
	it := proto.NewIter(d.Data)
	for it.Next() {
		if ctx.Err() != nil {
			return
		}
		s.handle(ctx, h, it.Message(), d.From, st)
	}
	if err := it.Err(); err != nil {
		s.reportMalformed(d.From, err, d.Data, st)
	}
	if cap(st.out) > maxKeptAnswer {
		st.out = nil
	}
}

func (s *Server) reportMalformed(from nlkit.Sender, err error, data []byte, st *serveState) {
	s.malformed.Add(1)
	s.logWarn("netlink server: malformed datagram", "unit", s.conn.Unit(), "from", from.Addr.PortID, "err", err)
	if s.cfg.OnMalformed != nil {
		s.cfg.OnMalformed(from, err)
	}
	if h, herr := proto.ParseHeader(data); herr == nil && from.Addr.PortID != 0 {
		// Only the header is echoed: the rest is what could not be read.
		st.out = proto.AppendAck(st.out[:0], proto.Message{Header: h}, syscall.EBADMSG, true,
			&proto.ExtAck{Msg: err.Error()}, from.Addr.PortID)
		s.answer(from, st)
	}
}

// logWarn logs at most logBurst lines per second; the first line after a quiet second says how many were left
// out.
func (s *Server) logWarn(msg string, args ...any) {
	s.logMu.Lock()
	now := time.Now()
	if now.Sub(s.logStart) >= time.Second {
		if s.suppressed > 0 {
			args = append(args, "suppressed", s.suppressed)
		}
		s.logStart, s.logLines, s.suppressed = now, 0, 0
	}
	if s.logLines >= logBurst {
		s.suppressed++
		s.logMu.Unlock()
		return
	}
	s.logLines++
	s.logMu.Unlock()
	s.log.Warn(msg, args...)
}

// logBurst is the most lines a Server logs per second.
const logBurst = 20

func (s *Server) allowed(from nlkit.Sender) bool {
	return credAllowed(s.cfg.AllowUIDs, s.cfg.AllowGIDs, from)
}

// credAllowed applies an AllowUIDs/AllowGIDs filter to a sender's SCM_CREDENTIALS.
func credAllowed(uids, gids []uint32, from nlkit.Sender) bool {
	if len(uids) == 0 && len(gids) == 0 {
		return true
	}
	if !from.HasCred {
		return false
	}
	return slices.Contains(uids, from.Cred.UID) || slices.Contains(gids, from.Cred.GID)
}

func (s *Server) handle(ctx context.Context, h Handler, m proto.Message, from nlkit.Sender, st *serveState) {
	if m.Header.Flags&proto.FlagRequest == 0 || m.Header.Type < proto.TypeMin {
		// Not a request (netlink_rcv_skb skips it): acknowledged only when asked.
		if m.Header.Flags&proto.FlagAck != 0 {
			st.out = proto.AppendAck(st.out[:0], m, 0, true, nil, from.Addr.PortID)
			s.answer(from, st)
		}
		return
	}
	s.requests.Add(1)
	if !s.allowed(from) {
		s.refused.Add(1)
		s.logWarn("netlink server: request refused", "unit", s.conn.Unit(), "from", from.Addr.PortID,
			"pid", from.Cred.PID, "uid", from.Cred.UID, "gid", from.Cred.GID)
		s.sendError(m, from, syscall.EACCES, fmt.Sprintf("uid %d gid %d is not permitted by this server",
			from.Cred.UID, from.Cred.GID), st)
		return
	}
	payload, err := h(ctx, Request{Message: m, From: from})
	if err != nil {
		s.handlerErrors.Add(1)
		var errno syscall.Errno
		if errors.As(err, &errno) && errno != 0 {
			s.sendError(m, from, errno, "", st)
		} else {
			s.sendError(m, from, syscall.EIO, err.Error(), st)
		}
		return
	}
	reply := proto.Message{Header: proto.Header{Type: m.Header.Type, Sequence: m.Header.Sequence,
		PortID: from.Addr.PortID}, Data: payload}
	st.out = reply.AppendTo(st.out[:0])
	if m.Header.Flags&proto.FlagAck != 0 {
		st.out = proto.AppendAck(st.out, m, 0, true, nil, from.Addr.PortID)
	}
	if s.answer(from, st) {
		s.replies.Add(1)
	}
}

func (s *Server) sendError(req proto.Message, from nlkit.Sender, errno syscall.Errno, msg string, st *serveState) {
	var ext *proto.ExtAck
	if msg != "" {
		ext = &proto.ExtAck{Msg: msg}
	}
	st.out = proto.AppendAck(st.out[:0], req, errno, false, ext, from.Addr.PortID)
	s.answer(from, st)
}

// answer sends st.out to the requester without waiting, and reports whether it was sent.
func (s *Server) answer(from nlkit.Sender, st *serveState) bool {
	if from.Addr.PortID == 0 {
		return false // the kernel sent it; nothing to answer
	}
	if st.full {
		s.dropped.Add(1)
		return false
	}
	err := s.conn.SendRawNoWait(nlkit.Sockaddr{PortID: from.Addr.PortID}, st.out)
	switch {
	case err == nil:
		return true
	case errors.Is(err, syscall.EAGAIN):
		st.full = true
		s.dropped.Add(1)
	default:
		s.sendErrors.Add(1)
		s.log.Debug("netlink server: answer not delivered", "to", from.Addr.PortID, "err", err)
	}
	return false
}

package compat

import (
	"context"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/nlkit/nlkit"
)

// RtnlHandle is struct rtnl_handle: a netlink socket and libnetlink's bookkeeping. Fd is the socket, an
// *nlkit.Conn; the other fields mean what they mean in C.
type RtnlHandle struct {
	// Fd is the socket. RtnlOpen dials it; RtnlClose closes it and sets it to nil (C sets fd to -1).
	Fd *nlkit.Conn
	// Local is the socket's address after bind: Local.PortID is nl_pid, Local.Groups the subscriptions.
	Local nlkit.Sockaddr
	// Peer is unused, as in C.
	Peer nlkit.Sockaddr
	// Seq is the last sequence number used; RtnlOpen starts it at the time of day in seconds.
	Seq uint32
	// Dump is the sequence number of the dump in progress.
	Dump uint32
	// Proto is the netlink unit (NETLINK_ROUTE...).
	Proto int
	// DumpFp, when set, makes RtnlDumpFilter write each datagram it receives to it, raw and padded to
	// NLMSG_ALIGNTO, instead of calling the filter: the format RtnlFromFile and pcap.DumpReader read back.
	DumpFp io.Writer
	// Flags holds RTNL_HANDLE_F_* bits.
	Flags int

	// Warn, when set, receives the text libnetlink prints to stderr in situations it survives: a kernel
	// warning in an extended ack ("Warning: ..."), a lost multicast ("netlink receive error No buffer space
	// available (105)"), a truncated datagram in RtnlListen. RtnlOpen keeps it. Go only.
	Warn func(msg string)
	// Ctx, when set, bounds every blocking receive: when it is done they return its error. RtnlClose from
	// another goroutine also unblocks them. RtnlOpen keeps it. Go only.
	Ctx context.Context
	// Rcvbuf, when set, is the SO_RCVBUF RtnlOpen asks for instead of the package's Rcvbuf: libnetlink's global
	// rcvbuf, made a field of the handle. RtnlOpen keeps it.
	Rcvbuf int

	cfg     nlkit.Config // how Fd was dialed, for RtnlSetStrictDump and RtnlListenAllNsid
	owned   bool         // Fd was dialed by RtnlOpen*, so it may be dialed again with other options
	pending [][]byte     // datagrams read ahead by RtnlSendCheck, delivered before the socket's
}

// Rcvbuf is the default of libnetlink's rcvbuf: the SO_RCVBUF RtnlOpen asks for (1 MiB). In C rcvbuf is a
// global that a program sets before rtnl_open (ip's -rcvbuf option does); here a handle's Rcvbuf field, set
// before RtnlOpen, or nlkit.Config.SocketReceiveBuffer with RtnlOpenConfig, chooses another size.
const Rcvbuf = 1024 * 1024

// RtnlOpen is rtnl_open: RtnlOpenByproto on NETLINK_ROUTE.
func RtnlOpen(rth *RtnlHandle, subscriptions uint32) error {
	return RtnlOpenByproto(rth, subscriptions, netlinkRoute)
}

// RtnlOpenByproto is rtnl_open_byproto: it opens a socket of protocol subscribed to the groups in the
// subscriptions bitmask (nl_groups: group g is bit g-1), with a receive buffer of rth.Rcvbuf (0: Rcvbuf) and
// extended acks on, and resets the handle (keeping Warn, Ctx and Rcvbuf).
func RtnlOpenByproto(rth *RtnlHandle, subscriptions uint32, protocol int) error {
	return RtnlOpenConfig(rth, subscriptions, protocol, nil)
}

// RtnlOpenConfig is RtnlOpenByproto with more of the socket chosen by cfg: a network namespace (NetNS), a Tap
// to record the traffic (see package pcap), a portid. cfg's groups are joined in addition to subscriptions.
// Go only.
func RtnlOpenConfig(rth *RtnlHandle, subscriptions uint32, protocol int, cfg *nlkit.Config) error {
	c := nlkit.Config{}
	if cfg != nil {
		c = *cfg
		c.Groups = slices.Clone(cfg.Groups)
	}
	for g := uint32(1); g <= 32; g++ {
		if subscriptions&nlkit.GroupMask(g) != 0 && !slices.Contains(c.Groups, g) {
			c.Groups = append(c.Groups, g)
		}
	}
	if c.SocketReceiveBuffer == 0 {
		c.SocketReceiveBuffer = rth.Rcvbuf
	}
	if c.SocketReceiveBuffer == 0 {
		c.SocketReceiveBuffer = Rcvbuf
	}
	conn, err := nlkit.Dial(protocol, &c)
	*rth = RtnlHandle{Warn: rth.Warn, Ctx: rth.Ctx, Rcvbuf: rth.Rcvbuf, Fd: conn, Proto: protocol, cfg: c, owned: true,
		Local: nlkit.Sockaddr{}}
	if err != nil {
		rth.Fd = nil
		return err
	}
	rth.Local = nlkit.Sockaddr{PortID: conn.PortID(), Groups: subscriptions}
	rth.Seq = uint32(time.Now().Unix())
	return nil
}

// RtnlOpenConn makes a handle of a Conn opened elsewhere: a fake from nltest, or a socket dialed with options
// RtnlOpen does not set. protocol is the Conn's unit. Options the Conn was dialed with are not known to the
// handle: set the matching RTNL_HANDLE_F_* bits in Flags by hand. Go only.
func RtnlOpenConn(rth *RtnlHandle, conn *nlkit.Conn) {
	*rth = RtnlHandle{Warn: rth.Warn, Ctx: rth.Ctx, Rcvbuf: rth.Rcvbuf, Fd: conn, Proto: conn.Unit(),
		Local: nlkit.Sockaddr{PortID: conn.PortID()}, Seq: uint32(time.Now().Unix())}
}

// Config returns a copy of the nlkit.Config the handle's socket was dialed with by RtnlOpen*, for opening
// another socket like it (in the same namespace, with the same Tap); nil for a handle made by RtnlOpenConn.
// Go only.
func (rth *RtnlHandle) Config() *nlkit.Config {
	if !rth.owned {
		return nil
	}
	c := rth.cfg
	c.Groups = slices.Clone(c.Groups)
	return &c
}

// RtnlClose is rtnl_close.
func RtnlClose(rth *RtnlHandle) {
	if rth.Fd != nil {
		rth.Fd.Close()
		rth.Fd = nil
	}
	rth.pending = nil
}

// ErrOptionAfterOpen is returned by RtnlListenAllNsid on a handle made by RtnlOpenConn: the core sets socket
// options when it dials, so the Conn must have been dialed with nlkit.Config.ListenAllNSID.
var ErrOptionAfterOpen = errors.New("socket option can only be set at dial time on a Conn opened elsewhere " +
	"(use nlkit.Config)")

// redial opens the handle's socket again with cfg changed by change, keeping its subscriptions and groups.
// nlkit sets socket options when it dials, so options libnetlink sets on an open socket
// (NETLINK_GET_STRICT_CHK, NETLINK_LISTEN_ALL_NSID) take a fresh socket; the portid may change, and Local with it.
// libnetlink sets them right after rtnl_open, before any request, so nothing in flight is lost.
func (rth *RtnlHandle) redial(change func(*nlkit.Config)) error {
	if !rth.owned || rth.Fd == nil {
		return ErrOptionAfterOpen
	}
	c := rth.cfg
	c.Groups = slices.Clone(c.Groups)
	change(&c)
	conn, err := nlkit.Dial(rth.Proto, &c)
	if err != nil {
		return err
	}
	rth.Fd.Close()
	rth.Fd, rth.cfg, rth.pending = conn, c, nil
	rth.Local.PortID = conn.PortID()
	return nil
}

// RtnlSetStrictDump is rtnl_set_strict_dump: it turns NETLINK_GET_STRICT_CHK on and sets
// RTNL_HANDLE_F_STRICT_CHK; when that fails (an old kernel, a Conn from RtnlOpenConn) it does nothing, as in C.
func RtnlSetStrictDump(rth *RtnlHandle) {
	if rth.Flags&RTNL_HANDLE_F_STRICT_CHK != 0 {
		return
	}
	if err := rth.redial(func(c *nlkit.Config) { c.Strict = true }); err != nil {
		return
	}
	rth.Flags |= RTNL_HANDLE_F_STRICT_CHK
}

// RtnlAddNlGroup is rtnl_add_nl_group: NETLINK_ADD_MEMBERSHIP for any group number, including those above 32.
func RtnlAddNlGroup(rth *RtnlHandle, group uint32) error {
	if rth.Fd == nil {
		return nlkit.ErrClosed
	}
	if err := rth.Fd.JoinGroup(group); err != nil {
		return err
	}
	if !slices.Contains(rth.cfg.Groups, group) {
		rth.cfg.Groups = append(rth.cfg.Groups, group)
	}
	return nil
}

// RtnlListenAllNsid is rtnl_listen_all_nsid: it turns NETLINK_LISTEN_ALL_NSID on, so that RtnlListen receives
// the multicasts of every namespace that has an nsid here and reports it in RtnlCtrlData, and sets
// RTNL_HANDLE_F_LISTEN_ALL_NSID. On a handle made by RtnlOpenConn it returns ErrOptionAfterOpen.
func RtnlListenAllNsid(rth *RtnlHandle) error {
	if rth.Flags&RTNL_HANDLE_F_LISTEN_ALL_NSID != 0 {
		return nil
	}
	if err := rth.redial(func(c *nlkit.Config) { c.ListenAllNSID = true }); err != nil {
		return err
	}
	rth.Flags |= RTNL_HANDLE_F_LISTEN_ALL_NSID
	return nil
}

func (rth *RtnlHandle) ctx() context.Context {
	if rth.Ctx != nil {
		return rth.Ctx
	}
	return context.Background()
}

func (rth *RtnlHandle) warn(msg string) {
	if rth.Warn != nil {
		rth.Warn(msg)
	}
}

// datagram is one received datagram: its bytes (valid until the next receive) and its sender.
type datagram struct {
	data []byte
	from nlkit.Sender
}

// recv receives one datagram, read-ahead ones first.
func (rth *RtnlHandle) recv() (datagram, error) {
	if len(rth.pending) > 0 {
		b := rth.pending[0]
		rth.pending = rth.pending[1:]
		return datagram{data: b}, nil
	}
	if rth.Fd == nil {
		return datagram{}, nlkit.ErrClosed
	}
	d, err := rth.Fd.ReceiveDatagram(rth.ctx())
	if err != nil {
		var te *nlkit.TruncatedError
		if errors.As(err, &te) {
			return datagram{data: d.Data, from: d.From}, err
		}
		if ctxErr := rth.ctx().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return datagram{}, err
		}
		return datagram{}, receiveError(err)
	}
	return datagram{data: d.Data, from: d.From}, nil
}

// send sends b to the kernel.
func (rth *RtnlHandle) send(b []byte) error {
	if rth.Fd == nil {
		return nlkit.ErrClosed
	}
	return rth.Fd.SendRaw(nlkit.Sockaddr{}, b)
}

// nextDump starts a dump: rth->dump = ++rth->seq.
func (rth *RtnlHandle) nextDump() uint32 {
	rth.Seq++
	rth.Dump = rth.Seq
	return rth.Dump
}

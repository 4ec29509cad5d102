package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/knetlink"
	"github.com/nlkit/nlkit/procnet"
	"github.com/nlkit/nlkit/proto"
)

// env is what run needs from the outside world, so tests can give it fakes.
type env struct {
	dial    func(unit int, cfg *nlkit.Config) (*nlkit.Conn, error)
	sockets func() ([]procnet.Socket, error)
	stdout  io.Writer
	stderr  io.Writer
}

// The messages printed when the module is missing.
const (
	msgNoUnit   = "unit 17 is not registered: load knetlink.ko"
	msgNoFamily = "genl family KNETLINK is not registered: load knetlink.ko"
)

// run parses args, runs the checks they select, and returns the exit status.
func run(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("netlink-u2k", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	msg := fs.String("msg", "hello, kernel", "the payload to send")
	useGenl := fs.Bool("genl", false, "echo through the KNETLINK Generic Netlink family and check its events group")
	group := fs.Bool("group", false, "check the broadcast of KNETLINK_MSG_BROADCAST to group 1 of unit 17")
	proc := fs.Bool("proc", false, "check that /proc/net/netlink lists unit 17")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for all answers")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "netlink-u2k: unexpected arguments %q\n", fs.Args())
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	var checks []func(context.Context, env, []byte) ([]string, error)
	if !*useGenl && !*group && !*proc {
		checks = append(checks, checkEcho)
	}
	if *useGenl {
		checks = append(checks, checkGenl)
	}
	if *group {
		checks = append(checks, checkGroup)
	}
	if *proc {
		checks = append(checks, checkProc)
	}
	for _, check := range checks {
		lines, err := check(ctx, e, []byte(*msg))
		for _, l := range lines {
			fmt.Fprintln(e.stdout, l)
		}
		if err != nil {
			fmt.Fprintln(e.stderr, describe(err))
			return 1
		}
	}
	return 0
}

// describe turns a missing module into the one line the tutorial asks for.
func describe(err error) string {
	var ue *nlkit.UnitError
	switch {
	case errors.As(err, &ue) && ue.Unit == knetlink.Unit:
		return msgNoUnit
	case errors.Is(err, knetlink.ErrNotLoaded):
		return msgNoFamily
	}
	return "netlink-u2k: " + err.Error()
}

// checkEcho sends msg to the kernel on unit 17 and checks the echo.
func checkEcho(ctx context.Context, e env, msg []byte) ([]string, error) {
	c, err := e.dial(knetlink.Unit, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	sent, echo, err := roundTrip(ctx, c, knetlink.MsgEcho, msg)
	if err != nil {
		return nil, err
	}
	return []string{fmt.Sprintf("echo ok: %q (nlmsg_len %d, type %#x, flags %s, seq %d, from portid %d)",
		msg, echo.Length, echo.Type, proto.FlagsString(echo.Flags, echo.Type, false), echo.Sequence,
		sent.PortID)}, nil
}

// checkGroup sends KNETLINK_MSG_BROADCAST from one socket and checks that another, in group 1, receives it,
// and that the sender gets its echo.
func checkGroup(ctx context.Context, e env, msg []byte) ([]string, error) {
	sub, err := e.dial(knetlink.Unit, &nlkit.Config{Groups: []uint32{knetlink.Group}})
	if err != nil {
		return nil, err
	}
	defer sub.Close()
	pub, err := e.dial(knetlink.Unit, nil)
	if err != nil {
		return nil, err
	}
	defer pub.Close()
	sent, _, err := roundTrip(ctx, pub, knetlink.MsgBroadcast, msg)
	if err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	want := wire(sent, msg)
	for {
		d, err := sub.ReceiveDatagram(ctx)
		if err != nil {
			return nil, fmt.Errorf("waiting for the broadcast in group %d: %w", knetlink.Group, err)
		}
		h, err := proto.ParseHeader(d.Data)
		if err != nil || h.Sequence != sent.Sequence {
			continue
		}
		if err := compare(want, d.Data); err != nil {
			return nil, fmt.Errorf("broadcast: %w", err)
		}
		if d.From.Group != knetlink.Group {
			return nil, fmt.Errorf("broadcast came on group %d, want %d", d.From.Group, knetlink.Group)
		}
		return []string{fmt.Sprintf("broadcast ok: %q (group %d, portid %d to portid %d; sender echoed)",
			msg, d.From.Group, pub.PortID(), sub.PortID())}, nil
	}
}

// checkGenl echoes msg with KNETLINK_C_ECHO and checks the copy published to the "events" group.
func checkGenl(ctx context.Context, e env, msg []byte) ([]string, error) {
	k, err := genlClient(ctx, e)
	if err != nil {
		return nil, err
	}
	defer k.Conn().Close()
	sub, err := genlClient(ctx, e)
	if err != nil {
		return nil, err
	}
	defer sub.Conn().Close()
	g, err := sub.Subscribe()
	if err != nil {
		return nil, err
	}
	reply, err := k.Echo(ctx, msg)
	if err != nil {
		return nil, fmt.Errorf("KNETLINK_C_ECHO: %w", err)
	}
	if !bytes.Equal(reply, msg) {
		return nil, fmt.Errorf("genl echo %q, sent %q", reply, msg)
	}
	f := k.Family()
	lines := []string{fmt.Sprintf("genl echo ok: %q (family %s id %#x version %d)", reply, f.Name, f.ID, f.Version)}
	ev, err := sub.Receive(ctx)
	if err != nil {
		return lines, fmt.Errorf("waiting for the %s event: %w", knetlink.GroupEvents, err)
	}
	if !bytes.Equal(ev, msg) {
		return lines, fmt.Errorf("genl event %q, sent %q", ev, msg)
	}
	return append(lines, fmt.Sprintf("genl event ok: %q (group %s id %d)", ev, g.Name, g.ID)), nil
}

func genlClient(ctx context.Context, e env) (*knetlink.Client, error) {
	c, err := e.dial(nlkit.UnitGeneric, nil)
	if err != nil {
		return nil, err
	}
	k, err := knetlink.New(ctx, genl.New(c))
	if err != nil {
		c.Close()
		return nil, err
	}
	return k, nil
}

// checkProc checks that /proc/net/netlink lists unit 17's kernel socket (portid 0) and a socket of ours.
func checkProc(ctx context.Context, e env, msg []byte) ([]string, error) {
	c, err := e.dial(knetlink.Unit, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	socks, err := e.sockets()
	if err != nil {
		return nil, err
	}
	if _, ok := procnet.Find(socks, knetlink.Unit, 0); !ok {
		return nil, fmt.Errorf("/proc/net/netlink lists no kernel socket of unit %d", knetlink.Unit)
	}
	s, ok := procnet.Find(socks, knetlink.Unit, c.PortID())
	if !ok {
		return nil, fmt.Errorf("/proc/net/netlink does not list portid %d of unit %d", c.PortID(), knetlink.Unit)
	}
	return []string{fmt.Sprintf("proc ok: unit %d listed in /proc/net/netlink (kernel socket, and portid %d inode %d)",
		knetlink.Unit, s.PortID, s.Inode)}, nil
}

// roundTrip sends one message of type typ carrying msg to the kernel and waits for its echo, which must be the
// message as sent, byte for byte, except nlmsg_pid (the kernel writes its own, 0). It returns the headers sent
// and received.
func roundTrip(ctx context.Context, c *nlkit.Conn, typ uint16, msg []byte) (proto.Header, proto.Header, error) {
	m := proto.Message{Header: proto.Header{Type: typ, Flags: proto.FlagRequest, Sequence: c.NextSequence(),
		PortID: c.PortID()}, Data: msg}
	m.Header.Length = uint32(m.Len())
	if err := c.SendTo(nlkit.Sockaddr{}, m); err != nil {
		return m.Header, proto.Header{}, err
	}
	want := wire(m.Header, msg)
	for {
		d, err := c.ReceiveDatagram(ctx)
		if err != nil {
			return m.Header, proto.Header{}, fmt.Errorf("waiting for the echo: %w", err)
		}
		h, err := proto.ParseHeader(d.Data)
		if err != nil || h.Sequence != m.Header.Sequence {
			continue
		}
		if h.Type == proto.TypeError {
			ack, err := proto.ParseAck(proto.Message{Header: h, Data: d.Data[proto.HeaderLen:]})
			if err == nil && ack.Err() != nil {
				return m.Header, h, fmt.Errorf("the module refused the message: %w", ack.Err())
			}
		}
		return m.Header, h, compare(want, d.Data)
	}
}

// wire is the message as it goes out: nlmsg_len bytes, without the padding a datagram may add.
func wire(h proto.Header, msg []byte) []byte {
	return proto.Message{Header: h, Data: msg}.AppendTo(nil)[:proto.HeaderLen+len(msg)]
}

// compare checks an echoed datagram against the message sent: the same length (no padding added), the same
// nlmsg_len, nlmsg_type, nlmsg_flags and nlmsg_seq, and the same payload; nlmsg_pid is the sender's and is not
// compared.
func compare(want, got []byte) error {
	wh, _ := proto.ParseHeader(want)
	gh, err := proto.ParseHeader(got)
	switch {
	case err != nil:
		return fmt.Errorf("echo of %d bytes: %w", len(got), err)
	case gh.Length != wh.Length:
		return fmt.Errorf("echo nlmsg_len %d, sent %d", gh.Length, wh.Length)
	case len(got) != len(want):
		return fmt.Errorf("echo datagram is %d bytes, sent %d (nlmsg_len %d): padding added", len(got), len(want),
			wh.Length)
	case gh.Type != wh.Type:
		return fmt.Errorf("echo nlmsg_type %#x, sent %#x", gh.Type, wh.Type)
	case gh.Flags != wh.Flags:
		return fmt.Errorf("echo nlmsg_flags %#x, sent %#x", gh.Flags, wh.Flags)
	case gh.Sequence != wh.Sequence:
		return fmt.Errorf("echo nlmsg_seq %d, sent %d", gh.Sequence, wh.Sequence)
	case !bytes.Equal(got[proto.HeaderLen:], want[proto.HeaderLen:]):
		return fmt.Errorf("echo payload %q, sent %q", got[proto.HeaderLen:], want[proto.HeaderLen:])
	}
	return nil
}

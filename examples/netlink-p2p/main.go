// Command netlink-p2p is the seed tutorial's peer-to-peer exercise on nlkit: both ends use fixed portids.
//
// With no arguments it is the receiver: it binds portid -local (default 4001), prints `peer portid N`, and for
// each message from the sender checks its content (type, sequence, checksum) and prints
// `received L bytes from portid P: PAYLOAD (ok)`, then echoes it back. With any argument it is the sender: it
// binds portid 4002, sends the payload (-m) to 4001 and checks that the reply carries the same bytes.
// -group G runs the same over multicast group G (the sender publishes, which any process may do on
// NETLINK_USERSOCK; the receiver subscribes, which needs CAP_NET_ADMIN). -unit N picks the netlink unit (default
// 2, NETLINK_USERSOCK).
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/proto"
)

// Fixed portids of the two ends, as in the seed.
const (
	ReceiverPortID = 4001
	SenderPortID   = 4002
	// MsgType is the nlmsg_type of a p2p message.
	MsgType = 0x20
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("netlink-p2p", flag.ContinueOnError)
	fs.SetOutput(stderr)
	unitNo := fs.Int("unit", 2, "netlink unit (protocol number)")
	group := fs.Uint("group", 0, "multicast group to use instead of unicast (1-32)")
	msg := fs.String("m", "hello from netlink-p2p", "payload the sender sends")
	local := fs.Uint("local", 0, "override this end's portid")
	count := fs.Int("count", 0, "receiver: exit after this many messages (0: run until interrupted)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long the sender waits for the reply")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := unit.Config{Unit: *unitNo}
	var err error
	if fs.NArg() == 0 {
		err = receive(cfg, uint32(*local), uint32(*group), *count, stdout)
	} else {
		err = send(cfg, uint32(*local), uint32(*group), []byte(*msg), *timeout, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "netlink-p2p: %v\n", err)
		return 1
	}
	return 0
}

// encode appends a CRC-32 of the text so the receiver can check the content arrived intact.
func encode(text []byte) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), text...), crc32.ChecksumIEEE(text))
}

// decode checks and strips the checksum.
func decode(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("payload of %d bytes has no checksum", len(b))
	}
	text, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(text) != sum {
		return nil, errors.New("payload checksum mismatch")
	}
	return text, nil
}

func receive(cfg unit.Config, local, group uint32, count int, stdout io.Writer) error {
	if local == 0 {
		local = ReceiverPortID
	}
	cfg.PortID = local
	peer, err := unit.DialPeer(&unit.PeerConfig{Config: cfg, Remote: SenderPortID})
	if err != nil {
		return err
	}
	defer peer.Close()
	if group != 0 {
		if err := peer.Conn().JoinGroup(group); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "peer portid %d\n", peer.PortID())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for n := 0; count == 0 || n < count; {
		m, from, err := peer.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		text, cerr := check(m)
		if cerr != nil {
			fmt.Fprintf(stdout, "received %d bytes from portid %d: bad message: %v\n", len(m.Data),
				from.Addr.PortID, cerr)
			continue
		}
		fmt.Fprintf(stdout, "received %d bytes from portid %d: %s (ok)\n", len(text), from.Addr.PortID, text)
		if err := peer.Send(MsgType, m.Header.Sequence, m.Data); err != nil {
			return err
		}
		n++
	}
	return nil
}

// check verifies the message type, that nlmsg_len covers exactly the payload, and the checksum.
func check(m proto.Message) ([]byte, error) {
	if m.Header.Type != MsgType {
		return nil, fmt.Errorf("type %d, want %d", m.Header.Type, MsgType)
	}
	if int(m.Header.Length) != proto.HeaderLen+len(m.Data) {
		return nil, fmt.Errorf("nlmsg_len %d does not match a %d-byte payload", m.Header.Length, len(m.Data))
	}
	return decode(m.Data)
}

func send(cfg unit.Config, local, group uint32, text []byte, timeout time.Duration, stdout io.Writer) error {
	if local == 0 {
		local = SenderPortID
	}
	cfg.PortID = local
	peer, err := unit.DialPeer(&unit.PeerConfig{Config: cfg, Remote: ReceiverPortID})
	if err != nil {
		return err
	}
	defer peer.Close()
	payload := encode(text)
	seq := uint32(time.Now().UnixNano())
	if group != 0 {
		// Published from the peer's own socket, so the receiver sees the sender's fixed portid.
		err = peer.Conn().SendGroup(group, proto.Message{Header: proto.Header{Type: MsgType, Sequence: seq},
			Data: payload})
		if err != nil {
			return err
		}
	} else if err := peer.Send(MsgType, seq, payload); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	m, from, err := peer.Receive(ctx)
	if err != nil {
		return fmt.Errorf("no reply from portid %d: %w", ReceiverPortID, err)
	}
	if m.Header.Sequence != seq || !bytes.Equal(m.Data, payload) {
		return fmt.Errorf("reply from portid %d does not match what was sent", from.Addr.PortID)
	}
	fmt.Fprintf(stdout, "reply from portid %d: %s (ok)\n", from.Addr.PortID, text)
	return nil
}

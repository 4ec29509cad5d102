package reliability

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// batcher makes many rtnetlink changes fast: up to batchSize requests per datagram, only the last one asking
// for an acknowledgement (the kernel reports failures of the others anyway), as `ip -batch` would without a
// round trip per line.
type batcher struct {
	conn *nlkit.Conn
	buf  []byte
	ops  int64
}

const batchSize = 128

func newBatcher(t testing.TB, netnsFD int) *batcher {
	t.Helper()
	conn, err := nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{NetNS: netnsFD})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &batcher{conn: conn}
}

// run sends the requests build(i) for i in [0, n), batchSize per datagram, and returns the first failure.
func (b *batcher) run(ctx context.Context, n int, build func(i int) proto.Message) error {
	var first error
	for start := 0; start < n; start += batchSize {
		end := min(start+batchSize, n)
		b.buf = b.buf[:0]
		var last uint32
		for i := start; i < end; i++ {
			m := build(i)
			m.Header.Flags |= proto.FlagRequest
			m.Header.Sequence = b.conn.NextSequence()
			m.Header.PortID = b.conn.PortID()
			if i == end-1 {
				m.Header.Flags |= proto.FlagAck
				last = m.Header.Sequence
			}
			b.buf = m.AppendTo(b.buf)
		}
		if err := b.conn.SendRaw(nlkit.Sockaddr{}, b.buf); err != nil {
			return err
		}
		b.ops += int64(end - start)
		if err := b.waitAck(ctx, last, &first); err != nil {
			return err
		}
	}
	return first
}

// waitAck reads until the acknowledgement of seq, recording the first failure of any request in *first.
func (b *batcher) waitAck(ctx context.Context, seq uint32, first *error) error {
	for {
		d, err := b.conn.ReceiveDatagram(ctx)
		if err != nil {
			return err
		}
		it := d.Messages()
		done := false
		for it.Next() {
			m := it.Message()
			if m.Header.Type != proto.TypeError {
				continue
			}
			ack, err := proto.ParseAck(m)
			if err == nil {
				err = ack.Err()
			}
			if err != nil && *first == nil {
				*first = fmt.Errorf("request seq %d: %w", m.Header.Sequence, err)
			}
			if m.Header.Sequence == seq {
				done = true
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// routeID numbers the test's IPv4 /32 routes: id i is 10.(i>>16).(i>>8).i.
func routePrefix(base byte, id int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{base, byte(id >> 16), byte(id >> 8), byte(id)}), 32)
}

// routeIDOf is the inverse of routePrefix, or -1 for a prefix outside base.0.0.0/8 or not a /32.
func routeIDOf(base byte, p netip.Prefix) int {
	if !p.Addr().Is4() || p.Bits() != 32 {
		return -1
	}
	a := p.Addr().As4()
	if a[0] != base {
		return -1
	}
	return int(a[1])<<16 | int(a[2])<<8 | int(a[3])
}

// routeMsg is an RTM_NEWROUTE (add) or RTM_DELROUTE of a blackhole /32 in the main table.
func routeMsg(add bool, p netip.Prefix) proto.Message {
	typ, flags := uint16(unix.RTM_DELROUTE), uint16(0)
	if add {
		typ, flags = unix.RTM_NEWROUTE, proto.FlagCreate|proto.FlagExcl
	}
	a := p.Addr().As4()
	data := cat([]byte{unix.AF_INET, byte(p.Bits()), 0, 0, unix.RT_TABLE_MAIN, unix.RTPROT_STATIC,
		unix.RT_SCOPE_UNIVERSE, unix.RTN_BLACKHOLE}, u32(0), attr(unix.RTA_DST, a[:]))
	return proto.Message{Header: proto.Header{Type: typ, Flags: flags}, Data: data}
}

// addrMsg is an RTM_NEWADDR (add) or RTM_DELADDR of a /32 on link index.
func addrMsg(add bool, index int32, a netip.Addr) proto.Message {
	typ, flags := uint16(unix.RTM_DELADDR), uint16(0)
	if add {
		typ, flags = unix.RTM_NEWADDR, proto.FlagCreate|proto.FlagExcl
	}
	b := a.As4()
	data := cat([]byte{unix.AF_INET, 32, 0, unix.RT_SCOPE_UNIVERSE}, u32(uint32(index)),
		attr(unix.IFA_LOCAL, b[:]), attr(unix.IFA_ADDRESS, b[:]))
	return proto.Message{Header: proto.Header{Type: typ, Flags: flags}, Data: data}
}

// addRoutes adds the blackhole routes base.x.y.z/32 for ids [0, n).
func addRoutes(t testing.TB, netnsFD int, base byte, n int) {
	t.Helper()
	b := newBatcher(t, netnsFD)
	if err := b.run(context.Background(), n, func(i int) proto.Message { return routeMsg(true, routePrefix(base, i)) }); err != nil {
		t.Fatalf("adding %d routes: %v", n, err)
	}
}

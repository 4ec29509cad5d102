package nlkit

import (
	"context"
)

// MaxBatch is the most datagrams one SendRawBatch system call sends and one ReceiveDatagrams call returns.
const MaxBatch = 64

// BatchSender is implemented by a Transport that sends several datagrams in one call (sendmmsg(2)). A Conn on
// any other Transport sends them one by one.
type BatchSender interface {
	// SendBatch sends each of bufs as one datagram to to, in order, and returns how many were sent, with the
	// error that stopped the rest.
	SendBatch(to Sockaddr, bufs [][]byte) (int, error)
}

// BatchReceiver is implemented by a Transport that receives several datagrams in one call (recvmmsg(2)). A Conn
// on any other Transport receives one per ReceiveDatagrams.
type BatchReceiver interface {
	// RecvBatch waits for a datagram, then takes up to len(bufs) of those queued without waiting more: datagram
	// i into bufs[i] (ns[i] is its full size, which may exceed len(bufs[i]), as MSG_TRUNC reports it), its
	// control data into oobs[i] (oobns[i] bytes; oobs[i] may be empty) and its sender into froms[i]. It returns
	// how many it took.
	RecvBatch(bufs, oobs [][]byte, ns, oobns []int, froms []Sockaddr) (int, error)
}

// SendRawBatch sends each of bufs as one datagram to to, as it is, in order: SendRaw for many datagrams, with
// one system call (sendmmsg(2)) for up to MaxBatch of them on a socket. It returns how many were sent, and the
// error that stopped the rest, as SendRaw reports it. Like SendRaw it waits while the receiver is full.
func (c *Conn) SendRawBatch(to Sockaddr, bufs [][]byte) (int, error) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	bs, ok := c.t.(BatchSender)
	if !ok {
		for i, b := range bufs {
			if err := c.sendRawLocked(to, b); err != nil {
				return i, err
			}
		}
		return len(bufs), nil
	}
	sent := 0
	for sent < len(bufs) {
		if c.closed.Load() {
			return sent, ErrClosed
		}
		chunk := bufs[sent:min(len(bufs), sent+MaxBatch)]
		n, err := bs.SendBatch(to, chunk)
		if c.tap != nil {
			for _, b := range chunk[:n] {
				c.tap.Sent(c.unit, c.t.PortID(), to, b)
			}
		}
		sent += n
		if err != nil {
			return sent, c.sendError(err, to)
		}
	}
	return sent, nil
}

// batchState is what ReceiveDatagrams keeps between calls: a buffer, control buffer and datagram per place.
type batchState struct {
	bufs, oobs [][]byte
	ns, oobns  []int
	froms      []Sockaddr
	ds         []Datagram
}

// ReceiveDatagrams waits for the next datagram and returns it with up to max-1 more that are already queued
// (max is at most MaxBatch; below 1 it counts as 1), in order, without copying: ReceiveDatagram for many datagrams, with one system call
// (recvmmsg(2)) for all of them on a socket. The datagrams and the slice are the Conn's, valid until its next
// receive. Each datagram has a buffer of the Conn's receive buffer size; a datagram larger than that is returned
// cut short, with a *TruncatedError for the first such in the batch, and the buffers grow for the next call
// (unless Config.FixedReceiveBuffer).
// Datagrams a user process sent on a kernel unit are dropped, as ReceiveDatagram drops them. Cancelling ctx
// returns ctx.Err().
func (c *Conn) ReceiveDatagrams(ctx context.Context, max int) ([]Datagram, error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	max = min(MaxBatch, max)
	c.recvMu.Lock()
	defer c.recvMu.Unlock()
	stop := c.watch(ctx)
	defer stop()
	br, ok := c.t.(BatchReceiver)
	b := &c.batch
	if !ok || max <= 1 {
		d, err := c.recvLocked(ctx)
		if d == nil {
			return nil, err
		}
		b.ds = append(b.ds[:0], *d)
		return b.ds, err
	}
	b.size(max, len(c.rbuf), len(c.oob))
	for {
		if err := c.recvStopped(ctx); err != nil {
			return nil, err
		}
		n, err := br.RecvBatch(b.bufs[:max], b.oobs[:max], b.ns, b.oobns, b.froms)
		if err != nil {
			if err = c.recvFailed(ctx, err); err == nil {
				continue
			}
			return nil, err
		}
		ds, terr := c.batchDatagrams(n)
		if len(ds) == 0 && terr == nil {
			continue // every datagram was from a user sender on a kernel unit
		}
		return ds, terr
	}
}

// size makes room for max datagrams of bufSize bytes with oobSize bytes of control data each.
func (b *batchState) size(max, bufSize, oobSize int) {
	for len(b.bufs) < max {
		b.bufs = append(b.bufs, nil)
		b.oobs = append(b.oobs, nil)
	}
	for i := range max {
		if len(b.bufs[i]) != bufSize {
			b.bufs[i] = make([]byte, bufSize)
		}
		if len(b.oobs[i]) != oobSize {
			b.oobs[i] = make([]byte, oobSize)
		}
	}
	if len(b.ns) < max {
		b.ns, b.oobns, b.froms = make([]int, max), make([]int, max), make([]Sockaddr, max)
		b.ds = make([]Datagram, 0, max)
	}
}

// batchDatagrams turns the first n places of c.batch into datagrams, dropping what ReceiveDatagram drops. A
// datagram larger than its buffer stays in, cut short, and gives the *TruncatedError returned; the Conn's
// receive buffer then grows as ReceiveDatagram's does.
func (c *Conn) batchDatagrams(n int) ([]Datagram, error) {
	b := &c.batch
	ds := b.ds[:0]
	var terr *TruncatedError
	for i := range n {
		from := b.froms[i]
		if c.kernelOnly && from.PortID != 0 {
			c.dropped.Add(1)
			continue
		}
		d := Datagram{From: Sender{Addr: from, Group: lowestGroup(from.Groups)}}
		if b.oobns[i] > 0 {
			parseControl(b.oobs[i][:b.oobns[i]], &d.From)
		}
		size := len(b.bufs[i])
		d.Data, d.Size = b.bufs[i][:min(b.ns[i], size)], b.ns[i]
		if b.ns[i] > size && terr == nil {
			terr = &TruncatedError{Size: b.ns[i], Buffer: size, From: from}
			if grow := min(max(2*size, b.ns[i]), c.maxRecv); grow > len(c.rbuf) {
				c.rbuf = make([]byte, grow)
			}
		}
		if c.tap != nil {
			c.tap.Received(c.unit, c.t.PortID(), from, d.Data)
		}
		ds = append(ds, d)
	}
	b.ds = ds
	if terr != nil {
		return ds, terr
	}
	return ds, nil
}

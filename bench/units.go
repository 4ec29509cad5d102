package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/netns"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Custom-unit measurements on NETLINK_USERSOCK, in a namespace of their own. Every message is a struct nlmsghdr
// and a 64-byte payload.
const (
	unitPayload = 64
	unitType    = 0x10 // NLMSG_MIN_TYPE
	unitStop    = 0x11
	unitBatch   = 16
	unitClients = 8 // clients of the many-clients cases
)

type unitCase struct {
	name string
	desc string
	// rt: request/response round trips; otherwise one-way messages, batch per datagram.
	rt    bool
	batch int
	nlkit bool
	// base is the bare case this one is compared with.
	base string
	run  func(h netns.NsHandle, n int) (time.Duration, error)
}

func unitCases() []unitCase {
	return []unitCase{
		{name: "bare-rt", desc: "bare sendto/recvfrom ping-pong, two goroutines", rt: true, run: bareRoundTrips},
		{name: "nlkit-unit-rt", desc: "families/unit Client.Request -> Server.Serve (echo)", rt: true, nlkit: true,
			base: "bare-rt", run: unitRoundTrips},
		{name: "nlkit-conn-rt", desc: "core Conn.SendTo + ReceiveDatagram ping-pong", rt: true, nlkit: true,
			base: "bare-rt", run: connRoundTrips},
		{name: "bare-8c", desc: fmt.Sprintf("bare server loop (recvfrom, sendto to the sender), %d bare clients doing round trips at once", unitClients),
			rt: true, run: bareManyClients},
		{name: "nlkit-unit-8c", desc: fmt.Sprintf("families/unit Server.Serve (echo), %d unit Clients doing Request at once", unitClients),
			rt: true, nlkit: true, base: "bare-8c", run: unitManyClients},
		{name: "bare-1", desc: "bare sendto loop, 1 message per datagram", batch: 1,
			run: func(h netns.NsHandle, n int) (time.Duration, error) { return bareOneWay(h, n, 1) }},
		{name: "bare-16", desc: "bare sendto loop, 16 messages per datagram", batch: unitBatch,
			run: func(h netns.NsHandle, n int) (time.Duration, error) { return bareOneWay(h, n, unitBatch) }},
		{name: "nlkit-1", desc: "Conn.SendTo, 1 message per datagram; ReceiveDatagram", batch: 1, nlkit: true,
			base: "bare-1", run: func(h netns.NsHandle, n int) (time.Duration, error) { return connOneWay(h, n, 1) }},
		{name: "nlkit-16", desc: "Conn.SendTo with 16 messages per datagram; ReceiveDatagram", batch: unitBatch,
			nlkit: true, base: "bare-16",
			run: func(h netns.NsHandle, n int) (time.Duration, error) { return connOneWay(h, n, unitBatch) }},
		{name: "nlkit-16x16", desc: "Conn.SendRawBatch of 16 datagrams of 16 messages (sendmmsg); ReceiveDatagrams (recvmmsg)",
			batch: unitBatch, nlkit: true, base: "bare-16",
			run: func(h netns.NsHandle, n int) (time.Duration, error) { return connBatchOneWay(h, n, unitBatch) }},
	}
}

type unitCaseResult struct {
	c      unitCase
	n      int
	rates  []float64
	allocs []float64 // per operation
	csw    []float64 // context switches of the process per operation
}

type unitsResult struct {
	ns     string
	rounds int
	cases  []*unitCaseResult
}

// rateRatio is the median over rounds of c's rate divided by base's rate in the same round.
func rateRatio(c, base *unitCaseResult) float64 {
	var r []float64
	for i := range min(len(c.rates), len(base.rates)) {
		r = append(r, c.rates[i]/base.rates[i])
	}
	return median(r)
}

func (u *unitsResult) find(name string) *unitCaseResult {
	for _, c := range u.cases {
		if c.c.name == name {
			return c
		}
	}
	return nil
}

func runUnits(ns string, o *options) (*unitsResult, error) {
	h, err := netns.GetFromName(ns)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	res := &unitsResult{ns: ns, rounds: 7}
	if o.short {
		res.rounds = 3
	}
	if o.rounds > 0 {
		res.rounds = o.rounds
	}
	for _, c := range unitCases() {
		n := int(50000 * o.unitScale)
		if !c.rt {
			n = int(500000 * o.unitScale)
			if c.batch > 1 {
				n *= 8
			}
			n -= n % unitBatch
		}
		res.cases = append(res.cases, &unitCaseResult{c: c, n: max(n, unitBatch)})
	}
	// Warm-up, untimed.
	for _, cr := range res.cases {
		if _, err := cr.c.run(h, max(cr.n/20, unitBatch)); err != nil {
			return nil, fmt.Errorf("%s: %w", cr.c.name, err)
		}
	}
	for r := 0; r < res.rounds; r++ {
		for j := range res.cases {
			cr := res.cases[(j+r)%len(res.cases)]
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cs0 := contextSwitches()
			el, err := cr.c.run(h, cr.n)
			cs1 := contextSwitches()
			runtime.ReadMemStats(&m1)
			if err != nil {
				return nil, fmt.Errorf("%s round %d: %w", cr.c.name, r, err)
			}
			if o.verbose {
				fmt.Printf("  units round %d %-14s %9.0f /s\n", r, cr.c.name, float64(cr.n)/el.Seconds())
			}
			cr.rates = append(cr.rates, float64(cr.n)/el.Seconds())
			cr.allocs = append(cr.allocs, float64(m1.Mallocs-m0.Mallocs)/float64(cr.n))
			cr.csw = append(cr.csw, float64(cs1-cs0)/float64(cr.n))
		}
	}
	return res, nil
}

// share is client i's part of n requests split among unitClients.
func share(n, i int) int { return n/unitClients + btoi(i < n%unitClients) }

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// waitAll collects one result from each of unitClients goroutines and returns the first error.
func waitAll(errs <-chan error) error {
	var first error
	for range unitClients {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// nlkit

func dialUsersock(h netns.NsHandle) (*nlkit.Conn, error) {
	return nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: h.Fd()})
}

func payload() []byte { return make([]byte, unitPayload) }

// echoServer starts a families/unit echo server in h and returns its portid, the clients' config, and the
// function that stops it.
func echoServer(h netns.NsHandle) (uint32, unit.Config, func(), error) {
	cfg := unit.Config{NetNS: h.Fd()}
	srv, err := unit.Listen(&unit.ServerConfig{Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, cfg, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(ctx, func(_ context.Context, req unit.Request) ([]byte, error) {
			return req.Message.Data, nil
		})
	}()
	return srv.PortID(), cfg, func() {
		cancel()
		srv.Close()
		<-served
	}, nil
}

func unitRoundTrips(h netns.NsHandle, n int) (time.Duration, error) {
	srv, cfg, stop, err := echoServer(h)
	if err != nil {
		return 0, err
	}
	defer stop()
	cl, err := unit.DialClient(&unit.ClientConfig{Server: srv, Config: cfg})
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	p := payload()
	bg := context.Background()
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := cl.Request(bg, 0, p); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// unitManyClients is bareManyClients with a families/unit Server and unitClients unit Clients.
func unitManyClients(h netns.NsHandle, n int) (time.Duration, error) {
	srv, cfg, stop, err := echoServer(h)
	if err != nil {
		return 0, err
	}
	defer stop()
	clients := make([]*unit.Client, unitClients)
	for i := range clients {
		if clients[i], err = unit.DialClient(&unit.ClientConfig{Server: srv, Config: cfg}); err != nil {
			return 0, err
		}
		defer clients[i].Close()
	}
	errs := make(chan error, unitClients)
	start := time.Now()
	for i, cl := range clients {
		go func() {
			p := payload()
			bg := context.Background()
			for range share(n, i) {
				if _, err := cl.Request(bg, 0, p); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	err = waitAll(errs)
	return time.Since(start), err
}

func connRoundTrips(h netns.NsHandle, n int) (time.Duration, error) {
	srv, err := dialUsersock(h)
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	cli, err := dialUsersock(h)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	bg := context.Background()
	done := make(chan error, 1)
	go func() {
		for {
			d, err := srv.ReceiveDatagram(bg)
			if err != nil {
				done <- err
				return
			}
			it := d.Messages()
			for it.Next() {
				m := it.Message()
				if m.Header.Type == unitStop {
					done <- nil
					return
				}
				reply := proto.Message{Header: proto.Header{Type: m.Header.Type, Sequence: m.Header.Sequence}, Data: m.Data}
				if err := srv.SendTo(nlkit.Sockaddr{PortID: d.From.Addr.PortID}, reply); err != nil {
					done <- err
					return
				}
			}
		}
	}()
	to := nlkit.Sockaddr{PortID: srv.PortID()}
	msg := proto.Message{Header: proto.Header{Type: unitType, Flags: proto.FlagRequest}, Data: payload()}
	start := time.Now()
	for i := 0; i < n; i++ {
		msg.Header.Sequence = uint32(i + 1)
		if err := cli.SendTo(to, msg); err != nil {
			return 0, err
		}
		if _, err := cli.ReceiveDatagram(bg); err != nil {
			return 0, err
		}
	}
	el := time.Since(start)
	if err := cli.SendTo(to, proto.Message{Header: proto.Header{Type: unitStop}}); err != nil {
		return 0, err
	}
	return el, <-done
}

func connOneWay(h netns.NsHandle, n, k int) (time.Duration, error) {
	rx, tx, err := usersockPair(h)
	if err != nil {
		return 0, err
	}
	defer rx.Close()
	defer tx.Close()
	done := countUntil(n, func() (int, error) {
		d, err := rx.ReceiveDatagram(context.Background())
		if err != nil {
			return 0, err
		}
		return countIn(d)
	})
	msgs := oneWayMessages(k)
	to := nlkit.Sockaddr{PortID: rx.PortID()}
	start := time.Now()
	for sent := 0; sent < n; sent += k {
		if err := tx.SendTo(to, msgs...); err != nil {
			return 0, err
		}
	}
	err = <-done
	return time.Since(start), err
}

// connBatchOneWay is connOneWay with k messages per datagram and up to k datagrams per call on both sides.
func connBatchOneWay(h netns.NsHandle, n, k int) (time.Duration, error) {
	rx, tx, err := usersockPair(h)
	if err != nil {
		return 0, err
	}
	defer rx.Close()
	defer tx.Close()
	done := countUntil(n, func() (int, error) {
		ds, err := rx.ReceiveDatagrams(context.Background(), k)
		got := 0
		for i := 0; err == nil && i < len(ds); i++ {
			var c int
			c, err = countIn(&ds[i])
			got += c
		}
		return got, err
	})
	dgram := proto.AppendMessages(nil, oneWayMessages(k)...)
	bufs := make([][]byte, k)
	for i := range bufs {
		bufs[i] = dgram
	}
	to := nlkit.Sockaddr{PortID: rx.PortID()}
	start := time.Now()
	for sent := 0; sent < n; {
		m := min(k, (n-sent+k-1)/k) // the datagrams still to send, up to k
		if _, err := tx.SendRawBatch(to, bufs[:m]); err != nil {
			return 0, err
		}
		sent += m * k
	}
	err = <-done
	return time.Since(start), err
}

// usersockPair dials a receiver and a sender on NETLINK_USERSOCK in h.
func usersockPair(h netns.NsHandle) (rx, tx *nlkit.Conn, err error) {
	if rx, err = dialUsersock(h); err != nil {
		return nil, nil, err
	}
	if tx, err = dialUsersock(h); err != nil {
		rx.Close()
		return nil, nil, err
	}
	return rx, tx, nil
}

// countUntil calls recv, which reports how many messages it received, on a goroutine of its own until n have
// arrived, and then reports on the channel it returns (an error from recv ends it early).
func countUntil(n int, recv func() (int, error)) <-chan error {
	done := make(chan error, 1)
	go func() {
		for got := 0; got < n; {
			c, err := recv()
			if err != nil {
				done <- err
				return
			}
			got += c
		}
		done <- nil
	}()
	return done
}

// countIn counts the messages of d.
func countIn(d *nlkit.Datagram) (int, error) {
	c := 0
	it := d.Messages()
	for it.Next() {
		c++
	}
	return c, it.Err()
}

// oneWayMessages are the k messages of one one-way datagram.
func oneWayMessages(k int) []proto.Message {
	msgs := make([]proto.Message, k)
	for i := range msgs {
		msgs[i] = proto.Message{Header: proto.Header{Type: unitType, Flags: proto.FlagRequest,
			Sequence: uint32(i + 1)}, Data: payload()}
	}
	return msgs
}

// contextSwitches is the process's voluntary and involuntary context switches so far (getrusage).
func contextSwitches() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Nvcsw + ru.Nivcsw
}

func (u *unitsResult) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n== custom units, NETLINK_USERSOCK (namespace %s, %d rounds, medians) ==\n", u.ns, u.rounds)
	fmt.Fprintf(&b, "%-15s %10s %14s %8s %10s %8s  %s\n", "case", "count", "per second", "x bare", "allocs/op",
		"csw/op", "what")
	for _, cr := range u.cases {
		ratio := "-"
		if cr.c.base != "" {
			if base := u.find(cr.c.base); base != nil {
				ratio = fmt.Sprintf("%.2f", rateRatio(cr, base))
			}
		}
		unitName := "msgs"
		if cr.c.rt {
			unitName = "rt"
		}
		fmt.Fprintf(&b, "%-15s %10d %11.0f %-4s %6s %10.2f %8.2f  %s\n", cr.c.name, cr.n, median(cr.rates), unitName,
			ratio, median(cr.allocs), median(cr.csw), cr.c.desc)
	}
	return b.String()
}

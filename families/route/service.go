//go:build linux

package route

import (
	"context"
	"iter"
	"sync/atomic"

	"github.com/nlkit/nlkit/internal/mem"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// object is what the generic service needs of an object type: a pointer that decodes a message payload,
// builds the payload of a change request, and names the object in an OpError.
type object[T any] interface {
	*T
	// UnmarshalBinary decodes an RTM_NEWx payload, replacing the whole value.
	UnmarshalBinary(b []byte) error
	// request checks the object and encodes it for a request of type typ (RTM_NEWx or RTM_DELx).
	request(typ uint16) ([]byte, error)
	// describe names the object for an OpError ("10.0.0.0/24", "id 5").
	describe() string
}

// filter is the user-space half of a dump filter: match reports whether an object is kept. Every filter type
// is a pointer whose nil value keeps everything.
type filter[T any] interface {
	match(*T) bool
}

// service is the logic the six object services share: dumps, single gets and change requests of objects of
// type T. rtnetlink numbers the messages of each object in fours (the kernel's RTM_FAM()): RTM_NEWx, RTM_DELx,
// RTM_GETx and RTM_SETx follow each other, so typ, RTM_NEWx, gives all of them.
type service[T any, P object[T]] struct {
	c      *Client
	typ    uint16 // RTM_NEWx
	caches *caches[T, P]
}

// newService returns the service of objects of type T, whose messages are RTM_NEWx typ and its siblings.
func newService[T any, P object[T]](c *Client, typ uint16) service[T, P] {
	return service[T, P]{c: c, typ: typ, caches: &caches[T, P]{}}
}

// caches is what a service keeps from one dump for the next, so that a dump repeated on the same Client
// allocates nothing it needs not: the state of its last finished All stream and of its last finished List
// (each with the names it interned, see nameCache), and the spare mapping of List's arena (see mem.Spare).
// Each is taken by one dump at a time (a dump that finds it taken makes its own), so it is bounded: one of each
// per service. Client.Close releases them.
type caches[T any, P object[T]] struct {
	stream atomic.Pointer[dumpStream[T, P]]
	list   atomic.Pointer[listRun[T, P]]
	spare  mem.Spare
}

// release drops what the caches hold and unmaps the spare mapping (Client.Close).
func (s service[T, P]) release() {
	s.caches.stream.Store(nil)
	s.caches.list.Store(nil)
	s.caches.spare.Close()
}

// releaseCaches releases what every service of the Client keeps between dumps.
func (c *Client) releaseCaches() {
	c.Link.release()
	c.Addr.release()
	c.Route.release()
	c.Neigh.release()
	c.Rule.release()
	c.Nexthop.release()
}

// Flags of the Add and Replace requests.
const (
	createExcl    = unix.NLM_F_CREATE | unix.NLM_F_EXCL    // Add
	createReplace = unix.NLM_F_CREATE | unix.NLM_F_REPLACE // Replace
)

func (s service[T, P]) delType() uint16 { return s.typ + 1 } // RTM_DELx
func (s service[T, P]) getType() uint16 { return s.typ + 2 } // RTM_GETx

// dumpRun is the one dump path of a service, which All and List (and ListInto) share: it sends the dump
// request and then each of the more requests after it, in turn, and hands each message of the service's type to
// msg and each error that ends one of the dumps to fail, mapped by dumpError (an NLM_F_DUMP_INTR passes as the
// core's *nlkit.DumpInterruptedError). Either stops the whole run by returning false. It decodes with decode,
// which for links interns their names in names.
//
// A dumpRun is made once for the state it is part of (a dumpStream or listRun, kept in the service's caches),
// with each made then: the core calls it per message, and a method value made per dump would be an allocation.
type dumpRun[T any, P object[T]] struct {
	typ           uint16 // RTM_NEWx
	emptyOnENOENT bool   // see dumpError
	stopped       bool
	msg           func(payload []byte) bool
	fail          func(err error) bool
	each          func(proto.Message, error) bool
	decode        func(v *T, payload []byte) error
	names         nameCache
}

// init sets up r for objects of RTM_NEWx typ; msg and fail are the caller's.
func (r *dumpRun[T, P]) init(typ uint16, msg func([]byte) bool, fail func(error) bool) {
	r.typ, r.msg, r.fail = typ, msg, fail
	r.each = r.consume
	r.decode = decoderFor[T, P](&r.names)
}

// decoderFor returns the decoder of T's payloads: UnmarshalBinary, or for links one that interns their names in
// names.
func decoderFor[T any, P object[T]](names *nameCache) func(*T, []byte) error {
	var decodeLink func(*Link, []byte) error = func(l *Link, b []byte) error { return l.unmarshal(b, names) }
	if f, ok := any(decodeLink).(func(*T, []byte) error); ok {
		return f
	}
	return func(v *T, b []byte) error { return P(v).UnmarshalBinary(b) }
}

// run runs the dumps that req and more request on s's Client.
func (r *dumpRun[T, P]) run(ctx context.Context, s service[T, P], emptyOnENOENT bool, req []byte, more [][]byte) {
	r.stopped, r.emptyOnENOENT = false, emptyOnENOENT
	r.names.start()
	if s.c.dump(ctx, s.getType(), req, r.each); r.stopped {
		return
	}
	for _, q := range more {
		if s.c.dump(ctx, s.getType(), q, r.each); r.stopped {
			return
		}
	}
}

// consume is the core's yield for one dump (see Client.dump).
func (r *dumpRun[T, P]) consume(m proto.Message, err error) bool {
	switch {
	case err != nil:
		if err = dumpError(r.typ+2 /* RTM_GETx */, r.emptyOnENOENT, err); err != nil && !r.fail(err) {
			r.stopped = true
		}
		return false // the core's dump has ended; the run may go on with its next one
	case m.Header.Type != r.typ:
		return true
	}
	if !r.msg(m.Data) {
		r.stopped = true
		return false
	}
	return true
}

// dump streams the objects of the dump that req requests (and then of those that more request, in turn),
// keeping those f matches. An error ends the dump it came from; the next one goes on if the loop does. Each
// object is decoded into one T kept for the whole stream and yielded by value, so the stream allocates per
// object only what the object's decoder does. Its state is kept in the service's caches for the next dump, so
// beyond the iterator it returns a dump allocates nothing.
func (s service[T, P]) dump(ctx context.Context, f filter[T], emptyOnENOENT bool, req []byte,
	more ...[]byte) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		st := s.caches.stream.Swap(nil)
		if st == nil {
			st = &dumpStream[T, P]{}
			st.init(s.typ, st.decoded, st.failed)
		}
		st.f, st.yield = f, yield
		st.run(ctx, s, emptyOnENOENT, req, more)
		var zero T
		st.v, st.f, st.yield = zero, nil, nil
		s.caches.stream.Store(st)
	}
}

// dumpStream is the state of one dump that service.dump streams: the object being decoded, the filter and the
// caller's yield.
type dumpStream[T any, P object[T]] struct {
	dumpRun[T, P]
	v     T
	f     filter[T]
	yield func(T, error) bool
}

// decoded decodes a payload and passes the object to yield if the filter keeps it.
func (st *dumpStream[T, P]) decoded(b []byte) bool {
	if err := st.decode(&st.v, b); err != nil {
		return st.failed(decodeError(msgTypeName(st.typ), err))
	}
	if st.f.match(&st.v) {
		return st.yield(st.v, nil)
	}
	return true
}

// failed yields err with T's zero value (kept out of decoded, which would otherwise zero a T per message).
func (st *dumpStream[T, P]) failed(err error) bool {
	var zero T
	return st.yield(zero, err)
}

// get sends a request the kernel answers with one object (RTM_GETx without NLM_F_DUMP) and decodes it; what
// names the object in errors.
func (s service[T, P]) get(ctx context.Context, req []byte, what string) (T, error) {
	var v T
	op := opName(s.getType(), what)
	m, err := s.c.getOne(ctx, s.getType(), req, s.typ, op)
	if err != nil {
		return v, err
	}
	if err := P(&v).UnmarshalBinary(m.Data); err != nil {
		var zero T
		return zero, &OpError{Op: op, Err: decodeError(msgTypeName(s.typ), err)}
	}
	return v, nil
}

// change sends v in a request of type typ (RTM_NEWx, RTM_DELx) with flags and waits for the kernel's ack.
func (s service[T, P]) change(ctx context.Context, typ, flags uint16, v P) error {
	b, err := v.request(typ)
	if err != nil {
		return err
	}
	_, err = s.c.execute(ctx, typ, flags, b, opName(typ, v.describe()))
	return err
}

// add sends RTM_NEWx with flags; remove sends RTM_DELx.
func (s service[T, P]) add(ctx context.Context, flags uint16, v P) error {
	return s.change(ctx, s.typ, flags, v)
}

func (s service[T, P]) remove(ctx context.Context, v P) error {
	return s.change(ctx, s.delType(), 0, v)
}

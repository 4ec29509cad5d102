//go:build linux

package route

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"

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
	c       *Client
	typ     uint16 // RTM_NEWx
	streams *streamCache[T, P]
}

// newService returns the service of objects of type T, whose messages are RTM_NEWx typ and its siblings.
func newService[T any, P object[T]](c *Client, typ uint16) service[T, P] {
	return service[T, P]{c: c, typ: typ, streams: streamCacheFor[T, P](typ)}
}

// streamCaches holds the streamCache of each service type, by RTM_NEWx, for the whole process: the Clients
// share it, so the first dump of a new Client finds a stream too.
var streamCaches sync.Map

// streamCacheFor returns the streamCache of the service whose objects are T, RTM_NEWx typ.
func streamCacheFor[T any, P object[T]](typ uint16) *streamCache[T, P] {
	if v, ok := streamCaches.Load(typ); ok {
		return v.(*streamCache[T, P])
	}
	v, _ := streamCaches.LoadOrStore(typ, &streamCache[T, P]{typ: typ})
	return v.(*streamCache[T, P])
}

// Flags of the Add and Replace requests.
const (
	createExcl    = unix.NLM_F_CREATE | unix.NLM_F_EXCL    // Add
	createReplace = unix.NLM_F_CREATE | unix.NLM_F_REPLACE // Replace
)

func (s service[T, P]) delType() uint16 { return s.typ + 1 } // RTM_DELx
func (s service[T, P]) getType() uint16 { return s.typ + 2 } // RTM_GETx

// dump streams the objects of the dump that req requests (and then of those that more request, in turn),
// keeping those f matches. An error ends the dump it came from; the next one goes on if the loop does. Each
// object is decoded into one T kept for the whole stream and yielded by value, so the stream allocates per
// object only what the object's decoder does. Its own state is kept for the next dump (streamCache), so beyond
// the iterator it returns a dump allocates nothing.
func (s service[T, P]) dump(ctx context.Context, f filter[T], emptyOnENOENT bool, req []byte,
	more ...[]byte) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		st := s.streams.get()
		st.f, st.yield, st.stop, st.emptyOnENOENT = f, yield, false, emptyOnENOENT
		defer s.streams.put(st)
		if s.c.dump(ctx, s.getType(), req, st.each); st.stop {
			return
		}
		for _, r := range more {
			if s.c.dump(ctx, s.getType(), r, st.each); st.stop {
				return
			}
		}
	}
}

// dumpStream is the state of one dump that service.dump streams: the object being decoded, and the callback that
// the core's dump calls (made once per stream, since a method value made per dump would be an allocation).
// A finished stream waits in its service's streamCache.
type dumpStream[T any, P object[T]] struct {
	v             T
	f             filter[T]
	yield         func(T, error) bool
	stop          bool // yield returned false
	emptyOnENOENT bool // see dumpError
	typ           uint16
	each          func(proto.Message, error) bool
}

// streamCache keeps one finished dumpStream of a service type for its next dump, on any Client. It is not a
// sync.Pool, which the garbage collector empties: a dump that follows a collection would allocate.
type streamCache[T any, P object[T]] struct {
	typ  uint16
	last atomic.Pointer[dumpStream[T, P]]
}

// get returns the cached stream, or a new one when it is taken (dumps of the service running at once).
func (sc *streamCache[T, P]) get() *dumpStream[T, P] {
	if st := sc.last.Swap(nil); st != nil {
		return st
	}
	st := &dumpStream[T, P]{typ: sc.typ}
	st.each = st.consume
	return st
}

// consume is the core's yield for one dump (see Client.dump): it decodes a message of the dump's type and passes
// the object to yield if the filter keeps it, and passes on the error that ends the dump.
func (st *dumpStream[T, P]) consume(m proto.Message, err error) bool {
	switch {
	case err != nil:
		if err = dumpError(st.typ+2 /* RTM_GETx */, st.emptyOnENOENT, err); err != nil {
			st.fail(err)
		}
		return false // the core's dump has ended; the stream may go on with its next one
	case m.Header.Type != st.typ:
		return true
	}
	if derr := P(&st.v).UnmarshalBinary(m.Data); derr != nil {
		st.fail(decodeError(msgTypeName(st.typ), derr))
	} else if st.f.match(&st.v) {
		st.stop = !st.yield(st.v, nil)
	}
	return !st.stop
}

// fail yields err with T's zero value (kept out of consume, which would otherwise zero a T per message).
func (st *dumpStream[T, P]) fail(err error) {
	var zero T
	st.stop = !st.yield(zero, err)
}

// put drops what st refers to and keeps it for the next dump.
func (sc *streamCache[T, P]) put(st *dumpStream[T, P]) {
	var zero T
	st.v, st.f, st.yield = zero, nil, nil
	sc.last.Store(st)
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

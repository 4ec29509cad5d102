package tc

import (
	"context"
	"fmt"
	"iter"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Qdisc is a queueing discipline: RTM_NEWQDISC. Its Options are typed by Kind (NewQdiscOptions).
type Qdisc struct {
	Object
}

// RefCount is tcm_info in a dump: the qdisc's reference count (tc prints "refcnt" when it is not 1).
func (q *Qdisc) RefCount() uint32 { return q.Info }

// UnmarshalBinary decodes an RTM_NEWQDISC payload.
func (q *Qdisc) UnmarshalBinary(b []byte) error { return q.decode(b) }

// MarshalBinary encodes q as an RTM_NEWQDISC payload as the kernel dumps it (statistics included).
func (q *Qdisc) MarshalBinary() ([]byte, error) { return q.encode(true) }

func (q *Qdisc) decode(b []byte) error { return q.Object.decode(b, classQdisc) }

func (q *Qdisc) encode(withStats bool) ([]byte, error) { return q.Object.encode(nil, withStats) }

func (q *Qdisc) describe() string { return describe(&q.Object) }

func describe(o *Object) string {
	s := o.Kind
	if s == "" && o.Options != nil {
		s = o.Options.Kind()
	}
	if o.Handle != 0 {
		s += " " + o.Handle.String()
	}
	if o.Parent != 0 {
		s += " parent " + o.Parent.String()
	}
	return fmt.Sprintf("%s dev %d", s, o.Ifindex)
}

// QdiscFilter selects qdiscs in a dump; zero fields match everything, and a nil *QdiscFilter keeps all. The
// kernel dumps every device's qdiscs: the fields are matched in user space.
type QdiscFilter struct {
	// Ifindex keeps the qdiscs of one device.
	Ifindex int32
	// Parent and Handle keep the qdisc with that parent or handle.
	Parent, Handle Handle
	// Kind keeps one kind.
	Kind string
	// Invisible asks for the qdiscs the kernel hides from dumps too (TCA_DUMP_INVISIBLE), as `tc qdisc show
	// invisible`: the default qdiscs of a multiqueue device's queues.
	Invisible bool
}

func (f *QdiscFilter) keep(q *Qdisc) bool {
	return f == nil || (f.Ifindex == 0 || q.Ifindex == f.Ifindex) && (f.Parent == 0 || q.Parent == f.Parent) &&
		(f.Handle == 0 || q.Handle == f.Handle) && (f.Kind == "" || q.Kind == f.Kind)
}

func (f *QdiscFilter) request() []byte {
	o := Object{}
	if f != nil {
		o.Ifindex = f.Ifindex
	}
	b, _ := o.encode(nil, false)
	if f != nil && f.Invisible {
		ae := proto.NewAttrEncoder(b)
		ae.Flag(kconst.TCA_DUMP_INVISIBLE)
		b = ae.Bytes()
	}
	return b
}

// QdiscService is the RTM_*QDISC service.
type QdiscService struct{ c *Client }

// All streams the qdiscs f keeps (RTM_GETQDISC with NLM_F_DUMP). A dump the kernel marked NLM_F_DUMP_INTR ends
// with a *nlkit.DumpInterruptedError.
func (s *QdiscService) All(ctx context.Context, f *QdiscFilter) iter.Seq2[Qdisc, error] {
	return dump[Qdisc](ctx, s.c, unix.RTM_NEWQDISC, f.request(), f.keep)
}

// List returns the qdiscs f keeps, repeating a dump the kernel marked NLM_F_DUMP_INTR.
func (s *QdiscService) List(ctx context.Context, f *QdiscFilter) ([]Qdisc, error) {
	return list[Qdisc](ctx, s.c, unix.RTM_NEWQDISC, f.request(), f.keep)
}

// Get asks for one qdisc (RTM_GETQDISC): the one of device q.Ifindex with parent q.Parent when it is set, else
// the one with handle q.Handle.
func (s *QdiscService) Get(ctx context.Context, q Qdisc) (Qdisc, error) {
	q.Kind, q.Options = "", nil
	return get[Qdisc](ctx, s.c, unix.RTM_NEWQDISC, &q)
}

// Add creates a qdisc (RTM_NEWQDISC with NLM_F_CREATE|NLM_F_EXCL, `tc qdisc add`).
func (s *QdiscService) Add(ctx context.Context, q Qdisc) error {
	return change[Qdisc](ctx, s.c, unix.RTM_NEWQDISC, flagsAdd, &q)
}

// Replace creates a qdisc or replaces the one at its parent (NLM_F_CREATE|NLM_F_REPLACE, `tc qdisc
// replace`).
func (s *QdiscService) Replace(ctx context.Context, q Qdisc) error {
	return change[Qdisc](ctx, s.c, unix.RTM_NEWQDISC, flagsReplace, &q)
}

// Change changes the options of an existing qdisc (no flags, `tc qdisc change`).
func (s *QdiscService) Change(ctx context.Context, q Qdisc) error {
	return change[Qdisc](ctx, s.c, unix.RTM_NEWQDISC, flagsChange, &q)
}

// Link replaces the qdisc at q.Parent with an existing one (NLM_F_REPLACE, `tc qdisc link`).
func (s *QdiscService) Link(ctx context.Context, q Qdisc) error {
	return change[Qdisc](ctx, s.c, unix.RTM_NEWQDISC, flagsLink, &q)
}

// Delete deletes a qdisc (RTM_DELQDISC): the one at q.Parent of device q.Ifindex, checked against q.Handle and
// q.Kind when they are set.
func (s *QdiscService) Delete(ctx context.Context, q Qdisc) error {
	q.Options = nil
	return change[Qdisc](ctx, s.c, unix.RTM_DELQDISC, 0, &q)
}

// Class is a class of a classful qdisc: RTM_NEWTCLASS. Handle is the class id; its Options are typed by Kind
// (NewClassOptions).
type Class struct {
	Object
}

// UnmarshalBinary decodes an RTM_NEWTCLASS payload.
func (c *Class) UnmarshalBinary(b []byte) error { return c.decode(b) }

// MarshalBinary encodes c as the kernel dumps it.
func (c *Class) MarshalBinary() ([]byte, error) { return c.encode(true) }

func (c *Class) decode(b []byte) error { return c.Object.decode(b, classClass) }

func (c *Class) encode(withStats bool) ([]byte, error) { return c.Object.encode(nil, withStats) }

func (c *Class) describe() string { return describe(&c.Object) }

// ClassFilter selects classes in a dump. The kernel dumps the classes of one device (Ifindex is required),
// under one qdisc when Parent is set (its major).
type ClassFilter struct {
	// Ifindex is the device (tcm_ifindex).
	Ifindex int32
	// Parent keeps the classes of the qdisc with Parent's major (the kernel's filter), and of that parent
	// class when its minor is set (user space).
	Parent Handle
	// Handle keeps one class id; Kind one kind.
	Handle Handle
	Kind   string
}

func (f *ClassFilter) keep(c *Class) bool {
	return f == nil || (f.Parent.Minor() == 0 || c.Parent == f.Parent) && (f.Handle == 0 || c.Handle == f.Handle) &&
		(f.Kind == "" || c.Kind == f.Kind)
}

func (f *ClassFilter) request() []byte {
	o := Object{}
	if f != nil {
		o.Ifindex = f.Ifindex
		if f.Parent != HandleRoot {
			o.Parent = f.Parent &^ 0xffff
		}
	}
	b, _ := o.encode(nil, false)
	return b
}

// ClassService is the RTM_*TCLASS service.
type ClassService struct{ c *Client }

// All streams the classes f selects (RTM_GETTCLASS with NLM_F_DUMP).
func (s *ClassService) All(ctx context.Context, f *ClassFilter) iter.Seq2[Class, error] {
	return dump[Class](ctx, s.c, unix.RTM_NEWTCLASS, f.request(), f.keep)
}

// List returns the classes f selects.
func (s *ClassService) List(ctx context.Context, f *ClassFilter) ([]Class, error) {
	return list[Class](ctx, s.c, unix.RTM_NEWTCLASS, f.request(), f.keep)
}

// Get asks for the class c.Handle of device c.Ifindex (RTM_GETTCLASS).
func (s *ClassService) Get(ctx context.Context, c Class) (Class, error) {
	c.Kind, c.Options = "", nil
	return get[Class](ctx, s.c, unix.RTM_NEWTCLASS, &c)
}

// Add creates a class (NLM_F_CREATE|NLM_F_EXCL).
func (s *ClassService) Add(ctx context.Context, c Class) error {
	return change[Class](ctx, s.c, unix.RTM_NEWTCLASS, flagsAdd, &c)
}

// Replace creates or changes a class (NLM_F_CREATE|NLM_F_REPLACE).
func (s *ClassService) Replace(ctx context.Context, c Class) error {
	return change[Class](ctx, s.c, unix.RTM_NEWTCLASS, flagsReplace, &c)
}

// Change changes an existing class (no flags).
func (s *ClassService) Change(ctx context.Context, c Class) error {
	return change[Class](ctx, s.c, unix.RTM_NEWTCLASS, flagsChange, &c)
}

// Delete deletes the class c.Handle of device c.Ifindex (RTM_DELTCLASS).
func (s *ClassService) Delete(ctx context.Context, c Class) error {
	c.Options = nil
	return change[Class](ctx, s.c, unix.RTM_DELTCLASS, 0, &c)
}

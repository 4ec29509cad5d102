package tc

import (
	"context"
	"errors"
	"iter"
	"math/bits"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Filter is a classifier: RTM_NEWTFILTER. Handle is the classifier's own handle (a u32 key, an fw mark, a
// flower id...); Parent is the qdisc or class it hangs off (ffff:fff2 and ffff:fff3 for clsact's ingress and
// egress); Object.Info is derived from Priority and Protocol in requests. Its Options are typed by Kind
// (NewFilterOptions).
type Filter struct {
	Object
	// Priority is TC_H_MAJ(tcm_info)>>16, tc's "prio" (0 in an add: the kernel picks one).
	Priority uint16
	// Protocol is TC_H_MIN(tcm_info) in host order: ETH_P_ALL (3), ETH_P_IP (0x800)... tc's "protocol".
	Protocol uint16
}

// UnmarshalBinary decodes an RTM_NEWTFILTER payload.
func (f *Filter) UnmarshalBinary(b []byte) error { return f.decode(b) }

// MarshalBinary encodes f as the kernel dumps it.
func (f *Filter) MarshalBinary() ([]byte, error) { return f.encode(true) }

func (f *Filter) decode(b []byte) error {
	if err := f.Object.decode(b, classFilter); err != nil {
		return err
	}
	f.Priority = uint16(f.Info >> 16)
	f.Protocol = bits.ReverseBytes16(uint16(f.Info))
	return nil
}

func (f *Filter) encode(withStats bool) ([]byte, error) {
	f.Info = uint32(f.Priority)<<16 | uint32(bits.ReverseBytes16(f.Protocol))
	return f.Object.encode(nil, withStats)
}

func (f *Filter) describe() string { return describe(&f.Object) }

// FilterFilter selects filters in a dump: the kernel dumps the filters of one device's qdisc (Ifindex is
// required; Parent 0 is the root qdisc) and keeps those of Priority and Protocol when they are set, and of
// Chain when HasChain.
type FilterFilter struct {
	// Ifindex is the device; Parent the qdisc or class (clsact: ffff:fff2 ingress, ffff:fff3 egress).
	Ifindex int32
	Parent  Handle
	// Priority and Protocol keep the filters with that prio and protocol (0: any).
	Priority, Protocol uint16
	// Chain keeps one chain when HasChain (TCA_CHAIN).
	Chain    uint32
	HasChain bool
	// Handle and Kind keep one handle and one kind (user space).
	Handle Handle
	Kind   string
	// Terse asks the kernel for handles and statistics only (TCA_DUMP_FLAGS_TERSE, kernel 5.10 and later).
	Terse bool
}

func (f *FilterFilter) keep(v *Filter) bool {
	return f == nil || (f.Handle == 0 || v.Handle == f.Handle) && (f.Kind == "" || v.Kind == f.Kind) &&
		(f.Priority == 0 || v.Priority == f.Priority) && (f.Protocol == 0 || v.Protocol == f.Protocol) &&
		(!f.HasChain || v.Chain == f.Chain)
}

func (f *FilterFilter) request() ([]byte, error) {
	if f == nil || f.Ifindex == 0 {
		return nil, errors.New("tc: a filter dump needs a device (FilterFilter.Ifindex)")
	}
	v := Filter{Object: Object{Ifindex: f.Ifindex, Parent: f.Parent, Chain: f.Chain, HasChain: f.HasChain},
		Priority: f.Priority, Protocol: f.Protocol}
	b, err := v.encode(false)
	if err != nil {
		return nil, err
	}
	if f.Terse {
		ae := proto.NewAttrEncoder(b)
		// struct nla_bitfield32: value, selector.
		bf := make([]byte, 8)
		ne.PutUint32(bf, dumpFlagsTerse)
		ne.PutUint32(bf[4:], dumpFlagsTerse)
		ae.Raw(kconst.TCA_DUMP_FLAGS, bf)
		b = ae.Bytes()
	}
	return b, nil
}

// FilterService is the RTM_*TFILTER service.
type FilterService struct{ c *Client }

// All streams the filters f selects (RTM_GETTFILTER with NLM_F_DUMP).
func (s *FilterService) All(ctx context.Context, f *FilterFilter) iter.Seq2[Filter, error] {
	req, err := f.request()
	if err != nil {
		return func(yield func(Filter, error) bool) { yield(Filter{}, err) }
	}
	return dump[Filter](ctx, s.c, unix.RTM_NEWTFILTER, req, f.keep)
}

// List returns the filters f selects.
func (s *FilterService) List(ctx context.Context, f *FilterFilter) ([]Filter, error) {
	req, err := f.request()
	if err != nil {
		return nil, err
	}
	return list[Filter](ctx, s.c, unix.RTM_NEWTFILTER, req, f.keep)
}

// Get asks for one filter (RTM_GETTFILTER): device, parent, priority, protocol, kind and handle must be set,
// as for `tc filter get`.
func (s *FilterService) Get(ctx context.Context, f Filter) (Filter, error) {
	f.Options = nil
	return get[Filter](ctx, s.c, unix.RTM_NEWTFILTER, &f)
}

// Add creates a filter (NLM_F_CREATE|NLM_F_EXCL).
func (s *FilterService) Add(ctx context.Context, f Filter) error {
	return change[Filter](ctx, s.c, unix.RTM_NEWTFILTER, flagsAdd, &f)
}

// Replace creates or replaces a filter (NLM_F_CREATE|NLM_F_REPLACE).
func (s *FilterService) Replace(ctx context.Context, f Filter) error {
	return change[Filter](ctx, s.c, unix.RTM_NEWTFILTER, flagsReplace, &f)
}

// Change changes an existing filter (no flags).
func (s *FilterService) Change(ctx context.Context, f Filter) error {
	return change[Filter](ctx, s.c, unix.RTM_NEWTFILTER, flagsChange, &f)
}

// Delete deletes filters (RTM_DELTFILTER): with a handle and kind the one filter, with only a priority the
// whole priority, with neither all filters of the parent, as `tc filter del`.
func (s *FilterService) Delete(ctx context.Context, f Filter) error {
	f.Options = nil
	return change[Filter](ctx, s.c, unix.RTM_DELTFILTER, 0, &f)
}

// Chain is a filter chain: RTM_NEWCHAIN. Object.Chain is its index (HasChain is set in requests), Kind and
// Options its template (a classifier kind and its options), if any.
type Chain struct {
	Object
}

// UnmarshalBinary decodes an RTM_NEWCHAIN payload.
func (c *Chain) UnmarshalBinary(b []byte) error { return c.decode(b) }

// MarshalBinary encodes c.
func (c *Chain) MarshalBinary() ([]byte, error) { return c.encode(true) }

func (c *Chain) decode(b []byte) error { return c.Object.decode(b, classFilter) }

func (c *Chain) encode(withStats bool) ([]byte, error) {
	c.HasChain = true
	return c.Object.encode(nil, withStats)
}

func (c *Chain) describe() string {
	return "chain " + itoa(uint64(c.Chain)) + " " + describe(&c.Object)
}

// ChainService is the RTM_*CHAIN service.
type ChainService struct{ c *Client }

// List returns the chains of a device's qdisc (RTM_GETCHAIN with NLM_F_DUMP; parent 0 is the root qdisc).
func (s *ChainService) List(ctx context.Context, ifindex int32, parent Handle) ([]Chain, error) {
	o := Object{Ifindex: ifindex, Parent: parent}
	req, _ := o.encode(nil, false)
	return list[Chain](ctx, s.c, unix.RTM_NEWCHAIN, req, nil)
}

// Get asks for one chain (RTM_GETCHAIN).
func (s *ChainService) Get(ctx context.Context, c Chain) (Chain, error) {
	c.Kind, c.Options = "", nil
	return get[Chain](ctx, s.c, unix.RTM_NEWCHAIN, &c)
}

// Add creates a chain, with a template when Kind is set (NLM_F_CREATE|NLM_F_EXCL).
func (s *ChainService) Add(ctx context.Context, c Chain) error {
	return change[Chain](ctx, s.c, unix.RTM_NEWCHAIN, flagsAdd, &c)
}

// Delete deletes a chain and its filters (RTM_DELCHAIN).
func (s *ChainService) Delete(ctx context.Context, c Chain) error {
	c.Options = nil
	return change[Chain](ctx, s.c, unix.RTM_DELCHAIN, 0, &c)
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// dumpFlagsTerse is TCA_DUMP_FLAGS_TERSE (rtnetlink.h, a #define).
const dumpFlagsTerse = 1

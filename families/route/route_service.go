//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// RouteService lists, gets, adds, replaces and deletes routes (RTM_GETROUTE, RTM_NEWROUTE, RTM_DELROUTE).
type RouteService struct{ c *Client }

// RouteFilter selects routes. Under strict checking the kernel applies Table, OIF, Protocol and Type
// (rtm_table/RTA_TABLE, RTA_OIF, rtm_protocol, rtm_type); the filter is applied again in user space, so results
// are the same without strict checking. A route through a nexthop object (RTA_NH_ID) matches OIF in the kernel
// only.
type RouteFilter struct {
	// Family keeps one family (AF_INET, AF_INET6); 0 keeps all. With Family 0 and any other field set, IPv4
	// and IPv6 are dumped in turn (the MPLS family rejects these filters).
	Family uint8
	// Table keeps one table; 0 keeps all (`ip route show table all`). A table that does not exist gives no
	// routes.
	Table uint32
	// OIF keeps the routes through this link (any nexthop of a multipath route).
	OIF int32
	// Protocol keeps the routes of one protocol (RTPROT_*).
	Protocol Protocol
	// Type keeps the routes of one type (RTN_*).
	Type RouteType
}

func (f *RouteFilter) kernelSide() bool {
	return f != nil && (f.Table != 0 || f.OIF != 0 || f.Protocol != 0 || f.Type != 0)
}

func (f *RouteFilter) match(r *Route) bool {
	if f == nil {
		return true
	}
	if (f.Family != 0 && r.Family != f.Family) || (f.Table != 0 && r.Table != f.Table) ||
		(f.Protocol != 0 && r.Protocol != f.Protocol) || (f.Type != 0 && r.Type != f.Type) {
		return false
	}
	if f.OIF != 0 && r.OIF != f.OIF && r.NexthopID == 0 {
		for _, nh := range r.MultiPath {
			if nh.OIF == f.OIF {
				return true
			}
		}
		return false
	}
	return true
}

func (f *RouteFilter) request(family uint8) []byte {
	b := make([]byte, sizeofRtMsg, 32)
	b[0] = family
	if f == nil {
		return b
	}
	if f.Table < 256 {
		b[4] = uint8(f.Table)
	}
	b[5], b[7] = uint8(f.Protocol), uint8(f.Type)
	ae := proto.NewAttrEncoder(b)
	if f.Table != 0 {
		ae.Uint32(unix.RTA_TABLE, f.Table)
	}
	if f.OIF != 0 {
		ae.Uint32(unix.RTA_OIF, uint32(f.OIF))
	}
	return ae.Bytes()
}

// All streams the routes f selects (an RTM_GETROUTE dump; nil: all tables, all families). A route without
// multipath or encapsulation is decoded with no allocation. NLM_F_DUMP_INTR ends the stream with an error
// matching nlkit.ErrDumpInterrupted.
func (s *RouteService) All(ctx context.Context, f *RouteFilter) iter.Seq2[Route, error] {
	families := []uint8{unix.AF_UNSPEC}
	if f != nil {
		families[0] = f.Family
		if f.Family == unix.AF_UNSPEC && f.kernelSide() {
			families = []uint8{unix.AF_INET, unix.AF_INET6}
		}
	}
	reqs := make([][]byte, len(families))
	for i, fam := range families {
		reqs[i] = f.request(fam)
	}
	noTableIsEmpty := f != nil && f.Table != 0
	return func(yield func(Route, error) bool) {
		stop := false
		for _, req := range reqs {
			s.c.dump(ctx, unix.RTM_GETROUTE, req, unix.RTM_NEWROUTE, noTableIsEmpty, func(m proto.Message, err error) bool {
				if err != nil {
					stop = !yield(Route{}, err)
					return !stop
				}
				var r Route
				if err := r.UnmarshalBinary(m.Data); err != nil {
					stop = !yield(Route{}, decodeError("RTM_NEWROUTE", err))
					return !stop
				}
				if !f.match(&r) {
					return true
				}
				stop = !yield(r, nil)
				return !stop
			})
			if stop {
				return
			}
		}
	}
}

// List returns the routes f selects, retrying interrupted dumps (see LinkService.List).
func (s *RouteService) List(ctx context.Context, f *RouteFilter) ([]Route, error) {
	return collect(s.c.retries, func() iter.Seq2[Route, error] { return s.All(ctx, f) })
}

// Add adds a route (RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL), with ip's defaults for what r leaves zero:
// table main, protocol boot, type unicast, scope link when there is no gateway (host for local routes), and
// the default route when Dst is the zero Prefix. An existing route gives an error matching unix.EEXIST; the
// kernel's reason, such as "Nexthop device is not up", is in the error (see KernelMessage).
func (s *RouteService) Add(ctx context.Context, r Route) error {
	return s.send(ctx, unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, r.withDefaults())
}

// Replace adds the route, or replaces the one with the same key (table, Dst, TOS, Priority)
// (RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE), with the defaults of Add.
func (s *RouteService) Replace(ctx context.Context, r Route) error {
	return s.send(ctx, unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, r.withDefaults())
}

// Append adds a route even when one with the same key exists (RTM_NEWROUTE with NLM_F_CREATE|NLM_F_APPEND).
func (s *RouteService) Append(ctx context.Context, r Route) error {
	return s.send(ctx, unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_APPEND, r.withDefaults())
}

// Delete removes a route (RTM_DELROUTE). The kernel deletes the first route that matches what r gives: Dst and
// table (main when 0) always; TOS, Priority, Protocol, Type, Scope, gateway and OIF when set. A Route from List
// deletes exactly that route.
func (s *RouteService) Delete(ctx context.Context, r Route) error {
	return s.send(ctx, unix.RTM_DELROUTE, 0, r.forDelete())
}

func (s *RouteService) send(ctx context.Context, typ, flags uint16, r Route) error {
	if r.family() == 0 {
		return fmt.Errorf("route: %s: no address family (set Dst, Gateway or Family)", msgTypeName(typ))
	}
	b, err := r.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = s.c.execute(ctx, typ, flags, b, opName(typ, r.Dst))
	return err
}

// RouteGetOptions refines a route lookup (ip route get ... from SRC iif DEV oif DEV mark M uid U fibmatch).
type RouteGetOptions struct {
	// Src is RTA_SRC: the source address (needed with IIF).
	Src netip.Addr
	// IIF and OIF are RTA_IIF and RTA_OIF.
	IIF, OIF int32
	// Mark is RTA_MARK.
	Mark uint32
	// UID is RTA_UID when HasUID.
	UID    uint32
	HasUID bool
	// FibMatch asks for the FIB entry that matched rather than the resolved route (RTM_F_FIB_MATCH).
	FibMatch bool
}

// Get asks the kernel which route it would use for dst (RTM_GETROUTE without NLM_F_DUMP), as `ip route get`
// does. An unreachable destination gives an error matching unix.ENETUNREACH.
func (s *RouteService) Get(ctx context.Context, dst netip.Addr, o *RouteGetOptions) (Route, error) {
	if o == nil {
		o = &RouteGetOptions{}
	}
	b := make([]byte, sizeofRtMsg, 64)
	b[0] = familyOf(dst)
	b[1] = uint8(dst.BitLen())
	if o.Src.IsValid() {
		b[2] = uint8(o.Src.BitLen())
	}
	if o.FibMatch {
		binary.NativeEndian.PutUint32(b[8:12], unix.RTM_F_FIB_MATCH)
	}
	ae := proto.NewAttrEncoder(b)
	ae.Raw(unix.RTA_DST, dst.AsSlice())
	if o.Src.IsValid() {
		ae.Raw(unix.RTA_SRC, o.Src.AsSlice())
	}
	for _, f := range []struct {
		t uint16
		v uint32
	}{{unix.RTA_IIF, uint32(o.IIF)}, {unix.RTA_OIF, uint32(o.OIF)}, {unix.RTA_MARK, o.Mark}} {
		if f.v != 0 {
			ae.Uint32(f.t, f.v)
		}
	}
	if o.HasUID {
		ae.Uint32(unix.RTA_UID, o.UID)
	}
	op := opName(unix.RTM_GETROUTE, dst)
	m, err := s.c.getOne(ctx, unix.RTM_GETROUTE, ae.Bytes(), unix.RTM_NEWROUTE, op)
	if err != nil {
		return Route{}, err
	}
	var r Route
	if err := r.UnmarshalBinary(m.Data); err != nil {
		return Route{}, &OpError{Op: op, Err: decodeError("RTM_NEWROUTE", err)}
	}
	return r, nil
}

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
type RouteService struct{ service[Route, *Route] }

// RouteFilter selects routes. Under strict checking the kernel applies Table, OIF, Protocol and Type
// (rtm_table/RTA_TABLE, RTA_OIF, rtm_protocol, rtm_type); the filter is applied again in user space, so results
// are the same without strict checking. A route through a nexthop object (RTA_NH_ID) matches OIF in the kernel
// only. Scope is applied in user space only (the kernel rejects a dump request with rtm_scope set).
type RouteFilter struct {
	// Family keeps one family (AF_INET, AF_INET6); 0 keeps all. With Family 0 and any kernel-side field set,
	// IPv4 and IPv6 are dumped in turn (the MPLS family rejects these filters).
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
	// Scope keeps the routes of one scope (rtm_scope) when it is not 0 or HasScope is set (for
	// ScopeUniverse, "global").
	Scope    Scope
	HasScope bool
}

func (f *RouteFilter) kernelSide() bool {
	return f != nil && (f.Table != 0 || f.OIF != 0 || f.Protocol != 0 || f.Type != 0)
}

func (f *RouteFilter) match(r *Route) bool {
	if f == nil {
		return true
	}
	if (f.Family != 0 && r.Family != f.Family) || (f.Table != 0 && r.Table != f.Table) ||
		(f.Protocol != 0 && r.Protocol != f.Protocol) || (f.Type != 0 && r.Type != f.Type) ||
		((f.Scope != 0 || f.HasScope) && r.Scope != f.Scope) {
		return false
	}
	if f.OIF != 0 && r.OIF != f.OIF && r.NexthopID == 0 {
		for _, nh := range r.ext().MultiPath {
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
	noTableIsEmpty, req, more := f.requests()
	return s.dump(ctx, f, noTableIsEmpty, req, more...)
}

// requests are the dump requests of f: one, or one per family when f names no family but has kernel-side
// parts (the kernel filters only a dump of one family). noTableIsEmpty says that ENOENT, a table that does not
// exist, is an empty dump.
func (f *RouteFilter) requests() (noTableIsEmpty bool, req []byte, more [][]byte) {
	noTableIsEmpty = f != nil && f.Table != 0
	if f != nil && f.Family == unix.AF_UNSPEC && f.kernelSide() {
		return noTableIsEmpty, f.request(unix.AF_INET), [][]byte{f.request(unix.AF_INET6)}
	}
	var family uint8
	if f != nil {
		family = f.Family
	}
	return noTableIsEmpty, f.request(family), nil
}

// List returns the routes f selects, retrying interrupted dumps (see LinkService.List).
func (s *RouteService) List(ctx context.Context, f *RouteFilter) ([]Route, error) {
	return s.ListInto(ctx, nil, f)
}

// ListInto appends the routes f selects to dst and returns the extended slice (see LinkService.ListInto):
// routes = c.Route.ListInto(ctx, routes[:0], f) decodes into the slice of the previous call.
func (s *RouteService) ListInto(ctx context.Context, dst []Route, f *RouteFilter) ([]Route, error) {
	noTableIsEmpty, req, more := f.requests()
	return s.list(ctx, dst, f, noTableIsEmpty, req, more...)
}

// Add adds a route (RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL), with ip's defaults for what r leaves zero:
// table main, protocol boot, type unicast, the default route when Dst is the zero Prefix, and unless HasScope
// the scope ip gives: link when there is no gateway (host for local routes; always universe for IPv6). An
// existing route gives an error matching unix.EEXIST; the kernel's reason, such as "Nexthop device is not up",
// is in the error (see KernelMessage).
func (s *RouteService) Add(ctx context.Context, r Route) error {
	return s.add(ctx, createExcl, r.withDefaults())
}

// Replace adds the route, or replaces the one with the same key (table, Dst, TOS, Priority)
// (RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE), with the defaults of Add.
func (s *RouteService) Replace(ctx context.Context, r Route) error {
	return s.add(ctx, createReplace, r.withDefaults())
}

// Append adds a route even when one with the same key exists (RTM_NEWROUTE with NLM_F_CREATE|NLM_F_APPEND).
func (s *RouteService) Append(ctx context.Context, r Route) error {
	return s.add(ctx, unix.NLM_F_CREATE|unix.NLM_F_APPEND, r.withDefaults())
}

// Delete removes a route (RTM_DELROUTE). The kernel deletes the first route that matches what r gives: Dst and
// table (main when 0) always; TOS, Priority, Protocol, Type, Scope (with HasScope, also universe), gateway and
// OIF when set. A Route from List deletes exactly that route.
func (s *RouteService) Delete(ctx context.Context, r Route) error {
	return s.remove(ctx, r.forDelete())
}

func (r *Route) request(typ uint16) ([]byte, error) {
	if r.family() == 0 {
		return nil, fmt.Errorf("route: %s: no address family (set Dst, Gateway or Family)", msgTypeName(typ))
	}
	return r.MarshalBinary()
}

func (r *Route) describe() string { return r.Dst.String() }

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
	return s.get(ctx, ae.Bytes(), dst.String())
}

//go:build linux

package route

import (
	"context"
	"fmt"
	"iter"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// LinkService lists, gets, adds, changes and deletes links (RTM_GETLINK, RTM_NEWLINK, RTM_DELLINK).
type LinkService struct{ service[Link, *Link] }

// LinkFilter selects links. The kernel applies Master and Kind under strict checking (IFLA_MASTER,
// IFLA_LINKINFO with IFLA_INFO_KIND in the dump request) when Family is 0; the filter is applied again in user
// space, so results are the same without.
type LinkFilter struct {
	// Family is the dump's ifi_family, which chooses the kernel's answer: 0 (AF_UNSPEC) the links as
	// `ip link` shows them; AF_INET6 the IPv6 view that `ip -6 addr` lists (inet6_fill_ifinfo: name, flags,
	// address, MTU, IFLA_LINK and operstate, Family AF_INET6); AF_BRIDGE the bridge ports. A family without a
	// link dump of its own (AF_INET) gets the AF_UNSPEC answer. The kernel takes no filter attributes with a
	// family, so Master and Kind are then applied in user space alone; user space keeps the links of Family
	// and of AF_UNSPEC.
	Family uint8
	// Master keeps the links enslaved to this index (IFLA_MASTER); 0 keeps all.
	Master int32
	// Kind keeps the links of this IFLA_INFO_KIND ("veth", "bridge"...); "" keeps all.
	Kind string
}

func (f *LinkFilter) match(l *Link) bool {
	if f == nil {
		return true
	}
	return (f.Family == 0 || l.Family == f.Family || l.Family == unix.AF_UNSPEC) &&
		(f.Master == 0 || l.Master == f.Master) && (f.Kind == "" || l.Info.Kind == f.Kind)
}

func (f *LinkFilter) request() []byte {
	b := make([]byte, sizeofIfInfomsg, 64)
	if f == nil {
		return b
	}
	b[0] = f.Family
	if f.Family != unix.AF_UNSPEC {
		return b
	}
	ae := proto.NewAttrEncoder(b)
	if f.Master != 0 {
		ae.Uint32(unix.IFLA_MASTER, uint32(f.Master))
	}
	if f.Kind != "" {
		n := ae.NestRaw(unix.IFLA_LINKINFO)
		ae.String(unix.IFLA_INFO_KIND, f.Kind)
		ae.End(n)
	}
	return ae.Bytes()
}

// All streams the links (an RTM_GETLINK dump) that f selects; nil selects all. Each Link is decoded from the
// receive buffer and owns no memory of it; nothing but its strings and kind data is allocated. If the kernel
// flagged the dump NLM_F_DUMP_INTR, the last value is an error matching nlkit.ErrDumpInterrupted (use List for
// retries). The loop holds the Client's socket: see Client.
func (s *LinkService) All(ctx context.Context, f *LinkFilter) iter.Seq2[Link, error] {
	return s.dump(ctx, f, false, f.request())
}

// List returns the links f selects (nil: all), repeating the dump while it is interrupted by concurrent changes
// (NLM_F_DUMP_INTR), up to the Client's DumpRetries; then it returns the last result and an
// *nlkit.DumpInterruptedError with the []Link in Results.
//
// List holds the messages' payloads while the dump runs and decodes them once it has ended, straight into a
// slice of the right size (on every CPU for a large dump); the payloads of a large dump live outside the Go heap
// and are returned to the system before List returns. At its peak a List holds the slice and the payloads
// (for a route, 96 bytes of Route and about 48 of payload). All the other services' List work the same way.
func (s *LinkService) List(ctx context.Context, f *LinkFilter) ([]Link, error) {
	return s.ListInto(ctx, nil, f)
}

// ListInto appends the links f selects to dst, as List finds them, and returns the extended slice; on an error
// it returns dst with what List would have returned appended. While dst has room, the links are decoded
// straight into it as they arrive, overlapping the kernel's work, and need no new memory. So a caller that
// lists again and again keeps its slice, links = c.Link.ListInto(ctx, links[:0], nil), and after the first
// time pays about what All does, where a List into fresh memory pays its page faults (bench/RESULTS.md has the
// figures). What does not fit is appended as List does, into a new array with an eighth more room than needed
// when dst had some, for a table that grows. Like append, ListInto may overwrite dst's elements past len(dst)
// whatever it returns; a *nlkit.DumpInterruptedError's Results is the returned slice.
func (s *LinkService) ListInto(ctx context.Context, dst []Link, f *LinkFilter) ([]Link, error) {
	return s.list(ctx, dst, f, false, f.request())
}

// Get returns the link with ifi_index index (RTM_GETLINK).
func (s *LinkService) Get(ctx context.Context, index int32) (Link, error) {
	b := make([]byte, sizeofIfInfomsg)
	putIfInfomsg(b, &Link{Index: index})
	return s.get(ctx, b, fmt.Sprintf("index %d", index))
}

// GetByName returns the link with this name or alternative name (RTM_GETLINK with IFLA_IFNAME, or
// IFLA_ALT_IFNAME for names of IFNAMSIZ bytes or more, which only alternative names can be).
func (s *LinkService) GetByName(ctx context.Context, name string) (Link, error) {
	b := make([]byte, sizeofIfInfomsg, 64)
	ae := proto.NewAttrEncoder(b)
	if len(name) < unix.IFNAMSIZ {
		ae.String(unix.IFLA_IFNAME, name)
	} else {
		ae.String(unix.IFLA_ALT_IFNAME, name)
	}
	return s.get(ctx, ae.Bytes(), name)
}

// Add creates a link (RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL) from l: its Name, Info (Kind, and Data for the
// kind: a *Veth with its Peer, a *Vxlan with its ID...), and any of MTU, TxQLen, Address, Broadcast, Master,
// ParentIndex (the lower device of a vlan or macvlan), Group, Alias, NetNS and Flags (LinkUp to create it up).
// An existing name gives an error matching unix.EEXIST; a kind the kernel lacks gives a *NoDriverError (which
// matches unix.EOPNOTSUPP and carries the kernel's "Unknown device type").
func (s *LinkService) Add(ctx context.Context, l Link) error {
	return noDriver(&l, s.add(ctx, createExcl, &l))
}

// Replace creates the link as Add does, or, when a link of that name (or l.Index) exists, changes it to match l
// (RTM_NEWLINK with NLM_F_CREATE, without NLM_F_EXCL: the kernel has no NLM_F_REPLACE for links).
func (s *LinkService) Replace(ctx context.Context, l Link) error {
	return noDriver(&l, s.add(ctx, unix.NLM_F_CREATE, &l))
}

// Delete removes a link (RTM_DELLINK) by l.Index, or by l.Name when Index is 0.
func (s *LinkService) Delete(ctx context.Context, l Link) error { return s.remove(ctx, &l) }

func (l *Link) request(typ uint16) ([]byte, error) {
	if typ != unix.RTM_DELLINK {
		return l.MarshalBinary()
	}
	b := make([]byte, sizeofIfInfomsg, 32)
	putIfInfomsg(b, &Link{Index: l.Index})
	ae := proto.NewAttrEncoder(b)
	if l.Index == 0 {
		if l.Name == "" {
			return nil, fmt.Errorf("route: RTM_DELLINK: neither index nor name given")
		}
		ae.String(unix.IFLA_IFNAME, l.Name)
	}
	return ae.Bytes(), nil
}

// describe is the link's name, or "index N".
func (l *Link) describe() string {
	if l.Name != "" {
		return l.Name
	}
	return fmt.Sprintf("index %d", l.Index)
}

// LinkSet is a change to an existing link, what `ip link set` does. Zero fields are left as they are.
type LinkSet struct {
	// Up and Down set or clear IFF_UP.
	Up, Down bool
	// MTU sets IFLA_MTU.
	MTU uint32
	// Name renames the link (IFLA_IFNAME).
	Name string
	// Master enslaves the link to this index (IFLA_MASTER); NoMaster frees it (IFLA_MASTER 0).
	Master   int32
	NoMaster bool
	// Address sets the link-layer address (IFLA_ADDRESS).
	Address HWAddr
	// TxQLen sets IFLA_TXQLEN.
	TxQLen uint32
	// Alias sets IFLA_IFALIAS.
	Alias string
	// NetNS moves the link to the namespace of this file descriptor (IFLA_NET_NS_FD).
	NetNS int
	// SlaveData changes the link's settings as a port of its master (IFLA_INFO_SLAVE_DATA), e.g. *BridgePort.
	SlaveData LinkSlaveData
}

// Set changes the link with ifi_index index (RTM_NEWLINK without NLM_F_CREATE), as `ip link set` does.
func (s *LinkService) Set(ctx context.Context, index int32, ls LinkSet) error {
	if ls.Up && ls.Down {
		return fmt.Errorf("route: LinkSet: both Up and Down")
	}
	l := Link{Index: index, MTU: ls.MTU, Name: ls.Name, Master: ls.Master, Address: ls.Address, TxQLen: ls.TxQLen,
		Alias: ls.Alias, NetNS: ls.NetNS, Info: LinkInfo{SlaveData: ls.SlaveData}}
	switch {
	case ls.Up:
		l.Flags, l.Change = unix.IFF_UP, unix.IFF_UP
	case ls.Down:
		l.Flags, l.Change = 0, unix.IFF_UP
	}
	b := make([]byte, sizeofIfInfomsg, 64)
	putIfInfomsg(b, &l)
	ae := proto.NewAttrEncoder(b)
	if err := l.encodeAttrs(ae); err != nil {
		return err
	}
	if ls.NoMaster {
		ae.Uint32(unix.IFLA_MASTER, 0)
	}
	_, err := s.c.execute(ctx, unix.RTM_NEWLINK, 0, ae.Bytes(), opName(unix.RTM_NEWLINK, fmt.Sprintf("index %d", index)))
	return err
}

//go:build linux

package mirror

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// errForm says that nlkit has no call for this form of operation (ip prepend and change, flushes...): the
// writer falls back to ip.
var errForm = errors.New("no nlkit form")

// writer carries operations out in the two namespaces.
type writer struct {
	mainName, otherName string
	c, co               *route.Client // in the namespace under test, in the other
	mainFd, otherFd     int           // namespace file descriptors, for link set netns
	burstN              int           // bursts so far, for distinct prefixes
	ipErrs, nlErrs      int           // operations the kernel refused (counted, not failures)
	nlOps, ipOps        int
}

// run carries out ops in order: consecutive ip operations of one namespace and option go to one
// `ip -force -batch -` process; nlkit operations are calls.
func (w *writer) run(ctx context.Context, ops []op) error {
	var pending []*op
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := w.ipBatch(ctx, pending)
		pending = pending[:0]
		return err
	}
	for i := range ops {
		o := &ops[i]
		if o.nl || o.burst > 0 {
			// Names resolve against the state the earlier operations left: run those first.
			if err := flush(); err != nil {
				return err
			}
			call, err := w.parse(ctx, *o)
			switch {
			case errors.Is(err, errForm): // no nlkit form: ip writes it
				o.nl = false
			case err != nil: // a name that does not resolve: the kernel would have said ENODEV
				w.nlOps++
				w.nlErrs++
				o.result = "(not written: " + err.Error() + ")"
				continue
			default:
				w.nlOps++
				if err := call(ctx); err != nil {
					w.nlErrs++
					o.result = err.Error()
				}
				continue
			}
		}
		if len(pending) > 0 && (pending[0].ns != o.ns || pending[0].opt != o.opt) {
			if err := flush(); err != nil {
				return err
			}
		}
		pending = append(pending, o)
	}
	return flush()
}

// ipBatch runs the operations (of one namespace and option) in one ip process.
func (w *writer) ipBatch(ctx context.Context, ops []*op) error {
	name := w.mainName
	if ops[0].ns == "other" {
		name = w.otherName
	}
	args := []string{"-n", name, "-force"}
	if ops[0].opt != "" {
		args = append(args, ops[0].opt)
	}
	args = append(args, "-batch", "-")
	var in strings.Builder
	for _, o := range ops {
		in.WriteString(strings.Join(o.args, " ") + "\n")
	}
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Stdin = strings.NewReader(in.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	w.ipOps += len(ops)
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return fmt.Errorf("ip %s: %w", strings.Join(args, " "), err)
	}
	// ip prints a failed line's error, then "Command failed -:N" with the line number.
	var msg []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if n, ok := strings.CutPrefix(line, "Command failed -:"); ok {
			if k, err := strconv.Atoi(strings.TrimSpace(n)); err == nil && k >= 1 && k <= len(ops) {
				ops[k-1].result = strings.Join(msg, " / ")
			}
			w.ipErrs++
			msg = msg[:0]
			continue
		}
		if line != "" {
			msg = append(msg, line)
		}
	}
	return nil
}

// burst adds n routes through nlkit as fast as the kernel takes them.
func (w *writer) burst(ctx context.Context, n int) error {
	w.burstN++
	for i := range n {
		j := w.burstN*1000 + i
		dst := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200, byte(j >> 8), byte(j)}), 32)
		if err := w.c.Route.Add(ctx, route.Route{Dst: dst, OIF: 1, Table: 250}); err != nil {
			w.nlErrs++
		}
	}
	return nil
}

// index resolves a link name in the namespace of c.
func index(ctx context.Context, c *route.Client, name string) (int32, error) {
	l, err := c.Link.GetByName(ctx, name)
	if err != nil {
		return 0, err
	}
	return l.Index, nil
}

// parse turns an ip command line of the grammar into an nlkit call. Names are resolved now (so parse is
// called just before the call); a name that does not resolve gives a non-errForm error.
func (w *writer) parse(ctx context.Context, o op) (func(context.Context) error, error) {
	if o.burst > 0 {
		return func(ctx context.Context) error { return w.burst(ctx, o.burst) }, nil
	}
	c := w.c
	if o.ns == "other" {
		c = w.co
	}
	a := o.args
	if len(a) < 3 {
		return nil, errForm
	}
	switch a[0] {
	case "link":
		return w.parseLink(ctx, c, a[1:])
	case "addr":
		return parseAddr(ctx, c, a[1:])
	case "route":
		return parseRoute(ctx, c, a[1:])
	case "nexthop":
		return parseNexthop(ctx, c, a[1:])
	case "neigh":
		return parseNeigh(ctx, c, a[1:])
	case "rule":
		if o.opt != "" && o.opt != "-6" {
			return nil, errForm
		}
		return parseRule(ctx, c, a[1:], o.opt == "-6")
	}
	return nil, errForm
}

func (w *writer) parseLink(ctx context.Context, c *route.Client, a []string) (func(context.Context) error, error) {
	switch a[0] {
	case "add":
		l := route.Link{Name: a[1]}
		for i := 2; i+1 < len(a); i += 2 {
			switch a[i] {
			case "link":
				p, err := index(ctx, c, a[i+1])
				if err != nil {
					return nil, err
				}
				l.ParentIndex = p
			case "type":
				l.Info.Kind = a[i+1]
				switch a[i+1] {
				case "veth": // type veth peer name X
					l.Info.Data = &route.Veth{Peer: route.Link{Name: a[len(a)-1]}}
					i = len(a)
				case "macvlan":
					l.Info.Data = &route.Macvlan{Mode: route.MacvlanBridge}
				case "vxlan":
					l.Info.Data = &route.Vxlan{ID: 42, Port: 4789, Learning: true}
				case "vlan":
					l.Info.Data = &route.Vlan{ID: 10}
				case "vrf":
					l.Info.Data = &route.VRF{Table: 10}
				}
			}
		}
		return func(ctx context.Context) error { return c.Link.Add(ctx, l) }, nil
	case "del":
		return func(ctx context.Context) error { return c.Link.Delete(ctx, route.Link{Name: a[1]}) }, nil
	case "set":
		idx, err := index(ctx, c, a[1])
		if err != nil {
			return nil, err
		}
		var ls route.LinkSet
		switch a[2] {
		case "up":
			ls.Up = true
		case "down":
			ls.Down = true
		case "nomaster":
			ls.NoMaster = true
		case "mtu":
			n, _ := strconv.Atoi(a[3])
			ls.MTU = uint32(n)
		case "name":
			ls.Name = a[3]
		case "alias":
			ls.Alias = a[3]
		case "master":
			m, err := index(ctx, c, a[3])
			if err != nil {
				return nil, err
			}
			ls.Master = m
		case "netns":
			ls.NetNS = w.mainFd
			if a[3] == w.otherName {
				ls.NetNS = w.otherFd
			}
		default:
			return nil, errForm
		}
		return func(ctx context.Context) error { return c.Link.Set(ctx, idx, ls) }, nil
	}
	return nil, errForm
}

func parseAddr(ctx context.Context, c *route.Client, a []string) (func(context.Context) error, error) {
	if a[0] == "flush" {
		return nil, errForm
	}
	p, err := netip.ParsePrefix(a[1])
	if err != nil || len(a) < 4 || a[2] != "dev" {
		return nil, errForm
	}
	idx, err := index(ctx, c, a[3])
	if err != nil {
		return nil, err
	}
	ad := route.AddrFrom(idx, p)
	for i := 4; i < len(a); i++ {
		switch a[i] {
		case "nodad":
			ad.Flags |= unix.IFA_F_NODAD
		case "noprefixroute":
			ad.Flags |= unix.IFA_F_NOPREFIXROUTE
		case "valid_lft", "preferred_lft":
			v := uint32(route.Forever)
			if a[i+1] != "forever" {
				n, _ := strconv.Atoi(a[i+1])
				v = uint32(n)
			}
			if a[i] == "valid_lft" {
				ad.CacheInfo.Valid = v
			} else {
				ad.CacheInfo.Preferred = v
			}
			i++
		case "metric":
			n, _ := strconv.Atoi(a[i+1])
			ad.RoutePriority = uint32(n)
			i++
		default:
			return nil, errForm
		}
	}
	return bind(a[0], ad, map[string]func(context.Context, route.Addr) error{
		"add": c.Addr.Add, "replace": c.Addr.Replace, "del": c.Addr.Delete})
}

// bind returns the write ops names for verb, applied to v, or errForm when verb has none.
func bind[T any](verb string, v T, ops map[string]func(context.Context, T) error) (func(context.Context) error, error) {
	op, ok := ops[verb]
	if !ok {
		return nil, errForm
	}
	return func(ctx context.Context) error { return op(ctx, v) }, nil
}

func parseRoute(ctx context.Context, c *route.Client, a []string) (func(context.Context) error, error) {
	var do func(context.Context, route.Route) error
	switch a[0] {
	case "add":
		do = c.Route.Add
	case "replace":
		do = c.Route.Replace
	case "append":
		do = c.Route.Append
	case "del":
		do = c.Route.Delete
	default: // prepend, change (no nlkit call has their flags), flush
		return nil, errForm
	}
	var r route.Route
	i := 1
	if t, ok := route.ParseRouteType(a[i]); ok && a[i] != "unicast" {
		r.Type = t
		i++
	}
	dst, err := netip.ParsePrefix(a[i])
	if err != nil {
		return nil, errForm
	}
	r.Dst = dst
	i++
	var hop *route.Hop
	for ; i < len(a); i++ {
		k := a[i]
		if k == "nexthop" {
			mp := &r.EnsureExtra().MultiPath
			*mp = append(*mp, route.Hop{})
			hop = &(*mp)[len(*mp)-1]
			continue
		}
		if i+1 >= len(a) {
			return nil, errForm
		}
		v := a[i+1]
		i++
		switch k {
		case "via":
			gw, err := netip.ParseAddr(v)
			if err != nil {
				return nil, errForm
			}
			if hop != nil {
				hop.Gateway = gw
			} else {
				r.Gateway = gw
			}
		case "dev":
			idx, err := index(ctx, c, v)
			if err != nil {
				return nil, err
			}
			if hop != nil {
				hop.OIF = idx
			} else {
				r.OIF = idx
			}
		case "weight":
			n, _ := strconv.Atoi(v)
			if hop == nil || n < 1 {
				return nil, errForm
			}
			hop.Hops = uint8(n - 1)
		case "table":
			t, ok := route.ParseTable(v)
			if !ok {
				return nil, errForm
			}
			r.Table = t
		case "metric":
			n, _ := strconv.Atoi(v)
			r.Priority, r.HasPriority = uint32(n), true
		case "src":
			s, err := netip.ParseAddr(v)
			if err != nil {
				return nil, errForm
			}
			r.EnsureExtra().PrefSrc = s
		case "nhid":
			n, _ := strconv.Atoi(v)
			r.NexthopID = uint32(n)
		case "proto":
			p, ok := route.ParseProtocol(v)
			if !ok {
				return nil, errForm
			}
			r.Protocol = p
		default:
			return nil, errForm
		}
	}
	return func(ctx context.Context) error { return do(ctx, r) }, nil
}

func parseNexthop(ctx context.Context, c *route.Client, a []string) (func(context.Context) error, error) {
	if len(a) < 3 || a[1] != "id" {
		return nil, errForm
	}
	id, err := strconv.Atoi(a[2])
	if err != nil {
		return nil, errForm
	}
	nh := route.Nexthop{ID: uint32(id)}
	for i := 3; i < len(a); i++ {
		switch a[i] {
		case "blackhole":
			nh.Blackhole = true
		case "via":
			gw, err := netip.ParseAddr(a[i+1])
			if err != nil {
				return nil, errForm
			}
			nh.Gateway = gw
			i++
		case "dev":
			idx, err := index(ctx, c, a[i+1])
			if err != nil {
				return nil, err
			}
			nh.OIF = idx
			i++
		case "group":
			for _, m := range strings.Split(a[i+1], "/") {
				id, w, _ := strings.Cut(m, ",")
				n, _ := strconv.Atoi(id)
				wt := 1
				if w != "" {
					wt, _ = strconv.Atoi(w)
				}
				nh.Group = append(nh.Group, route.NexthopGroupMember{ID: uint32(n), Weight: uint32(wt)})
			}
			i++
		default:
			return nil, errForm
		}
	}
	if !nh.Gateway.IsValid() && len(nh.Group) == 0 {
		nh.Family = unix.AF_INET // ip nexthop add id N dev D (or blackhole): AF_INET, as ip sends it
	}
	return bind(a[0], nh, map[string]func(context.Context, route.Nexthop) error{
		"add": c.Nexthop.Add, "replace": c.Nexthop.Replace, "del": c.Nexthop.Delete})
}

func parseNeigh(ctx context.Context, c *route.Client, a []string) (func(context.Context) error, error) {
	if a[0] == "flush" || len(a) < 4 {
		return nil, errForm
	}
	dst, err := netip.ParseAddr(a[1])
	if err != nil {
		return nil, errForm
	}
	n := route.Neigh{Dst: dst}
	if dst.Is4() {
		n.Family = unix.AF_INET
	} else {
		n.Family = unix.AF_INET6
	}
	for i := 2; i+1 < len(a); i += 2 {
		switch a[i] {
		case "lladdr":
			hw, err := route.ParseHWAddr(a[i+1])
			if err != nil {
				return nil, errForm
			}
			n.LLAddr = hw
		case "dev":
			idx, err := index(ctx, c, a[i+1])
			if err != nil {
				return nil, err
			}
			n.Index = idx
		case "nud":
			s, ok := route.ParseNeighState(a[i+1])
			if !ok {
				return nil, errForm
			}
			n.State = s
		default:
			return nil, errForm
		}
	}
	return bind(a[0], n, map[string]func(context.Context, route.Neigh) error{
		"add": c.Neigh.Add, "replace": c.Neigh.Replace, "change": c.Neigh.Change, "del": c.Neigh.Delete})
}

func parseRule(_ context.Context, c *route.Client, a []string, v6 bool) (func(context.Context) error, error) {
	r := route.Rule{Family: unix.AF_INET}
	if v6 {
		r.Family = unix.AF_INET6
	}
	for i := 1; i < len(a); i++ {
		k := a[i]
		if k == "not" {
			r.Flags |= unix.FIB_RULE_INVERT
			continue
		}
		if i+1 >= len(a) {
			return nil, errForm
		}
		v := a[i+1]
		i++
		switch k {
		case "pref":
			n, _ := strconv.Atoi(v)
			r.Priority = uint32(n)
		case "iif":
			r.IIFName = v
		case "oif":
			r.OIFName = v
		case "from", "to":
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, errForm
			}
			if p.Addr().Is6() {
				r.Family = unix.AF_INET6
			} else {
				r.Family = unix.AF_INET
			}
			if k == "from" {
				r.Src = p
			} else {
				r.Dst = p
			}
		case "table":
			t, ok := route.ParseTable(v)
			if !ok {
				return nil, errForm
			}
			r.Table = t
		case "fwmark":
			m, mask, hasMask := strings.Cut(v, "/")
			n, err := strconv.ParseUint(m, 0, 32)
			if err != nil {
				return nil, errForm
			}
			r.Mark = uint32(n)
			if hasMask {
				n, err := strconv.ParseUint(mask, 0, 32)
				if err != nil {
					return nil, errForm
				}
				r.Mask, r.HasMask = uint32(n), true
			}
		case "ipproto":
			if v != "tcp" {
				return nil, errForm
			}
			r.IPProto = unix.IPPROTO_TCP
		case "dport":
			n, _ := strconv.Atoi(v)
			r.DPortStart, r.DPortEnd = uint16(n), uint16(n)
		default:
			return nil, errForm
		}
	}
	if a[0] == "del" && r.Table != 0 {
		r.Action = route.RuleToTable
	}
	// Delete sends what r sets: "rule del pref P" deletes the first rule of that priority.
	return bind(a[0], r, map[string]func(context.Context, route.Rule) error{"add": c.Rule.Add, "del": c.Rule.Delete})
}

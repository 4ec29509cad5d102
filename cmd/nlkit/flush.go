package main

import (
	"errors"
	"fmt"
	"net/netip"
	"path"
	"slices"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// maxFlushRounds is MAX_ROUNDS of ip's flush loops.
const maxFlushRounds = 10

// flushRounds repeats round, which deletes what the filter selects and says how many, until nothing is left,
// printing ip's -s report ("*** Round N, deleting M entries ***").
func (a *app) flushRounds(what string, round func() (int, error)) error {
	for r := 1; ; r++ {
		n, err := round()
		if err != nil {
			return err
		}
		if n == 0 {
			if a.stats > 0 {
				if r == 1 {
					a.p.b = append(a.p.b, "Nothing to flush.\n"...)
				} else {
					plural := "s"
					if r == 2 {
						plural = ""
					}
					a.p.b = fmt.Appendf(a.p.b, "*** Flush is complete after %d round%s ***\n", r-1, plural)
				}
			}
			return nil
		}
		if a.stats > 0 {
			a.p.b = fmt.Appendf(a.p.b, "\n*** Round %d, deleting %d %s ***\n", r, n, what)
		}
		if r == maxFlushRounds {
			a.p.b = fmt.Appendf(a.p.b, "*** Flush remains incomplete after %d rounds. ***\n", r)
			return nil
		}
	}
}

// flushRoutes is `ip route flush SELECTOR` (the selectors of ip route show; table main unless given).
func (a *app) flushRoutes(argv []string) error {
	if len(argv) == 0 {
		return &notFoundError{msg: `"ip route flush" requires arguments.`}
	}
	if argv[0] == "cache" {
		return nil // the IPv4 route cache is gone since Linux 3.6; ip writes to a sysctl that does nothing
	}
	q, err := a.parseRouteQuery(argv)
	if err != nil {
		return err
	}
	if _, err := a.linkCache(); err != nil {
		return err
	}
	if t := q.filter.Table; t != 0 && t != route.TableMain && t != route.TableLocal {
		// The kernel refuses to dump a table it never made (ip: "FIB table does not exist"); the library lists
		// it as empty. A table no route of the family uses is taken for one that does not exist.
		all, err := a.c.Route.List(a.ctx, &route.RouteFilter{Family: q.filter.Family})
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(all, func(r route.Route) bool { return r.Table == t }) {
			fam := "ipv4"
			if q.filter.Family == unix.AF_INET6 {
				fam = "ipv6"
			}
			return usagef("Error: %s: FIB table does not exist.\nFlush terminated", fam)
		}
	}
	return a.flushRounds("entries", func() (int, error) {
		routes, err := a.c.Route.List(a.ctx, &q.filter)
		if err != nil {
			return 0, err
		}
		n := 0
		for i := range routes {
			r := &routes[i]
			if !q.match(r) || isIPv6Unreachable(r) {
				continue
			}
			if err := edit(a.ctx, a.c.Route, opDelete, *r); err != nil && !errors.Is(err, unix.ESRCH) {
				return n, err
			}
			n++
		}
		return n, nil
	})
}

// isIPv6Unreachable is the IPv6 table's default unreachable route (metric 0xffffffff), which ip's flush
// leaves.
func isIPv6Unreachable(r *route.Route) bool {
	return r.Family == unix.AF_INET6 && (!r.Dst.IsValid() || r.Dst.Bits() == 0) &&
		r.Type == route.TypeUnreachable && r.Priority == 0xffffffff
}

// flushNeighs is `ip neigh flush SELECTOR` (the selectors of ip neigh show; PERMANENT and NOARP entries stay
// unless a nud state names them).
func (a *app) flushNeighs(argv []string) error {
	if len(argv) == 0 {
		return &notFoundError{msg: "Flush requires arguments."}
	}
	q, err := a.parseNeighQuery(argv, true)
	if err != nil {
		return err
	}
	return a.flushRounds("entries", func() (int, error) {
		neighs, err := a.neighs(q)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, nb := range neighs {
			if err := edit(a.ctx, a.c.Neigh, opDelete, nb); err != nil && !errors.Is(err, unix.ENOENT) {
				return n, err
			}
			n++
		}
		return n, nil
	})
}

// addrFlushQuery is what `ip addr flush` selects.
type addrFlushQuery struct {
	dev, label       string
	up               bool
	scope            route.Scope
	hasScope         bool
	flags, flagsMask route.AddrFlags
}

// flushAddrs is `ip addr flush [dev DEV] [scope S] [label PATTERN] [to PREFIX] [up] [primary|secondary]
// [permanent|dynamic]`.
func (a *app) flushAddrs(argv []string) error {
	if len(argv) == 0 {
		return &notFoundError{msg: "Flush requires arguments."}
	}
	var q addrFlushQuery
	var to []netip.Prefix
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "up":
			q.up = true
			continue
		case "primary", "secondary", "permanent", "dynamic":
			bit := route.AddrSecondary
			if w == "permanent" || w == "dynamic" {
				bit = route.AddrPermanent
			}
			q.flagsMask |= bit
			if w == "secondary" || w == "permanent" {
				q.flags |= bit
			}
			continue
		case "dev", "scope", "label", "to":
			v, err := av.value()
			if err != nil {
				return err
			}
			switch w {
			case "dev":
				q.dev = v
			case "scope":
				if q.scope, err = parseScope(v); err != nil {
					return err
				}
				q.hasScope = true
			case "label":
				q.label = v
			case "to":
				p, err := parseFilterPrefix(v, a.family)
				if err != nil {
					return err
				}
				to = append(to, p)
			}
			continue
		}
		if q.dev != "" {
			return usagef("Error: either \"dev\" is duplicate, or %q is a garbage.", w)
		}
		q.dev = w
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	f := route.AddrFilter{Family: a.family}
	if q.dev != "" {
		n, ok := lc.byName[q.dev]
		if !ok {
			return &notFoundError{msg: "Device \"" + q.dev + "\" does not exist."}
		}
		f.Index = lc.list[n].Index
	}
	return a.flushRounds("addresses", func() (int, error) {
		addrs, err := a.c.Addr.List(a.ctx, &f)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, ad := range addrs {
			if l, ok := lc.link(ad.Index); q.up && (!ok || !l.IsUp()) {
				continue
			}
			if q.hasScope && ad.Scope != q.scope || (ad.Flags^q.flags)&q.flagsMask != 0 {
				continue
			}
			if q.label != "" {
				label := ad.Label
				if label == "" {
					label = lc.name(ad.Index)
				}
				if ok, _ := path.Match(q.label, label); !ok {
					continue
				}
			}
			if !prefixesContain(to, ad) {
				continue
			}
			// Deleting a primary IPv4 address takes its secondaries with it: theirs fail as ip's do, unseen.
			if err := edit(a.ctx, a.c.Addr, opDelete, ad); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) &&
				!errors.Is(err, unix.ENOENT) {
				return n, err
			}
			n++
		}
		return n, nil
	})
}

// prefixesContain reports whether the address's local address is inside every `to` prefix (none: true).
func prefixesContain(to []netip.Prefix, ad route.Addr) bool {
	for _, p := range to {
		if p.Bits() == 0 {
			continue
		}
		if familyOf(p.Addr()) != familyOf(ad.Local) || !p.Masked().Contains(ad.Local) {
			return false
		}
	}
	return true
}

package main

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// matches is iproute2's matches(): arg is a non-empty prefix of word ("sh" for "show").
func matches(arg, word string) bool { return arg != "" && strings.HasPrefix(word, arg) }

// args walks a command line the way ip's NEXT_ARG() does.
type args struct {
	v []string
	i int
}

func newArgs(v []string) *args { return &args{v: v} }

// more reports whether an argument is left.
func (a *args) more() bool { return a.i < len(a.v) }

// take returns the current argument and moves past it.
func (a *args) take() string {
	s := a.v[a.i]
	a.i++
	return s
}

// value returns the argument after a keyword, or ip's "Command line is not complete" error.
func (a *args) value() (string, error) {
	if !a.more() {
		return "", incomplete()
	}
	return a.take(), nil
}

// peek returns the current argument, or "".
func (a *args) peek() string {
	if !a.more() {
		return ""
	}
	return a.v[a.i]
}

// keyValues reads the arguments left in av as a link kind's KEYWORD VALUE pairs, as ip's kind parsers do:
// keys are the keywords that take a value, flags those that take none (space-separated), and set gets each
// keyword with its value ("" for a flag). Another word is ip's "KIND: unknown command" error.
func (a *args) keyValues(kind, flags, keys string, set func(w, v string) error) error {
	for a.more() {
		w, v := a.take(), ""
		switch {
		case slices.Contains(strings.Fields(flags), w):
		case slices.Contains(strings.Fields(keys), w):
			var err error
			if v, err = a.value(); err != nil {
				return err
			}
		default:
			return usagef("%s: unknown command %q?", kind, w)
		}
		if err := set(w, v); err != nil {
			return err
		}
	}
	return nil
}

// parseAddr reads an address of family (0: either), accepting ip's short IPv4 forms ("10" is 10.0.0.0).
func parseAddr(s string, family uint8) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil && !strings.Contains(s, ":") {
		a, err = parseShortIPv4(s)
	}
	if err != nil {
		return netip.Addr{}, invarg("invalid address", s)
	}
	a = a.Unmap()
	if a.Zone() != "" {
		return netip.Addr{}, invarg("invalid address", s)
	}
	if family != 0 && familyOf(a) != family {
		return netip.Addr{}, invarg("address family mismatch", s)
	}
	return a, nil
}

func parseShortIPv4(s string) (netip.Addr, error) {
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, strconv.ErrSyntax
	}
	var b [4]byte
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return netip.Addr{}, err
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), nil
}

// parsePrefix reads "ADDR/LEN" or "ADDR" (a host prefix) of family (0: either). "default", "all" and "any"
// give ok true and the zero Prefix when the family is not known yet, or the family's ::/0 or 0.0.0.0/0.
// The address keeps its host bits, as ip sends it, so the kernel can judge it.
func parsePrefix(s string, family uint8) (p netip.Prefix, isDefault bool, err error) {
	if s == "default" || s == "all" || s == "any" {
		if family == unix.AF_INET {
			return netip.PrefixFrom(netip.IPv4Unspecified(), 0), true, nil
		}
		if family == unix.AF_INET6 {
			return netip.PrefixFrom(netip.IPv6Unspecified(), 0), true, nil
		}
		return netip.Prefix{}, true, nil
	}
	addr, bits, hasLen := strings.Cut(s, "/")
	a, err := parseAddr(addr, family)
	if err != nil {
		return netip.Prefix{}, false, invarg("invalid prefix", s)
	}
	n := a.BitLen()
	if hasLen {
		v, err := strconv.ParseUint(bits, 10, 8)
		if err != nil || int(v) > a.BitLen() {
			return netip.Prefix{}, false, invarg("invalid prefix length", s)
		}
		n = int(v)
	}
	return netip.PrefixFrom(a, n), false, nil
}

func familyOf(a netip.Addr) uint8 {
	switch {
	case a.Is4():
		return unix.AF_INET
	case a.Is6():
		return unix.AF_INET6
	}
	return 0
}

func parseU32(s, what string) (uint32, error) {
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, invarg(`"`+what+`" value is invalid`, s)
	}
	return uint32(v), nil
}

// parseTable reads a table name or number ("main", "local", "default", 254...).
func parseTable(s string) (uint32, error) {
	t, ok := route.ParseTable(s)
	if !ok || s == "all" || s == "unspec" {
		return 0, invarg(`"table" value is invalid`, s)
	}
	return t, nil
}

// parseScope reads a scope name ("universe" too) or number, as rtnl_rtscope_a2n does.
func parseScope(s string) (route.Scope, error) {
	if s == "universe" {
		return route.ScopeUniverse, nil
	}
	sc, ok := route.ParseScope(s)
	if !ok {
		return 0, invarg(`invalid "scope" value`, s)
	}
	return sc, nil
}

func parseProtocol(s string) (route.Protocol, error) {
	p, ok := route.ParseProtocol(s)
	if !ok {
		return 0, invarg(`"protocol" value is invalid`, s)
	}
	return p, nil
}

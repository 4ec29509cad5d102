package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// linkCache maps link indexes to links and names to indexes, as iproute2's ll_map does: one link dump, taken
// when a command first needs a name.
type linkCache struct {
	list    []route.Link
	byIndex map[int32]int
	byName  map[string]int
}

func newLinkCache(links []route.Link) *linkCache {
	lc := &linkCache{list: links, byIndex: make(map[int32]int, len(links)), byName: make(map[string]int, len(links))}
	for i, l := range links {
		lc.byIndex[l.Index] = i
		lc.byName[l.Name] = i
		for _, alt := range l.AltNames {
			if _, ok := lc.byName[alt]; !ok {
				lc.byName[alt] = i
			}
		}
	}
	return lc
}

// linkCache returns the links of the namespace, dumping them on first use.
func (a *app) linkCache() (*linkCache, error) {
	if a.links != nil {
		return a.links, nil
	}
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	links, err := c.Link.List(a.ctx, nil)
	if err != nil {
		return nil, err
	}
	a.links = newLinkCache(links)
	return a.links, nil
}

// link returns the link with index i.
func (lc *linkCache) link(i int32) (*route.Link, bool) {
	if lc == nil {
		return nil, false
	}
	n, ok := lc.byIndex[i]
	if !ok {
		return nil, false
	}
	return &lc.list[n], true
}

// name is ll_index_to_name: the link's name, or "if<index>" for an unknown one.
func (lc *linkCache) name(i int32) string {
	if l, ok := lc.link(i); ok {
		return l.Name
	}
	return fmt.Sprintf("if%d", i)
}

// ifindex resolves a link name (or alternative name) to its index; a missing one gives ip's
// `Cannot find device "X"`.
func (a *app) ifindex(name string) (int32, error) {
	lc, err := a.linkCache()
	if err != nil {
		return 0, err
	}
	if n, ok := lc.byName[name]; ok {
		return lc.list[n].Index, nil
	}
	// A link made since the dump (or one only the kernel can resolve): ask.
	c, err := a.client()
	if err != nil {
		return 0, err
	}
	l, err := c.Link.GetByName(a.ctx, name)
	if err != nil {
		if errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
			return 0, &notFoundError{msg: fmt.Sprintf("Cannot find device %q", name)}
		}
		return 0, err
	}
	return l.Index, nil
}

// hostBits is af_bit_len.
func hostBits(f uint8) int {
	switch f {
	case unix.AF_INET, 128:
		return 32
	case unix.AF_INET6, 129:
		return 128
	case unix.AF_MPLS:
		return 20
	}
	return 0
}

// dsfieldTable is the file ip reads DSCP names from (rtnl_rtdsfield_initialize).
const dsfieldTable = "/etc/iproute2/rt_dsfield"

// parseDSField is rtnl_dsfield_a2n: a name of /etc/iproute2/rt_dsfield ("AF11", "CS1"...) or a number read
// as strtoul(arg, &end, 16) reads it: hexadecimal, "0x" allowed, up to 255. what is the error's text.
func parseDSField(s, what string) (uint8, error) {
	if v, ok := lookupNameTable(dsfieldTable, s); ok && v <= 255 {
		return uint8(v), nil
	}
	h := strings.TrimLeft(s, " \t\n\v\f\r")
	h = strings.TrimPrefix(h, "+")
	if len(h) > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
		h = h[2:]
	}
	n, err := strconv.ParseUint(h, 16, 64)
	if err != nil || n > 255 {
		return 0, invarg(what, s)
	}
	return uint8(n), nil
}

// lookupNameTable finds name in one of iproute2's "NUMBER NAME" files (rtnl_tab_initialize's format: '#'
// comments, numbers in any C base).
func lookupNameTable(path, name string) (uint32, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[1] != name {
			continue
		}
		if v, err := strconv.ParseUint(f[0], 0, 32); err == nil {
			return uint32(v), true
		}
	}
	return 0, false
}

package main

import (
	"errors"
	"fmt"

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

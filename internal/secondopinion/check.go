//go:build linux

package secondopinion

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Report is what Check found.
type Report struct {
	// Compared counts the objects decoded by both libraries from the same bytes, by kind ("link", "addr",
	// "route", "neigh", "rule").
	Compared map[string]int
	// Skipped counts the objects left out for a documented limitation of jsimonetti (see the package
	// documentation), by kind.
	Skipped map[string]int
	// Diffs lists the disagreements, one line each: "route 10.0.0.0/24 table 254: oif nlkit 3, jsimonetti 4".
	Diffs []string
}

// String summarises the counts.
func (r *Report) String() string {
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, r.Compared[k]))
		if n := r.Skipped[k]; n > 0 {
			parts[len(parts)-1] += fmt.Sprintf(" (%d skipped)", n)
		}
	}
	return "compared " + strings.Join(parts, ", ") + fmt.Sprintf("; %d differences", len(r.Diffs))
}

var kinds = []string{"link", "addr", "route", "neigh", "rule"}

// capture is an nlkit.Tap that keeps a copy of every datagram received.
type capture struct {
	mu  sync.Mutex
	got [][]byte
}

func (c *capture) Sent(int, uint32, nlkit.Sockaddr, []byte) {}

func (c *capture) Received(_ int, _ uint32, _ nlkit.Sockaddr, b []byte) {
	c.mu.Lock()
	c.got = append(c.got, append([]byte(nil), b...))
	c.mu.Unlock()
}

// take returns the messages of type typ of the last dump attempt received since the last call (the messages
// with the highest sequence number), and forgets everything received.
func (c *capture) take(typ uint16) ([][]byte, error) {
	c.mu.Lock()
	got := c.got
	c.got = nil
	c.mu.Unlock()
	var out [][]byte
	var seq uint32
	for _, d := range got {
		it := proto.NewIter(d)
		for it.Next() {
			m := it.Message()
			if m.Header.Type != typ {
				continue
			}
			if len(out) == 0 || m.Header.Sequence != seq {
				if len(out) > 0 && m.Header.Sequence < seq {
					continue
				}
				out, seq = out[:0], m.Header.Sequence
			}
			out = append(out, m.Data)
		}
		if err := it.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Check compares nlkit's and jsimonetti's decoding of the links, addresses, routes, neighbours and rules of
// the network namespace netns (a file descriptor; 0 is the calling thread's): first from the same bytes, then
// from jsimonetti's own dumps (see the package documentation). An error means a dump failed; disagreements
// are in Report.Diffs.
func Check(ctx context.Context, netns int) (*Report, error) {
	tap := &capture{}
	c, err := route.Dial(&route.Config{NetNS: netns, Tap: tap})
	if err != nil {
		return nil, fmt.Errorf("secondopinion: route.Dial: %w", err)
	}
	defer c.Close()
	js, err := rtnetlink.Dial(&netlink.Config{NetNS: netns})
	if err != nil {
		return nil, fmt.Errorf("secondopinion: rtnetlink.Dial: %w", err)
	}
	defer js.Close()

	rep := &Report{Compared: map[string]int{}, Skipped: map[string]int{}}
	ours := map[string][]string{}
	diff := func(kind string, ds []string) {
		for _, d := range ds {
			rep.Diffs = append(rep.Diffs, kind+" "+d)
		}
	}

	links, err := c.Link.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("secondopinion: nlkit link dump: %w", err)
	}
	if err := sameBytes(rep, tap, unix.RTM_NEWLINK, links, compareLink); err != nil {
		return nil, err
	}
	for i := range links {
		ours["link"] = append(ours["link"], linkKey(int32(links[i].Index), links[i].Name))
	}

	addrs, err := c.Addr.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("secondopinion: nlkit address dump: %w", err)
	}
	if err := sameBytes(rep, tap, unix.RTM_NEWADDR, addrs, compareAddr); err != nil {
		return nil, err
	}
	for i := range addrs {
		ours["addr"] = append(ours["addr"], addrKey(&addrs[i]))
	}

	routes, err := c.Route.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("secondopinion: nlkit route dump: %w", err)
	}
	if err := sameBytes(rep, tap, unix.RTM_NEWROUTE, routes, compareRoute); err != nil {
		return nil, err
	}
	for i := range routes {
		ours["route"] = append(ours["route"], routeKey(&routes[i]))
	}

	neighs, err := c.Neigh.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("secondopinion: nlkit neighbour dump: %w", err)
	}
	if err := sameBytes(rep, tap, unix.RTM_NEWNEIGH, neighs, compareNeigh); err != nil {
		return nil, err
	}
	for i := range neighs {
		ours["neigh"] = append(ours["neigh"], neighKey(&neighs[i]))
	}

	rules, err := c.Rule.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("secondopinion: nlkit rule dump: %w", err)
	}
	if err := sameBytes(rep, tap, unix.RTM_NEWRULE, rules, compareRule); err != nil {
		return nil, err
	}
	for i := range rules {
		ours["rule"] = append(ours["rule"], ruleKey(&rules[i]))
	}

	theirs, err := jsKeys(js)
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		if t, ok := theirs[k]; ok {
			diff(k, diffKeys(ours[k], t))
		}
	}
	return rep, nil
}

// sameBytes compares each captured message of type typ, decoded by jsimonetti, with the object nlkit's List
// gave for it.
func sameBytes[T any](rep *Report, tap *capture, typ uint16, objs []T,
	compare func(o *T, payload []byte) (kind string, diffs []string, skipped bool)) error {
	msgs, err := tap.take(typ)
	if err != nil {
		return fmt.Errorf("secondopinion: captured datagrams: %w", err)
	}
	if len(msgs) != len(objs) {
		rep.Diffs = append(rep.Diffs, fmt.Sprintf("message type %d: the dump had %d messages, nlkit's List returned %d objects",
			typ, len(msgs), len(objs)))
		return nil
	}
	for i := range objs {
		kind, ds, skipped := compare(&objs[i], msgs[i])
		if skipped {
			rep.Skipped[kind]++
			continue
		}
		rep.Compared[kind]++
		for _, d := range ds {
			rep.Diffs = append(rep.Diffs, kind+" "+d)
		}
	}
	return nil
}

// Compare decodes one rtnetlink message payload (RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWNEIGH or
// RTM_NEWRULE: the bytes after struct nlmsghdr) with both libraries and returns their disagreements. skipped
// reports a message left out for a documented jsimonetti limitation.
func Compare(typ uint16, payload []byte) (diffs []string, skipped bool, err error) {
	one := func(kind string, ds []string, sk bool) ([]string, bool, error) {
		for i := range ds {
			ds[i] = kind + " " + ds[i]
		}
		return ds, sk, nil
	}
	switch typ {
	case unix.RTM_NEWLINK:
		var o route.Link
		if err := o.UnmarshalBinary(payload); err != nil {
			return nil, false, err
		}
		return one(compareLink(&o, payload))
	case unix.RTM_NEWADDR:
		var o route.Addr
		if err := o.UnmarshalBinary(payload); err != nil {
			return nil, false, err
		}
		return one(compareAddr(&o, payload))
	case unix.RTM_NEWROUTE:
		var o route.Route
		if err := o.UnmarshalBinary(payload); err != nil {
			return nil, false, err
		}
		return one(compareRoute(&o, payload))
	case unix.RTM_NEWNEIGH:
		var o route.Neigh
		if err := o.UnmarshalBinary(payload); err != nil {
			return nil, false, err
		}
		return one(compareNeigh(&o, payload))
	case unix.RTM_NEWRULE:
		var o route.Rule
		if err := o.UnmarshalBinary(payload); err != nil {
			return nil, false, err
		}
		return one(compareRule(&o, payload))
	}
	return nil, false, fmt.Errorf("secondopinion: message type %d is not an rtnetlink object", typ)
}

// jsUnknownRuleAttr is the text of the error jsimonetti's rule decoder gives for an attribute it does not know.
const jsUnknownRuleAttr = "RuleMessage contains an unknown Attribute"

// jsKeys dumps everything with jsimonetti's own Conn and returns the objects' keys by kind.
func jsKeys(js *rtnetlink.Conn) (map[string][]string, error) {
	keys := map[string][]string{"link": nil, "addr": nil, "route": nil, "neigh": nil, "rule": nil}
	links, err := js.Link.List()
	if err != nil {
		return nil, fmt.Errorf("secondopinion: jsimonetti link dump: %w", err)
	}
	for _, l := range links {
		name := ""
		if l.Attributes != nil {
			name = l.Attributes.Name
		}
		keys["link"] = append(keys["link"], linkKey(int32(l.Index), name))
	}
	addrs, err := js.Address.List()
	if err != nil {
		return nil, fmt.Errorf("secondopinion: jsimonetti address dump: %w", err)
	}
	for i := range addrs {
		keys["addr"] = append(keys["addr"], jsAddrKey(&addrs[i]))
	}
	routes, err := js.Route.List()
	if err != nil {
		return nil, fmt.Errorf("secondopinion: jsimonetti route dump: %w", err)
	}
	for i := range routes {
		keys["route"] = append(keys["route"], jsRouteKey(&routes[i]))
	}
	neighs, err := js.Neigh.List()
	if err != nil {
		return nil, fmt.Errorf("secondopinion: jsimonetti neighbour dump: %w", err)
	}
	for i := range neighs {
		keys["neigh"] = append(keys["neigh"], jsNeighKey(&neighs[i]))
	}
	rules, err := js.Rule.List()
	if err != nil {
		// A rule with an attribute jsimonetti does not know fails the whole dump (see the package doc).
		if !strings.Contains(err.Error(), jsUnknownRuleAttr) {
			return nil, fmt.Errorf("secondopinion: jsimonetti rule dump: %w", err)
		}
		delete(keys, "rule") // not compared
		return keys, nil
	}
	for i := range rules {
		keys["rule"] = append(keys["rule"], jsRuleKey(&rules[i]))
	}
	return keys, nil
}

// diffKeys lists the keys one side has and the other has not (as multisets).
func diffKeys(ours, theirs []string) []string {
	count := map[string]int{}
	for _, k := range ours {
		count[k]++
	}
	for _, k := range theirs {
		count[k]--
	}
	var out []string
	for k, n := range count {
		switch {
		case n > 0:
			out = append(out, fmt.Sprintf("%s: in nlkit's dump %d more time(s) than in jsimonetti's", k, n))
		case n < 0:
			out = append(out, fmt.Sprintf("%s: in jsimonetti's dump %d more time(s) than in nlkit's", k, -n))
		}
	}
	sort.Strings(out)
	return slices.Clip(out)
}

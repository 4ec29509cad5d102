//go:build linux

package route

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// linkDumpAlias answers an RTM_GETLINK dump with n links of varied sizes (names of 1 to 15 bytes, every third
// a bridge) and an IFLA_IFALIAS of alias bytes on every link, and with a 3-byte payload, which no ifinfomsg
// fits, at index bad (-1: none): past about 600 bytes a link's message is larger than its Link, and List
// decodes as the dump comes instead of packing.
func linkDumpAlias(t *testing.T, n, bad, alias int) (*Client, []Link) {
	t.Helper()
	links := make([]Link, n)
	for i := range links {
		links[i] = Link{Index: int32(i + 1), Name: fmt.Sprintf("l%015d", i)[:1+i%15], MTU: uint32(i)}
		if alias > 0 {
			links[i].Alias = fmt.Sprintf("%0*d", alias, i)
		}
		if i%3 == 0 {
			links[i].Info.Kind = "bridge"
		}
	}
	msgs := replies(t, unix.RTM_NEWLINK, links)
	if bad >= 0 {
		msgs[bad].Data = []byte{1, 2, 3}
	}
	conn, fake := nltest.New(unix.NETLINK_ROUTE, func([]proto.Message) ([]proto.Message, error) { return msgs, nil }, nil)
	fake.DatagramSize = 32 << 10
	c := New(conn)
	t.Cleanup(func() { c.Close() })
	return c, links
}

// stream collects what All yields, up to its first error.
func stream[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func TestListEqualsStream(t *testing.T) {
	for _, c := range []struct{ n, alias int }{{0, 0}, {1, 0}, {100, 0}, {5000, 0}, {20000, 0}, {10, 1000},
		{packCheck, 1000}, {packCheck + 1, 1000}, {3000, 1000}} {
		n := c.n
		for _, f := range []*LinkFilter{nil, {Kind: "bridge"}} {
			t.Run(fmt.Sprintf("%d/%d/%v", n, c.alias, f != nil), func(t *testing.T) {
				c, _ := linkDumpAlias(t, n, -1, c.alias)
				want, err := stream(c.Link.All(context.Background(), f))
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.Link.List(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				sameLinks(t, got, want)
				if f != nil && n > 0 && len(got) != (n+2)/3 {
					t.Fatalf("%d bridges of %d links", len(got), n)
				}
			})
		}
	}
}

func sameLinks(t *testing.T, got, want []Link) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("List gave %d links, All %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("link %d: List %+v, All %+v", i, got[i], want[i])
		}
	}
}

func TestListStopsAtUndecodable(t *testing.T) {
	for _, c := range []struct{ n, bad, alias int }{{10, 0, 0}, {10, 9, 0}, {20000, 10007, 0}, {20000, 5, 0},
		{3000, 5, 1000}, {3000, 2000, 1000}} {
		for _, f := range []*LinkFilter{nil, {Kind: "bridge"}} {
			t.Run(fmt.Sprintf("%d/%d/%d/%v", c.n, c.bad, c.alias, f != nil), func(t *testing.T) {
				cl, _ := linkDumpAlias(t, c.n, c.bad, c.alias)
				// The stream yields the error in place of the bad link; List keeps what came before it.
				want, werr := stream(cl.Link.All(context.Background(), f))
				got, err := cl.Link.List(context.Background(), f)
				var de, wde *DecodeError
				if !errors.As(err, &de) || !errors.As(werr, &wde) {
					t.Fatalf("List error %v, All error %v: want *DecodeError", err, werr)
				}
				sameLinks(t, got, want)
				if f == nil && len(got) != c.bad {
					t.Fatalf("List kept %d links, want the %d before the bad one", len(got), c.bad)
				}
			})
		}
	}
}

func TestPackedChunks(t *testing.T) {
	var w packed
	var want [][]byte
	for i := range 20000 {
		p := make([]byte, i%97)
		for j := range p {
			p[j] = byte(i + j)
		}
		want = append(want, p)
		w.add(p)
	}
	// A chunk grows to packedMax and no further; a payload larger than that gets a chunk of its own.
	big := make([]byte, packedMax+5)
	big[len(big)-1] = 7
	w.add(big)
	want = append(want, big)
	check := func() {
		i := 0
		for _, c := range w.chunks {
			if c.first != i {
				t.Fatalf("chunk starts at %d, want %d", c.first, i)
			}
			for b := c.b; len(b) > 0; i++ {
				l := int(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
				if !reflect.DeepEqual(b[4:4+l], want[i]) && !(l == 0 && len(want[i]) == 0) {
					t.Fatalf("payload %d differs", i)
				}
				b = b[4+proto.AttrAlign(l):]
			}
		}
		if i != len(want) || w.n != len(want) {
			t.Fatalf("%d payloads (n %d), want %d", i, w.n, len(want))
		}
	}
	check()
	if w.arena.Mappings() == 0 {
		t.Fatalf("%d bytes packed and no arena mapping", w.bytes)
	}
	// A retried dump reuses the first mapping; release unmaps it.
	w.reset()
	if w.arena.Mappings() != 1 {
		t.Fatal("reset did not keep the first mapping")
	}
	want = want[:0]
	for i := range 5000 {
		p := []byte(fmt.Sprint(i))
		want = append(want, p)
		w.add(p)
	}
	check()
	w.release()
	if w.arena.Mappings() != 0 || w.chunks != nil {
		t.Fatal("release kept memory")
	}
}

func TestListPacksSmallMessages(t *testing.T) {
	// Addresses of about 60 bytes against a 176-byte Addr are packed; links with a 1000-byte alias are decoded
	// as they come.
	var w packed
	for range packCheck {
		w.add(make([]byte, 56))
	}
	if size := 176; w.bytes > w.n*(size+4) {
		t.Fatalf("%d bytes for %d payloads of 56: counted as larger than a %d-byte object", w.bytes, w.n, size)
	}
	if w.bytes != packCheck*60 {
		t.Fatalf("%d bytes packed, want %d", w.bytes, packCheck*60)
	}
}

// TestListCachesBelongToTheClient checks that what a List keeps for the next one (its state and the spare
// mapping of its arena) is the Client's service's, reused by its next List, and released by Close.
func TestListCachesBelongToTheClient(t *testing.T) {
	k := &kernel{}
	for i := range 30000 { // about 1.5 MB of payloads: past arenaFrom
		k.routes = append(k.routes, Route{Family: unix.AF_INET, Table: TableMain, OIF: 2,
			Dst: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)})
	}
	conn, fake := nltest.New(unix.NETLINK_ROUTE, k.handle(t), nil)
	fake.DatagramSize = 32 << 10
	c := New(conn)
	t.Cleanup(func() { c.Close() })
	other, _ := linkDumpAlias(t, 10, -1, 0)
	ctx := context.Background()
	if rs, err := c.Route.List(ctx, nil); err != nil || len(rs) != len(k.routes) {
		t.Fatal(len(rs), err)
	}
	if _, ok := c.Route.caches.spare.Held(); !ok {
		t.Fatal("a List past arenaFrom left no spare mapping")
	}
	if _, err := c.Link.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	first := c.Link.caches.list.Load()
	if first == nil {
		t.Fatal("List kept no state for the next one")
	}
	if _, err := c.Link.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if c.Link.caches.list.Load() != first {
		t.Error("the second List did not reuse the first one's state")
	}
	if other.Link.caches.list.Load() != nil {
		t.Error("another Client found this Client's List state")
	}
	if _, ok := other.Link.caches.spare.Held(); ok {
		t.Error("another Client holds a spare mapping it never made")
	}
	for _, err := range c.Link.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if c.Link.caches.stream.Load() == nil {
		t.Fatal("All kept no state for the next one")
	}
	c.Close()
	if _, ok := c.Route.caches.spare.Held(); ok {
		t.Error("Close left the spare mapping")
	}
	if c.Link.caches.list.Load() != nil || c.Link.caches.stream.Load() != nil {
		t.Error("Close left the dump state")
	}
}

// appendCases are the dst slices TestListInto and TestListIntoStopsAtUndecodable append to, for a dump of
// n objects: none, a prefix without room, a prefix with room for half, and a prefix with room for all.
func appendCases(n int) []struct {
	name string
	dst  []Link
} {
	prefix := []Link{{Index: 1000001, Name: "keep0"}, {Index: 1000002, Name: "keep1"}}
	withRoom := func(room int) []Link {
		d := make([]Link, len(prefix), len(prefix)+room)
		copy(d, prefix)
		// What lies past len(dst) is the caller's old data, to be overwritten.
		for i := len(d); i < cap(d); i++ {
			d[:cap(d)][i] = Link{Index: -1, Name: "stale", Alias: "stale"}
		}
		return d
	}
	return []struct {
		name string
		dst  []Link
	}{{"nil", nil}, {"full", prefix[:2:2]}, {"half", withRoom(n / 2)}, {"room", withRoom(n + 5)}}
}

// TestListInto checks that ListInto appends exactly what the stream yields after dst, whether dst has room
// for none, some or all of the objects, and that with room for all it fills dst's own array.
func TestListInto(t *testing.T) {
	// 12,000 links are past parallelMin of payloads: List decodes them on every CPU.
	for _, c := range []struct{ n, alias int }{{0, 0}, {1, 0}, {100, 0}, {12000, 0}, {100, 1000}, {3000, 1000}} {
		cl, _ := linkDumpAlias(t, c.n, -1, c.alias)
		for _, f := range []*LinkFilter{nil, {Kind: "bridge"}} {
			want, err := stream(cl.Link.All(context.Background(), f))
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range appendCases(c.n) {
				t.Run(fmt.Sprintf("%d/%d/%v/%s", c.n, c.alias, f != nil, a.name), func(t *testing.T) {
					prefix := append([]Link(nil), a.dst...)
					got, err := cl.Link.ListInto(context.Background(), a.dst, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(got) < len(prefix) || len(prefix) > 0 && !reflect.DeepEqual(got[:len(prefix)], prefix) {
						t.Fatalf("the prefix changed: %+v", got[:min(len(got), len(prefix))])
					}
					sameLinks(t, got[len(prefix):], want)
					if a.name == "room" && len(got) > 0 && &got[0] != &a.dst[:1][0] {
						t.Error("dst had room for every link, but ListInto made a new array")
					}
				})
			}
		}
	}
}

// TestListIntoStopsAtUndecodable checks that ListInto, like List, keeps the objects before an undecodable
// payload (after dst) and reports a *DecodeError, wherever the payload falls against dst's room.
func TestListIntoStopsAtUndecodable(t *testing.T) {
	for _, c := range []struct{ n, bad, alias int }{{10, 0, 0}, {10, 9, 0}, {12000, 6007, 0}, {12000, 5, 0},
		{3000, 5, 1000}, {3000, 2000, 1000}} {
		cl, _ := linkDumpAlias(t, c.n, c.bad, c.alias)
		want, _ := stream(cl.Link.All(context.Background(), nil))
		for _, a := range appendCases(c.n) {
			t.Run(fmt.Sprintf("%d/%d/%d/%s", c.n, c.bad, c.alias, a.name), func(t *testing.T) {
				n := len(a.dst)
				got, err := cl.Link.ListInto(context.Background(), a.dst, nil)
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("error %v, want *DecodeError", err)
				}
				if len(got) != n+c.bad {
					t.Fatalf("%d links after dst, want the %d before the bad one", len(got)-n, c.bad)
				}
				sameLinks(t, got[n:], want)
			})
		}
	}
}

// TestListIntoInterrupted checks that a retried dump starts again after dst instead of appending twice.
func TestListIntoInterrupted(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}, {Index: 2, Name: "eth0"}}, intr: 2}
	c := k.client(t)
	dst := make([]Link, 1, 10)
	dst[0] = Link{Index: 99, Name: "mine"}
	got, err := c.Link.ListInto(context.Background(), dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Name != "mine" || got[1].Name != "lo" || got[2].Name != "eth0" {
		t.Fatalf("%+v", got)
	}
	if n := len(k.requests()); n != 3 {
		t.Errorf("%d dumps, want 3", n)
	}
}

// TestListIntoAllocations checks that ListInto into a slice with room decodes in place: it allocates about
// what streaming the same dump does, not the packed payloads or chunks List needs.
func TestListIntoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates; make alloc-test runs this without it")
	}
	for _, alias := range []int{0, 1000} {
		cl, _ := linkDumpAlias(t, 3000, -1, alias)
		ctx := context.Background()
		links := make([]Link, 0, 3000)
		streamed := testing.AllocsPerRun(5, func() {
			for _, err := range cl.Link.All(ctx, nil) {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
		appended := testing.AllocsPerRun(5, func() {
			var err error
			if links, err = cl.Link.ListInto(ctx, links[:0], nil); err != nil || len(links) != 3000 {
				t.Fatal(len(links), err)
			}
		})
		listed := testing.AllocsPerRun(5, func() {
			if _, err := cl.Link.List(ctx, nil); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("alias %d: allocations per call: All %.0f, ListInto with room %.0f, List %.0f", alias, streamed,
			appended, listed)
		if appended > streamed+2 {
			t.Errorf("alias %d: ListInto with room allocated %.0f times, streaming %.0f", alias, appended, streamed)
		}
	}
}

// TestListIntoGrowth checks the room ListInto leaves when it has to make a new array: none for List or a nil
// dst, an eighth more for a caller's slice that was too small.
func TestListIntoGrowth(t *testing.T) {
	for _, alias := range []int{0, 1000} {
		cl, _ := linkDumpAlias(t, 100, -1, alias)
		ctx := context.Background()
		listed, err := cl.Link.List(ctx, nil)
		if err != nil || len(listed) != 100 || cap(listed) != 100 {
			t.Fatalf("alias %d: List: len %d cap %d, %v", alias, len(listed), cap(listed), err)
		}
		small := make([]Link, 1, 2)
		grown, err := cl.Link.ListInto(ctx, small, nil)
		if err != nil || len(grown) != 101 || cap(grown) != 101+101/8 {
			t.Fatalf("alias %d: ListInto into cap 2: len %d cap %d, %v", alias, len(grown), cap(grown), err)
		}
	}
}

//go:build linux

package route

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNSIDRequest checks the RTM_GETNSID and RTM_NEWNSID requests (as iproute2's netns_get_id and
// set_netnsid_from_name build them) and that decodeNSID reads the NETNSA_NSID back.
func TestNSIDRequest(t *testing.T) {
	get := nsidRequest(unix.RTM_GETNSID, 7)
	if get.Header.Type != unix.RTM_GETNSID {
		t.Fatalf("type %d", get.Header.Type)
	}
	// struct rtgenmsg padded to 4, then NETNSA_FD (u32).
	want := []byte{0, 0, 0, 0, 8, 0, unix.NETNSA_FD, 0, 7, 0, 0, 0}
	if !slices.Equal(get.Data, want) {
		t.Errorf("RTM_GETNSID payload % x, want % x", get.Data, want)
	}
	set := nsidRequest(unix.RTM_NEWNSID, 7)
	want = append(want, 8, 0, unix.NETNSA_NSID, 0, 0xff, 0xff, 0xff, 0xff)
	if !slices.Equal(set.Data, want) {
		t.Errorf("RTM_NEWNSID payload % x, want % x", set.Data, want)
	}
	if id, ok := decodeNSID(set.Data); !ok || id != -1 {
		t.Errorf("decodeNSID = %d, %v, want -1, true", id, ok)
	}
	reply := []byte{0, 0, 0, 0, 8, 0, unix.NETNSA_NSID, 0, 42, 0, 0, 0}
	if id, ok := decodeNSID(reply); !ok || id != 42 {
		t.Errorf("decodeNSID(reply) = %d, %v, want 42, true", id, ok)
	}
	for _, bad := range [][]byte{nil, {0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0, 8, 0, unix.NETNSA_FD, 0, 1, 0, 0, 0}} {
		if _, ok := decodeNSID(bad); ok {
			t.Errorf("decodeNSID(% x) found an nsid", bad)
		}
	}
}

// FuzzDecodeNodeNSID feeds decodeNSID arbitrary payloads: it must not panic.
func FuzzDecodeNodeNSID(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 8, 0, unix.NETNSA_NSID, 0, 42, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 4, 0, 1, 0})
	f.Add([]byte{0, 0, 0, 0, 0xff, 0xff, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeNSID(b)
	})
}

// inotifyRecord builds one struct inotify_event with its name padded to 16 bytes.
func inotifyRecord(mask uint32, name string) []byte {
	n := 0
	if name != "" {
		n = (len(name) + 16) &^ 15
	}
	b := make([]byte, unix.SizeofInotifyEvent+n)
	binary.NativeEndian.PutUint32(b[0:], 1)
	binary.NativeEndian.PutUint32(b[4:], mask)
	binary.NativeEndian.PutUint32(b[12:], uint32(n))
	copy(b[unix.SizeofInotifyEvent:], name)
	return b
}

// TestParseInotify checks the run directory's events: names created, moved in, deleted, moved out, and an
// overflow of the inotify queue (a rescan).
func TestParseInotify(t *testing.T) {
	var b []byte
	b = append(b, inotifyRecord(unix.IN_CREATE, "red")...)
	b = append(b, inotifyRecord(unix.IN_DELETE, "blue")...)
	b = append(b, inotifyRecord(unix.IN_MOVED_TO, "a-much-longer-namespace-name")...)
	b = append(b, inotifyRecord(unix.IN_MOVED_FROM, "x")...)
	b = append(b, inotifyRecord(unix.IN_Q_OVERFLOW, "")...)
	b = append(b, inotifyRecord(unix.IN_DELETE_SELF, "")...)
	got := parseInotify(b)
	want := []nameEvent{{name: "red"}, {name: "blue", gone: true}, {name: "a-much-longer-namespace-name"},
		{name: "x", gone: true}, {rescan: true}}
	if !slices.Equal(got, want) {
		t.Errorf("parseInotify = %+v, want %+v", got, want)
	}
	// A record cut short is not read past.
	if got := parseInotify(b[:unix.SizeofInotifyEvent+3]); len(got) != 0 {
		t.Errorf("a cut record gave %+v", got)
	}
}

// FuzzParseInotify feeds parseInotify arbitrary reads: it must not panic.
func FuzzParseInotify(f *testing.F) {
	f.Add(inotifyRecord(unix.IN_CREATE, "ns1"))
	f.Add(append(inotifyRecord(unix.IN_DELETE, "ns1"), 1, 2, 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseInotify(b)
	})
}

// TestNodeEventString checks the one-line descriptions of a NodeMirror's events.
func TestNodeEventString(t *testing.T) {
	ns := Namespace{Name: "red", Path: "/run/netns/red", NSID: 3}
	for _, c := range []struct {
		ev   NodeEvent
		want string
	}{
		{NodeEvent{Kind: NodeAdded, Namespace: ns}, "added red (nsid 3)"},
		{NodeEvent{Kind: NodeRemoved, Namespace: Namespace{Path: "/proc/9/ns/net", NSID: 12}, Err: ErrNamespaceGone},
			"removed /proc/9/ns/net (nsid 12): route: the namespace is gone"},
		{NodeEvent{Kind: NodeResynced, Namespace: ns, Changes: 4}, "resynced red (nsid 3): 4 changes"},
		{NodeEvent{Kind: NodeResyncDone, Changed: []Namespace{ns}}, "resync-done: 1 namespaces changed"},
		{NodeEvent{Kind: NodeOverflow}, "overflow"},
	} {
		if got := c.ev.String(); got != c.want {
			t.Errorf("%#v: %q, want %q", c.ev, got, c.want)
		}
	}
	if s := NodeEventKind(99).String(); !strings.Contains(s, "99") {
		t.Errorf("unknown kind: %q", s)
	}
	if !errors.Is(ErrNamespaceGone, ErrNamespaceGone) {
		t.Fatal("ErrNamespaceGone")
	}
}

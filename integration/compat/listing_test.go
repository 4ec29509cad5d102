// Package compat tests package compat and the program ported on it, examples/compat-ip, against iproute2's ip
// in fresh named network namespaces (nstest.NewNamed):
//
//   - `compat-ip link` and `compat-ip addr` print what `ip -o link` and `ip -o addr` print, with and without a
//     device, for veth pairs, a bridge and IPv4/IPv6 addresses;
//   - refused requests print ip's error text ("RTNETLINK answers: File exists", "Error: <ext ack>.") and exit
//     with ip's status;
//   - `compat-ip monitor link address` prints what `ip monitor link address` prints for changes made with ip;
//   - a dump file written through RtnlHandle.DumpFp reads back in `ip monitor file` as in compat-ip;
//   - RtnlListen reports the nsid of events from another namespace (RtnlListenAllNsid);
//   - a capture written by pcap.Writer is read by `tshark -r` without error, with the same messages.
//
// The tests need CAP_SYS_ADMIN (root, or the user namespace nstest.Main sets up), ip, and tshark for the
// capture test; without them they skip, and with CI=true they fail instead.
package compat

import (
	"strings"
	"testing"
)

func TestListingsEqualIproute2(t *testing.T) {
	e := newEnv(t)
	e.setup()
	cases := [][]string{
		{"link"},
		{"addr"},
		{"link", "show"},
		{"addr", "show", "dev", "v0"},
		{"addr", "show", "dev", "va"},
		{"addr", "show", "dev", "vb"}, // no address: both print nothing
		{"link", "show", "dev", "v0"},
		{"link", "show", "dev", "va"},
		{"link", "show", "dev", "br0"},
		{"link", "show", "dev", "nonexistent"},
		{"addr", "show", "dev", "nonexistent"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			ipArgs := append([]string{"-o"}, args...)
			e.settle(ipArgs...)
			want := e.run(e.ip, ipArgs...)
			got := e.run(e.cp, args...)
			if got.String() != want.String() {
				t.Errorf("compat-ip %s:\n%v\nip -o %s:\n%v", strings.Join(args, " "), got, strings.Join(args, " "), want)
			}
			if want.code == 0 && want.stdout == "" && args[len(args)-1] != "vb" {
				t.Errorf("ip printed nothing: the comparison proves nothing")
			}
		})
	}
}

// TestErrorsEqualIproute2 makes requests the kernel refuses, with ip and with compat-ip: the same words on
// stderr (from the *compat.Error text), the same exit status.
func TestErrorsEqualIproute2(t *testing.T) {
	e := newEnv(t)
	e.setup()
	cases := [][]string{
		{"addr", "add", "10.1.2.3/24", "dev", "v0"},                      // Error: ipv4: Address already assigned.
		{"route", "add", "10.9.0.0/16", "via", "10.99.0.1", "dev", "v0"}, // Error: Nexthop has invalid gateway.
		{"link", "add", "lo", "type", "bridge"},                          // RTNETLINK answers: File exists
		{"link", "add", "v9", "type", "veth", "peer", "name", "v9"},
		{"addr", "del", "10.200.0.1/24", "dev", "v0"},
		{"addr", "add", "10.1.2.3/24", "dev", "nonexistent"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			want := e.run(e.ip, args...)
			got := e.run(e.cp, args...)
			if got.String() != want.String() {
				t.Errorf("compat-ip %s:\n%v\nip:\n%v", strings.Join(args, " "), got, want)
			}
			if want.code == 0 {
				t.Errorf("ip accepted the request: the case tests nothing")
			}
		})
	}
	// And requests the kernel accepts do the same thing: the link made by compat-ip is what ip would make.
	if r := e.run(e.cp, "link", "add", "v7", "type", "veth", "peer", "name", "v8"); r.code != 0 {
		t.Fatalf("compat-ip link add: %v", r)
	}
	if r := e.run(e.cp, "addr", "add", "10.7.0.1/24", "dev", "v7"); r.code != 0 {
		t.Fatalf("compat-ip addr add: %v", r)
	}
	if r := e.run(e.ip, "-o", "addr", "show", "dev", "v7"); !strings.Contains(r.stdout, "inet 10.7.0.1/24 scope global v7") {
		t.Errorf("ip does not see the address compat-ip added: %v", r)
	}
	if r := e.run(e.cp, "link", "del", "v7"); r.code != 0 {
		t.Fatalf("compat-ip link del: %v", r)
	}
	if r := e.run(e.ip, "link", "show", "dev", "v8"); r.code == 0 {
		t.Errorf("the veth peer survived its deletion: %v", r)
	}
}

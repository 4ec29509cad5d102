//go:build linux

package linkkinds

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/netns/nstest"
)

// TestLinkKindsCLI: `nlkit link add NAME OPTIONS` with ip's own arguments makes the link `ip link add` makes (ip
// -d -j shows the same linkinfo for both), and `nlkit -d -j link show` prints the linkinfo ip prints, key by key.
func TestLinkKindsCLI(t *testing.T) {
	bin := testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, c := newSide(t), newSide(t)
			args := append([]string{"link", "add", "k0"}, strings.Fields(tc.ip)...)
			if out, err := a.ns.Output("ip", args...); err != nil {
				if strings.Contains(err.Error(), "Unknown device type") {
					// nlkit says it as ip does: the kernel's message.
					out, err := c.ns.Output(bin, args...)
					if err == nil || !strings.Contains(err.Error(), "Error: Unknown device type.") {
						t.Errorf("nlkit link add for a kind the kernel lacks: %v %s", err, out)
					}
					return
				}
				t.Fatalf("%v %s", err, out)
			}
			if out, err := c.ns.Output(bin, args...); err != nil {
				t.Fatalf("nlkit %s: %v %s", strings.Join(args, " "), err, out)
			}
			liA, lowerA := a.show(t, "k0")
			liC, lowerC := c.show(t, "k0")
			drop := func(li map[string]any) {
				if d, ok := li["info_data"].(map[string]any); ok {
					for _, k := range tc.ignore {
						delete(d, k)
					}
				}
			}
			// What nlkit prints for the link ip made.
			out, err := a.ns.Output(bin, "-d", "-j", "link", "show", "dev", "k0")
			if err != nil {
				t.Fatalf("nlkit -d -j link show: %v %s", err, out)
			}
			var j []map[string]any
			if err := json.Unmarshal([]byte(out), &j); err != nil || len(j) != 1 {
				t.Fatalf("nlkit -d -j link show: %v %s", err, out)
			}
			liN, _ := j[0]["linkinfo"].(map[string]any)
			drop(liA)
			drop(liN)
			drop(liC)
			if diff := compare("", liA, liN); len(diff) > 0 {
				t.Errorf("%s: nlkit -d -j prints the linkinfo differently (ip / nlkit):\n  %s", tc.name,
					strings.Join(diff, "\n  "))
			}
			if diff := compare("", liA, liC); len(diff) > 0 || !reflect.DeepEqual(lowerA, lowerC) {
				t.Errorf("%s: the link nlkit link add made differs from ip's (ip's / nlkit's):\n  %s\n  link %v / %v",
					tc.name, strings.Join(diff, "\n  "), lowerA, lowerC)
			}
		})
	}
}

// TestLinkSetNetNSCLI: `nlkit link set DEV netns NAME` and `... netns PID` move the link, as ip's do.
func TestLinkSetNetNSCLI(t *testing.T) {
	bin := testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")
	a := newSide(t)
	b := nstest.NewNamed(t)
	cmd := exec.Command("sleep", "60")
	if err := b.Do(cmd.Start); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for _, tc := range []struct{ dev, to string }{{"lower0", b.Name}, {"lower0p", strconv.Itoa(cmd.Process.Pid)}} {
		if out, err := a.ns.Output(bin, "link", "set", "dev", tc.dev, "netns", tc.to); err != nil {
			t.Fatalf("nlkit link set %s netns %s: %v %s", tc.dev, tc.to, err, out)
		}
		if out, err := b.Output("ip", "link", "show", "dev", tc.dev); err != nil {
			t.Errorf("%s not in the target namespace after netns %s: %v %s", tc.dev, tc.to, err, out)
		}
		if _, err := a.ns.Output("ip", "link", "show", "dev", tc.dev); err == nil {
			t.Errorf("%s still in the first namespace", tc.dev)
		}
	}
	if out, err := a.ns.Output(bin, "link", "set", "dev", "lo", "netns", "nlkit-no-such-ns"); err == nil {
		t.Errorf("a namespace that does not exist: %s", out)
	}
}

// TestSlaveDataCLI: a port of each master kind (IFLA_INFO_SLAVE_DATA) prints in `nlkit -d -j link show` as in
// ip's, key by key.
func TestSlaveDataCLI(t *testing.T) {
	bin := testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")
	for _, tc := range []struct {
		kind, master string
		port         []string // `ip link set lower0 ...` after enslaving
	}{
		{"bridge", "type bridge", []string{"type", "bridge_slave", "cost", "7", "priority", "9", "learning", "off",
			"hairpin", "on", "mcast_flood", "off"}},
		{"bond", "type bond mode active-backup", nil},
		{"vrf", "type vrf table 10", nil},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			a := newSide(t)
			out, err := a.ns.Output("ip", append([]string{"link", "add", "m0"}, strings.Fields(tc.master)...)...)
			if err != nil {
				if strings.Contains(err.Error(), "Unknown device type") && !expected(tc.kind) {
					t.Logf("no %s driver on this kernel (TestLinkKinds checks the error)", tc.kind)
					return
				}
				t.Fatalf("%v %s", err, out)
			}
			a.ip(t, "link", "set", "lower0", "master", "m0")
			if tc.port != nil {
				a.ip(t, append([]string{"link", "set", "lower0"}, tc.port...)...)
			}
			liA, _ := a.show(t, "lower0")
			out, err = a.ns.Output(bin, "-d", "-j", "link", "show", "dev", "lower0")
			if err != nil {
				t.Fatalf("%v %s", err, out)
			}
			var j []map[string]any
			if err := json.Unmarshal([]byte(out), &j); err != nil || len(j) != 1 {
				t.Fatalf("nlkit -d -j link show: %v %s", err, out)
			}
			liN, _ := j[0]["linkinfo"].(map[string]any)
			for _, li := range []map[string]any{liA, liN} {
				if d, ok := li["info_slave_data"].(map[string]any); ok {
					for k := range d {
						if strings.HasSuffix(k, "_timer") {
							delete(d, k)
						}
					}
				}
			}
			if liA["info_slave_kind"] != tc.kind {
				t.Fatalf("ip shows no %s port: %v", tc.kind, liA)
			}
			if diff := compare("", liA, liN); len(diff) > 0 {
				t.Errorf("%s port: nlkit -d -j prints the linkinfo differently (ip / nlkit):\n  %s", tc.kind,
					strings.Join(diff, "\n  "))
			}
		})
	}
}

// TestTunCLI: TUN/TAP devices (made by ip tuntap, as rtnetlink cannot) decode as *route.Tun and print in
// `nlkit -d -j link show` as in ip's.
func TestTunCLI(t *testing.T) {
	bin := testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")
	a := newSide(t)
	a.ip(t, "tuntap", "add", "dev", "t0", "mode", "tap", "multi_queue", "user", "0", "group", "0")
	a.ip(t, "tuntap", "add", "dev", "t1", "mode", "tun", "pi", "vnet_hdr")
	for _, dev := range []string{"t0", "t1"} {
		liA, _ := a.show(t, dev)
		out, err := a.ns.Output(bin, "-d", "-j", "link", "show", "dev", dev)
		if err != nil {
			t.Fatalf("%v %s", err, out)
		}
		var j []map[string]any
		if err := json.Unmarshal([]byte(out), &j); err != nil || len(j) != 1 {
			t.Fatalf("nlkit -d -j link show: %v %s", err, out)
		}
		liN, _ := j[0]["linkinfo"].(map[string]any)
		if d, _ := liA["info_data"].(map[string]any); len(d) == 0 {
			t.Fatalf("%s: ip shows no tun data: %v", dev, liA)
		}
		if diff := compare("", liA, liN); len(diff) > 0 {
			t.Errorf("%s: nlkit -d -j prints the linkinfo differently (ip / nlkit):\n  %s", dev, strings.Join(diff, "\n  "))
		}
	}
}

//go:build linux

package node

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// buildNlkit builds cmd/nlkit into a temporary directory.
func buildNlkit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nlkit")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/nlkit/nlkit/cmd/nlkit").CombinedOutput()
	if err != nil {
		t.Fatalf("go build cmd/nlkit: %v: %s", err, out)
	}
	return bin
}

// inPrivateRunDir runs script with sh in a mount namespace of its own where /run/netns is a fresh tmpfs, so
// that `ip netns add` and `ip -all netns exec` see only the namespaces the script makes.
func inPrivateRunDir(t *testing.T, script string) string {
	t.Helper()
	full := "set -e\nmkdir -p /run/netns\nmount -t tmpfs nlkit-node-test /run/netns\n" + script
	out, err := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", full).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return string(out)
}

// TestAllNetnsCLI compares `nlkit -all-netns link|addr|route` with `ip -all netns exec ip link|addr|route` over
// namespaces with veths, addresses and routes.
func TestAllNetnsCLI(t *testing.T) {
	requireRoot(t)
	bin := buildNlkit(t)
	addrProto := ipPrintsAddrProto(t)
	setup := `for n in red green blue; do
	ip netns add $n; ip -n $n link set lo up; ip netns exec $n sysctl -qw net.ipv6.conf.default.accept_dad=0
done
ip -n red link add v0 type veth peer name v1
ip -n red link set v0 up; ip -n red link set v1 up
ip -n red addr add 10.1.0.1/24 dev v0
ip -n red route add 10.9.0.0/16 via 10.1.0.2
ip -n green link add g0 type veth peer name g1
ip -n green addr add 10.2.0.1/24 dev g0
`
	for _, cmd := range [][]string{{"link"}, {"addr"}, {"route"}, {"-4", "addr", "show"}, {"route", "show", "table", "all"}} {
		args := strings.Join(cmd, " ")
		sep := "\n@@@SEP@@@\n"
		out := inPrivateRunDir(t, setup+fmt.Sprintf("ip -all netns exec ip %s\necho '%s'\n%s -all-netns %s\n",
			args, strings.TrimSpace(sep), bin, args))
		ipOut, nlOut, ok := strings.Cut(out, sep)
		if !ok {
			t.Fatalf("%s: no separator in %q", args, out)
		}
		if !addrProto {
			nlOut = addrProtoRE.ReplaceAllString(nlOut, "$1")
		}
		if !strings.Contains(ipOut, "netns: red") || !strings.Contains(ipOut, "netns: blue") {
			t.Fatalf("ip -all netns exec ip %s printed no namespaces: %q", args, ipOut)
		}
		if ipOut+"\n" != nlOut {
			t.Errorf("nlkit -all-netns %s differs from ip -all netns exec ip %s:\n--- ip\n%s\n--- nlkit\n%s", args, args,
				ipOut, nlOut)
		}
	}
}

// addrProtoRE matches the IFA_PROTO of an address line ("inet6 ::1/128 scope host proto kernel_lo").
var addrProtoRE = regexp.MustCompile(`(?m)^(\s+inet6? .*?) proto \S+`)

// ipPrintsAddrProto says whether the ip found prints an address's IFA_PROTO, as iproute2 does since 6.4;
// nlkit prints it, and the comparison with an older ip leaves it out.
func ipPrintsAddrProto(t *testing.T) bool {
	out, err := exec.Command("ip", "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("ip -V: %v: %s", err, out)
	}
	var major, minor int
	if _, rest, ok := strings.Cut(string(out), "iproute2-"); ok {
		fmt.Sscanf(rest, "%d.%d", &major, &minor)
	}
	if major == 0 {
		t.Fatalf("cannot read iproute2's version from %q", out)
	}
	return major > 6 || major == 6 && minor >= 4
}

// TestAllNetnsMonitor runs `nlkit monitor -all-netns` and checks that changes in two namespaces, and a namespace
// added and deleted, are printed with the namespace's name.
func TestAllNetnsMonitor(t *testing.T) {
	requireRoot(t)
	bin := buildNlkit(t)
	fifo := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	script := fmt.Sprintf(`ip netns add one; ip netns add two
%s monitor -all-netns > %s 2>&1 &
mon=$!
sleep 1
ip -n one link add m0 type veth peer name m1
ip -n two addr add 127.0.0.2/8 dev lo
ip netns add three
sleep 0.5
ip -n three link add t0 type veth peer name t1
sleep 0.5
ip netns del two
sleep 1
kill -INT $mon
wait $mon || true
`, bin, fifo)
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "sh", "-c",
		"set -e\nmkdir -p /run/netns\nmount -t tmpfs nlkit-node-test /run/netns\n"+script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	f, err := os.Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	text := strings.Join(lines, "\n")
	t.Logf("monitor printed:\n%s", text)
	for _, want := range []string{"[netns one] ", "m0", "[netns two] ", "127.0.0.2/8", "[netns three] namespace added",
		"[netns three] ", "t0", "[netns two] namespace removed"} {
		if !strings.Contains(text, want) {
			t.Errorf("monitor output lacks %q:\n%s", want, text)
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "m0") && !strings.HasPrefix(l, "[netns one] ") {
			t.Errorf("a change of namespace one printed as %q", l)
		}
	}
}

package unit_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/netns/nstest"
)

// cLibClients are the C clients built on the libraries C programs use for netlink (Debian's libmnl-dev and
// libnl-3-dev, which .ci/run installs), with the gcc flags each needs.
var cLibClients = []struct {
	name, src string
	flags     []string
}{
	{"mnl_client", "testdata/mnl_client.c", []string{"-lmnl"}},
	{"nl_client", "testdata/nl_client.c", []string{"-I/usr/include/libnl3", "-lnl-3"}},
}

// buildCLib builds a library client with gcc into a private directory, or takes it from NLKIT_PREBUILT_DIR
// (the test VM has no gcc): when that is set and the host did not build it, the test is skipped.
func buildCLib(t *testing.T, name, src string, flags []string) string {
	t.Helper()
	if dir := os.Getenv(testbin.PrebuiltEnv); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s has no %s (the host builds it only with its library installed)", dir, name)
		}
		return p
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		nstest.Skipf(t, "gcc: %v", err)
	}
	out := filepath.Join(t.TempDir(), name)
	b, err := exec.Command("gcc", append([]string{"-Wall", "-O2", "-o", out, src}, flags...)...).CombinedOutput()
	if err != nil {
		nstest.Skipf(t, "gcc %s (install libmnl-dev and libnl-3-dev): %v\n%s", src, err, b)
	}
	return out
}

// C clients on libmnl and libnl-3 talk to a Server, to a Server whose handler fails, and to the netlink-cs
// example: mnl_cb_run accepts the replies (they carry the client's portid and sequence number) and
// nl_wait_for_ack gets the ack NLM_F_ACK asks for.
func TestCLibraryClients(t *testing.T) {
	srv, cfg := serve(t, unit.ServerConfig{})
	ns := nstest.New(t)
	failing, err := unit.Listen(&unit.ServerConfig{Config: unit.Config{NetNS: cfg.NetNS, PortID: 6100}})
	if err != nil {
		t.Fatal(err)
	}
	defer failing.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go failing.Serve(ctx, func(context.Context, unit.Request) ([]byte, error) { return nil, syscall.ENOENT })
	cs := startLines(t, inNS(ns, buildExample(t, "netlink-cs")))
	m := regexp.MustCompile(`^server portid (\d+)$`).FindStringSubmatch(nextLine(t, cs))
	if m == nil {
		t.Fatal("netlink-cs did not print its portid")
	}
	for _, c := range cLibClients {
		t.Run(c.name, func(t *testing.T) {
			bin := buildCLib(t, c.name, c.src, c.flags)
			run := func(netns int, portid string, text string) (string, error) {
				// A client waiting for an ack that never comes is killed after 10 s.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				out, err := exec.CommandContext(ctx, "nsenter", fmt.Sprintf("--net=/proc/%d/fd/%d", os.Getpid(), netns), bin,
					portid, text).CombinedOutput()
				return string(out), err
			}
			out, err := run(cfg.NetNS, fmt.Sprint(srv.PortID()), "hello from "+c.name)
			if want := "reply: hello from " + c.name + "\nack\n"; err != nil || out != want {
				t.Errorf("against the Server: %v, printed %q, want %q", err, out, want)
			}
			out, err = run(cfg.NetNS, "6100", "fail")
			if err == nil || !strings.HasPrefix(out, "error: ") || !strings.Contains(strings.ToLower(out), "no such file") &&
				!strings.Contains(strings.ToLower(out), "not found") {
				t.Errorf("against a failing handler: %v, printed %q, want an ENOENT error", err, out)
			}
			out, err = run(ns.Handle.Fd(), m[1], "to the example")
			if want := "reply: to the example\nack\n"; err != nil || out != want {
				t.Errorf("against netlink-cs: %v, printed %q, want %q", err, out, want)
			}
		})
	}
}

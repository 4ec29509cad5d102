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

// cLibPeers are the C peers on the same libraries (testdata/peer_common.h has their usage).
var cLibPeers = []struct {
	name, src string
	flags     []string
}{
	{"mnl_peer", "testdata/mnl_peer.c", []string{"-lmnl"}},
	{"nl_peer", "testdata/nl_peer.c", []string{"-I/usr/include/libnl3", "-lnl-3"}},
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

// C peers on libmnl and libnl-3 exchange messages with a unit.Peer and with the netlink-p2p example: each side
// sees the other's fixed portid as the sender, the message type and payload arrive as sent, and the example's
// checksummed payload passes its check both ways.
func TestCLibraryPeers(t *testing.T) {
	for _, c := range cLibPeers {
		t.Run(c.name, func(t *testing.T) {
			bin := buildCLib(t, c.name, c.src, c.flags)
			ns := nstest.New(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := func(args ...string) (*exec.Cmd, *strings.Builder) {
				cmd := exec.CommandContext(ctx, "nsenter", append([]string{fmt.Sprintf("--net=/proc/%d/fd/%d",
					os.Getpid(), ns.Handle.Fd()), bin}, args...)...)
				var out strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				return cmd, &out
			}

			// Against a unit.Peer: the C peer binds 5002 and talks to 5001.
			p, err := unit.DialPeer(&unit.PeerConfig{Config: unit.Config{NetNS: ns.Handle.Fd(), PortID: 5001}, Remote: 5002})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			cmd, out := start("5002", "5001", "0x21", "hello from "+c.name)
			m, from, err := p.Receive(ctx)
			if err != nil {
				t.Fatalf("the Peer received nothing from %s: %v (it printed %q)", c.name, err, out.String())
			}
			if from.Addr.PortID != 5002 || m.Header.Type != 0x21 || string(m.Data) != "hello from "+c.name {
				t.Fatalf("the Peer received type %#x %q from portid %d", m.Header.Type, m.Data, from.Addr.PortID)
			}
			if err := p.Send(0x22, m.Header.Sequence, []byte("back to "+c.name)); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil || out.String() != "from 5001 type 34: back to "+c.name+"\n" {
				t.Fatalf("%s against the Peer: %v, printed %q", c.name, err, out.String())
			}

			// Against the netlink-p2p example's receiver (portid 4001, answering 4002), with its checksum.
			lines := startLines(t, inNS(ns, buildExample(t, "netlink-p2p"), "-count", "1"))
			if l := nextLine(t, lines); l != "peer portid 4001" {
				t.Fatalf("netlink-p2p printed %q", l)
			}
			cmd, out = start("4002", "4001", "0x20", "peer text", "crc")
			if err := cmd.Wait(); err != nil || out.String() != "from 4001 type 32: peer text\n" {
				t.Fatalf("%s against netlink-p2p: %v, printed %q", c.name, err, out.String())
			}
			if l := nextLine(t, lines); l != "received 9 bytes from portid 4002: peer text (ok)" {
				t.Fatalf("netlink-p2p printed %q", l)
			}
		})
	}
}

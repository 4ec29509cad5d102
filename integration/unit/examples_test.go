package unit_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/netns/nstest"
)

// inNS builds a command that runs inside the namespace.
func inNS(ns *nstest.NS, bin string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{fmt.Sprintf("--net=/proc/%d/fd/%d", os.Getpid(), ns.Handle.Fd()),
		bin}, args...)...)
}

// startLines starts cmd and returns a channel of its stdout lines.
func startLines(t *testing.T, cmd *exec.Cmd) <-chan string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return lines
}

func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("the program exited early")
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("no output line in 10s")
	}
	return ""
}

func TestNetlinkCSAsWritten(t *testing.T) {
	ns := nstest.New(t)
	bin := buildExample(t, "netlink-cs")
	lines := startLines(t, inNS(ns, bin))
	first := nextLine(t, lines)
	m := regexp.MustCompile(`^server portid (\d+)$`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first line %q, want `server portid N`", first)
	}
	client := inNS(ns, bin, "-m", "hello there", m[1])
	out, err := client.CombinedOutput()
	if err != nil {
		t.Fatalf("client: %v\n%s", err, out)
	}
	if want := "reply from portid " + m[1] + ": hello there\n"; string(out) != want {
		t.Fatalf("client printed %q, want %q", out, want)
	}
	got := nextLine(t, lines)
	want := fmt.Sprintf("received 11 bytes from portid %d: hello there", client.Process.Pid)
	if got != want {
		// nsenter execs the client, so its kernel-assigned portid is its process id.
		t.Fatalf("server printed %q, want %q", got, want)
	}
	// No server at that portid: exit non-zero with a clear message.
	out, err = inNS(ns, bin, "4000000001").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no such peer") {
		t.Fatalf("client to an absent portid: err %v, output %q", err, out)
	}
}

func TestNetlinkP2PAsWritten(t *testing.T) {
	bin := buildExample(t, "netlink-p2p")
	for _, mode := range [][]string{nil, {"-group", "4"}} {
		t.Run(fmt.Sprint("args", mode), func(t *testing.T) {
			ns := nstest.New(t)
			lines := startLines(t, inNS(ns, bin, append(mode, "-count", "1")...))
			if l := nextLine(t, lines); l != "peer portid 4001" {
				t.Fatalf("receiver printed %q", l)
			}
			out, err := inNS(ns, bin, append(mode, "-m", "peer text", "send")...).CombinedOutput()
			if err != nil {
				t.Fatalf("sender: %v\n%s", err, out)
			}
			if string(out) != "reply from portid 4001: peer text (ok)\n" {
				t.Fatalf("sender printed %q", out)
			}
			if l := nextLine(t, lines); l != "received 9 bytes from portid 4002: peer text (ok)" {
				t.Fatalf("receiver printed %q", l)
			}
		})
	}
}

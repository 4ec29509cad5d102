//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl/knetlink"
	"github.com/nlkit/nlkit/procnet"
)

// moduleLoaded reports whether this kernel has unit 17 (knetlink.ko loaded).
func moduleLoaded(t *testing.T) bool {
	c, err := nlkit.Dial(knetlink.Unit, nil)
	if errors.Is(err, syscall.EPROTONOSUPPORT) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	return true
}

func notLoadedLine(args []string) string {
	if len(args) == 1 && args[0] == "-genl" {
		return "genl family KNETLINK is not registered: load knetlink.ko\n"
	}
	return "unit 17 is not registered: load knetlink.ko\n"
}

var hostArgs = [][]string{nil, {"-group"}, {"-genl"}, {"-proc"}, {"-genl", "-group", "-proc", "-msg", "x"}}

// TestHost runs the checks on this machine's kernel: without knetlink.ko each must print exactly the
// tutorial's line and exit 1; with it (in the test VM), every check must pass.
func TestHost(t *testing.T) {
	loaded := moduleLoaded(t)
	for _, args := range hostArgs {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, env{dial: nlkit.Dial, sockets: procnet.Read, stdout: &stdout,
			stderr: &stderr})
		t.Logf("netlink-u2k %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
		if loaded {
			if code != 0 || !strings.Contains(stdout.String(), " ok: ") {
				t.Errorf("%q with the module: exit %d, stdout %q, stderr %q", args, code, stdout.String(),
					stderr.String())
			}
			continue
		}
		if want := notLoadedLine(args[:min(len(args), 1)]); code != 1 || stdout.Len() != 0 || stderr.String() != want {
			t.Errorf("%q without the module: exit %d, stdout %q, stderr %q, want %q", args, code, stdout.String(),
				stderr.String(), want)
		}
	}
}

// TestProgram builds the program and runs it as a user would (go run, without go run's own exit line).
func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command (as in the test VM); TestHost covers the checks")
	}
	if moduleLoaded(t) {
		t.Skip("knetlink.ko is loaded; TestHost covers the checks")
	}
	bin := filepath.Join(t.TempDir(), "netlink-u2k")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range hostArgs[:4] {
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		if code, want := cmd.ProcessState.ExitCode(), notLoadedLine(args); code != 1 || stdout.Len() != 0 ||
			stderr.String() != want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q, want %q", args, code, stdout.String(), stderr.String(), want)
		}
	}
}

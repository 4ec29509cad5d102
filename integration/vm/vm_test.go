package vm

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// guestPackages are built with `go test -c` and run, in order, in one boot.
// The marker name of each is the last element of its path.
var guestPackages = []string{"./guest"}

// Markers that /init prints besides one per binary (see run.sh).
var fixedMarkers = []string{"insmod", "rmmod-knetlink", "kernel-log"}

// skipOrFail skips t with reason, but fails it when CI=true: CI must not
// pass by skipping the VM.
func skipOrFail(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s", reason)
	}
	t.Skip(reason)
}

func TestVM(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: TestVM boots a kernel in qemu")
	}
	if runtime.GOOS != "linux" {
		skipOrFail(t, "TestVM needs Linux (it uses apt-get, /lib/modules and qemu), not "+runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		skipOrFail(t, "TestVM needs root (apt-get install, kernel headers under /lib/modules)")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		skipOrFail(t, "no apt-get on this host: the VM harness gets its kernel, headers, qemu and busybox from Debian's packages")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not found: %v", err)
	}

	// Leave a minute of the test deadline for reporting.
	ctx := context.Background()
	deadline := time.Now().Add(14 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-time.Minute)
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	out := t.TempDir()
	start := time.Now()

	// 1. Guest binaries (static, amd64 whatever the host).
	var bins, names []string
	for _, pkg := range guestPackages {
		name := filepath.Base(pkg)
		bin := filepath.Join(out, name+".test")
		cmd := exec.CommandContext(ctx, goTool, "test", "-c", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go test -c %s: %v\n%s", pkg, err, b)
		}
		bins = append(bins, bin)
		names = append(names, name)
	}
	t.Logf("built %d guest binaries in %v", len(bins), time.Since(start).Round(time.Millisecond))

	// 2. Packages, kernel, module.
	t0 := time.Now()
	if _, err := stream(ctx, t, nil, "./prepare.sh"); err != nil {
		t.Fatalf("prepare.sh: %v", err)
	}
	t.Logf("prepare.sh took %v", time.Since(t0).Round(time.Millisecond))

	// 3. One boot. run.sh kills qemu at NLKIT_VM_TIMEOUT; keep that inside
	// our own deadline.
	t0 = time.Now()
	vmTimeout := int(time.Until(deadline).Seconds()) - 20
	if v, err := strconv.Atoi(os.Getenv("NLKIT_VM_TIMEOUT")); err == nil && v < vmTimeout {
		vmTimeout = v
	}
	if vmTimeout < 30 {
		t.Fatalf("only %ds left for the VM", vmTimeout)
	}
	args := append([]string{"-o", out}, bins...)
	env := []string{"NLKIT_VM_TIMEOUT=" + strconv.Itoa(vmTimeout)}
	lines, runErr := stream(ctx, t, env, "./run.sh", args...)
	t.Logf("run.sh took %v (total %v)", time.Since(t0).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	// The verdict comes from the markers, not from qemu's exit status.
	results := map[string]string{}
	done, panicked := false, false
	for _, l := range lines {
		switch f := strings.Fields(l); {
		case len(f) == 3 && f[0] == "NLKIT-RESULT":
			results[f[1]] = f[2]
		case l == "NLKIT-VM-DONE":
			done = true
		case strings.Contains(l, "Kernel panic"):
			panicked = true
		}
	}
	for name, r := range results {
		if r != "PASS" {
			t.Errorf("VM: %s: %s", name, r)
		}
	}
	for _, name := range append(append([]string{}, fixedMarkers...), names...) {
		if _, ok := results[name]; !ok {
			t.Errorf("VM: no NLKIT-RESULT marker for %s", name)
		}
	}
	switch {
	case panicked:
		t.Errorf("VM: kernel panic (see the console above)")
	case !done:
		t.Errorf("VM: no NLKIT-VM-DONE: the VM died or timed out (run.sh: %v)", runErr)
	case runErr != nil && !t.Failed():
		t.Errorf("run.sh: %v, though every marker passed", runErr)
	}
}

// stream runs a script from this directory with extra environment,
// logging each output line (stdout and stderr) as it comes, and returns the
// lines.
func stream(ctx context.Context, t *testing.T, env []string, script string, args ...string) ([]string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, script, args...)
	setpgid(cmd) // so a timeout kills qemu too, not just the shell
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 10 * time.Second
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw

	var (
		lines []string
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l := strings.TrimRight(sc.Text(), "\r")
			lines = append(lines, l)
			t.Log(l)
		}
		io.Copy(io.Discard, pr) // an over-long line: keep draining
	}()
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	if ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	return lines, err
}

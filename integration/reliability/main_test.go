package reliability

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nlkit/nlkit/netns/nstest"
)

// envMode selects the size of the suite: "full" for `make reliability`, anything else (or unset) is short.
const envMode = "NLKIT_RELIABILITY"

// envVMGuest is set by integration/vm/run.sh for every binary it runs inside the VM.
const envVMGuest = "NLKIT_VM_GUEST"

// envChild makes the test binary act as a helper process (see child_test.go) instead of running tests.
const envChild = "NLKIT_RELIABILITY_CHILD"

// full reports whether the full-size suite runs.
var full = os.Getenv(envMode) == "full"

// inVM reports whether this binary runs inside the VM harness.
var inVM = os.Getenv(envVMGuest) == "1"

// size picks the count for the current mode.
func size(short, fullSize int) int {
	if full {
		return fullSize
	}
	return short
}

func TestMain(m *testing.M) {
	if role := os.Getenv(envChild); role != "" {
		os.Exit(runChild(role))
	}
	start := time.Now()
	code := m.Run()
	mode := "short"
	if full {
		mode = "full"
	}
	figures.Lock()
	measured := len(figures.m) > 0
	figures.Unlock()
	if measured { // not for -test.list, or a run of tests that measured nothing
		setFigure("mode", mode)
		setFigure("suite_seconds", fmt.Sprintf("%.1f", time.Since(start).Seconds()))
		printFigures(os.Stdout)
	}
	os.Exit(code)
}

// figures are the measurements printed at the end as `FIGURE name=value`.
var figures = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// setFigure records a measurement, replacing an earlier value.
func setFigure(name string, v any) {
	figures.Lock()
	defer figures.Unlock()
	figures.m[name] = fmt.Sprint(v)
}

// addFigure adds n to an integer measurement.
func addFigure(name string, n int64) {
	figures.Lock()
	defer figures.Unlock()
	old, _ := strconv.ParseInt(figures.m[name], 10, 64)
	figures.m[name] = strconv.FormatInt(old+n, 10)
}

// printFigures writes the measurements, the headline ones first.
func printFigures(w *os.File) {
	figures.Lock()
	defer figures.Unlock()
	head := []string{"inputs_tried", "panics", "events_lost", "leaks", "requests_mismatched"}
	var rest []string
	for k := range figures.m {
		if !slices.Contains(head, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range append(head, rest...) {
		if v, ok := figures.m[k]; ok {
			fmt.Fprintf(w, "FIGURE %s=%s\n", k, v)
		}
	}
}

// hostTest marks a test that runs on the host, in namespaces: inside the VM harness only vmguest_test.go runs.
func hostTest(t *testing.T) {
	t.Helper()
	if inVM {
		t.Skip("host test: inside the VM only TestVMGuest* runs")
	}
}

// newNS returns a fresh network namespace for a host test (nstest.New: it fails instead of skipping when CI is
// true).
func newNS(t *testing.T) *nstest.NS {
	t.Helper()
	hostTest(t)
	return nstest.New(t)
}

// needRoot skips the test unless it runs as root (fails when CI is true).
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		nstest.Skipf(t, "needs root (uid %d)", os.Geteuid())
	}
}

// needTool skips the test when a command is missing (fails when CI is true).
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		nstest.Skipf(t, "needs %s: %v", name, err)
	}
}

// resources is a count of goroutines and open file descriptors.
type resources struct{ goroutines, fds int }

func countResources() resources {
	n := -1 // ReadDir's own descriptor
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		n += len(ents)
	}
	return resources{goroutines: runtime.NumGoroutine(), fds: n}
}

// checkLeaks waits up to 5 s for the goroutine and descriptor counts to come back to before, and returns how
// many are still over (0 when nothing leaked).
func checkLeaks(t *testing.T, before resources) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		now := countResources()
		over := max(now.goroutines-before.goroutines, 0) + max(now.fds-before.fds, 0)
		if over == 0 || time.Now().After(deadline) {
			if over != 0 {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("leak: goroutines %d -> %d, fds %d -> %d\n%s", before.goroutines, now.goroutines,
					before.fds, now.fds, buf)
			}
			t.Logf("resources: goroutines %d -> %d, fds %d -> %d", before.goroutines, now.goroutines,
				before.fds, now.fds)
			return over
		}
		time.Sleep(20 * time.Millisecond)
	}
}

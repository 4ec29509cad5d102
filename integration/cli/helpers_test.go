package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// nlkitBin returns the nlkit program, built once per test binary (or prebuilt, in the test VM).
func nlkitBin(t *testing.T) string {
	t.Helper()
	return testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")
}

// env is one test's namespace and the two programs that work in it.
type env struct {
	t   *testing.T
	ns  *nstest.NS
	bin string
}

// newEnv makes a fresh named namespace (deleted when the test ends) with IPv6 duplicate address detection off,
// so that addresses do not change state between two listings.
func newEnv(t *testing.T) *env {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		nstest.Skipf(t, "iproute2's ip is not installed: %v", err)
	}
	if out, err := exec.Command("ip", "-j", "-V").CombinedOutput(); err != nil {
		nstest.Skipf(t, "ip cannot print JSON: %v %s", err, out)
	}
	e := &env{t: t, ns: nstest.NewNamed(t), bin: nlkitBin(t)}
	err := e.ns.Do(func() error {
		for _, p := range []string{"/proc/sys/net/ipv6/conf/all/accept_dad", "/proc/sys/net/ipv6/conf/default/accept_dad"} {
			if err := os.WriteFile(p, []byte("0"), 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Logf("turning DAD off: %v", err)
	}
	return e
}

// result is what a command printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

func (e *env) exec(name string, args ...string) result {
	e.t.Helper()
	return e.run(name, append([]string{"-n", e.ns.Name}, args...)...)
}

// run runs a command as it is (for the few that have no -n: their object is not per namespace).
func (e *env) run(name string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		e.t.Fatalf("%s %v: %v", name, args, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// ip runs `ip -n NS args...`; nlkit runs `nlkit -n NS args...`.
func (e *env) ip(args ...string) result    { e.t.Helper(); return e.exec("ip", args...) }
func (e *env) nlkit(args ...string) result { e.t.Helper(); return e.exec(e.bin, args...) }

// mustIP and mustNlkit fail the test unless the command succeeds, and return its output.
func (e *env) mustIP(args ...string) string {
	e.t.Helper()
	r := e.ip(args...)
	if r.code != 0 {
		e.t.Fatalf("ip %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

func (e *env) mustNlkit(args ...string) string {
	e.t.Helper()
	r := e.nlkit(args...)
	if r.code != 0 {
		e.t.Fatalf("nlkit %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// tryIP runs an ip command that may fail on kernels without a feature; it reports whether it worked.
func (e *env) tryIP(args ...string) bool {
	e.t.Helper()
	r := e.ip(args...)
	if r.code != 0 {
		e.t.Logf("ip %s: %s (skipped)", strings.Join(args, " "), strings.TrimSpace(r.stderr))
	}
	return r.code == 0
}

// jsonDiff compares `nlkit -j ARGS` with `ip -j ARGS` element by element and key by key. Where iproute2 6.1
// is known to differ from newer iproute2, nlkit follows the newer one and the comparison allows for it:
//   - ip 6.1 does not print an address's IFA_PROTO ("protocol" in addr_info);
//   - ip 6.1 prints an empty object for each link its "up" filter rejects in JSON mode.
func jsonDiff(nl, ip string) error {
	var a, b []map[string]any
	if err := json.Unmarshal([]byte(nl), &a); err != nil {
		return fmt.Errorf("nlkit printed invalid JSON: %v: %.300s", err, nl)
	}
	if err := json.Unmarshal([]byte(ip), &b); err != nil {
		return fmt.Errorf("ip printed invalid JSON: %v: %.300s", err, ip)
	}
	b = slices.DeleteFunc(b, func(m map[string]any) bool { return len(m) == 0 })
	return objectsDiff(a, b)
}

// objectsDiff compares two decoded listings.
func objectsDiff(a, b []map[string]any) error {
	if len(a) != len(b) {
		return fmt.Errorf("nlkit printed %d objects, ip %d", len(a), len(b))
	}
	for i := range a {
		normalize(a[i], b[i])
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Errorf("object %d differs%s\nnlkit: %s\nip:    %s", i, keyDiff(a[i], b[i]), js(a[i]), js(b[i]))
		}
	}
	return nil
}

// normalize drops from nl the addr_info "protocol" keys that ip does not print.
func normalize(nl, ip map[string]any) {
	na, ok1 := nl["addr_info"].([]any)
	ia, ok2 := ip["addr_info"].([]any)
	if !ok1 || !ok2 || len(na) != len(ia) {
		return
	}
	for j := range na {
		n, _ := na[j].(map[string]any)
		o, _ := ia[j].(map[string]any)
		if _, has := o["protocol"]; n != nil && o != nil && !has {
			delete(n, "protocol")
		}
	}
}

func keyDiff(a, b map[string]any) string {
	var s []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			s = append(s, fmt.Sprintf("only nlkit has %q", k))
		} else if !reflect.DeepEqual(v, w) {
			s = append(s, fmt.Sprintf("%q: nlkit %v, ip %v", k, v, w))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			s = append(s, fmt.Sprintf("only ip has %q", k))
		}
	}
	return ": " + strings.Join(s, "; ")
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// agree checks that nlkit and ip print the same JSON for args, retrying briefly while the kernel settles
// (carrier and operational state change for a moment after a link comes up).
func (e *env) agree(args ...string) {
	e.t.Helper()
	var err error
	for try := 0; try < 5; try++ {
		nl := e.mustNlkit(append([]string{"-j"}, args...)...)
		ip := e.mustIP(append([]string{"-j"}, args...)...)
		if err = jsonDiff(nl, ip); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.t.Errorf("nlkit -j %s and ip -j %s disagree: %v", strings.Join(args, " "), strings.Join(args, " "), err)
}

// agreeText checks that the plain outputs are equal.
func (e *env) agreeText(args ...string) {
	e.t.Helper()
	var nl, ip string
	for try := 0; try < 5; try++ {
		nl, ip = e.mustNlkit(args...), e.mustIP(args...)
		if nl == ip {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.t.Errorf("nlkit %s and ip %s print differently:\nnlkit:\n%s\nip:\n%s", strings.Join(args, " "),
		strings.Join(args, " "), nl, ip)
}

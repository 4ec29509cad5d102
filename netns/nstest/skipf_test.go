package nstest_test

import (
	"fmt"
	"testing"

	"github.com/nlkit/nlkit/netns/nstest"
)

// recordTB records the first of Skipf and Fatalf; unlike testing.T it returns.
type recordTB struct {
	testing.TB
	got string
}

func (r *recordTB) Helper() {}

func (r *recordTB) Skipf(format string, args ...any) {
	if r.got == "" {
		r.got = "skip: " + fmt.Sprintf(format, args...)
	}
}

func (r *recordTB) Fatalf(format string, args ...any) {
	if r.got == "" {
		r.got = "fatal: " + fmt.Sprintf(format, args...)
	}
}

func TestSkipfFailsOnCI(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{
		{"", "skip: no x"},
		{"false", "skip: no x"},
		{"true", "fatal: no x (CI is true: failing instead of skipping)"},
		{"1", "fatal: no x (CI is true: failing instead of skipping)"},
	} {
		t.Setenv("CI", tc.ci)
		r := &recordTB{TB: t}
		nstest.Skipf(r, "no %s", "x")
		if r.got != tc.want {
			t.Errorf("CI=%q: got %q, want %q", tc.ci, r.got, tc.want)
		}
	}
}

package pkgvars

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// allowed are the mutable package-level variables the library keeps on purpose, with the reason. Each must
// still exist: a stale entry fails the test.
var allowed = map[string]string{
	"github.com/nlkit/nlkit/netns.runDirMu": "serialises the preparation of /run/netns, a process-wide " +
		"resource (one mount table per mount namespace), so no handle could own the lock",
	"github.com/nlkit/nlkit/netns/nstest.userNSErr": "set once by nstest.Main (TestMain) before any test runs: " +
		"whether this test process could enter a user namespace is a fact about the process",
	"github.com/nlkit/nlkit/internal/testbin.mu": "test support only (imported by _test.go files): the programs " +
		"a test process builds are files it builds once per process",
	"github.com/nlkit/nlkit/internal/testbin.builds": "as testbin.mu, which guards it",
	"github.com/nlkit/nlkit/families/route.noExtra": "the zero RouteExtra that Route.ext returns for reading " +
		"(its address is taken so reads need no copy); nothing writes through it",
}

// TestLibraryHasOnlyImmutablePackageVars lists the package-level variables of every library package of the
// module (all but cmd, examples, integration, bench, and tests) and fails on any that is not an immutable table.
func TestLibraryHasOnlyImmutablePackageVars(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	c := New(linux())
	libs, err := c.Module(root, "cmd", "examples", "integration", "bench")
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) < 10 {
		t.Fatalf("only %d library packages found under %s", len(libs), root)
	}
	found := map[string]bool{}
	for _, l := range libs {
		fs, err := c.Package(l.Dir, l.Path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			found[f.Var] = true
			if _, ok := allowed[f.Var]; !ok {
				t.Errorf("%v", f)
			}
		}
	}
	for v := range allowed {
		if !found[v] {
			t.Errorf("%s is allowed but no longer found: drop it from the list", v)
		}
	}
}

// TestPlantedVars runs the checker on a package with one variable of each kind: it must find exactly the
// mutable ones.
func TestPlantedVars(t *testing.T) {
	c := New(linux())
	fs, err := c.Package("testdata/planted", "planted")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, strings.TrimPrefix(f.Var, "planted."))
		t.Log(f)
	}
	slices.Sort(got)
	want := []string{"Exported", "addressed", "assigned", "bumped", "deleted", "elemWrite", "fieldSet", "flag", "hook",
		"mapWrite", "mu", "otherState", "ptrMethod", "starts", "testHook"}
	if !slices.Equal(got, want) {
		t.Errorf("found %q\nwant  %q", got, want)
	}
}

func linux() build.Context {
	ctx := build.Default
	ctx.GOOS = "linux"
	return ctx
}

// TestPlantedModule checks writes from outside a package: from a command of the module (under a renamed import)
// and from the package's external test.
func TestPlantedModule(t *testing.T) {
	c := New(linux())
	libs, err := c.Module("testdata/mod", "cmd")
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) != 1 || libs[0].Path != "example.com/mod/lib" {
		t.Fatalf("libraries %+v", libs)
	}
	fs, err := c.Package(libs[0].Dir, libs[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Var)
		t.Log(f)
	}
	slices.Sort(got)
	if want := []string{"example.com/mod/lib.Other", "example.com/mod/lib.Setting"}; !slices.Equal(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}

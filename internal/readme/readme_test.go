package readme

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the module's root, two directories up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at the module root %s: %v", root, err)
	}
	return root
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstGoBlock returns the body of the first ```go fence in md.
func firstGoBlock(md string) (string, bool) {
	_, rest, ok := strings.Cut(md, "\n```go\n")
	if !ok {
		return "", false
	}
	body, _, ok := strings.Cut(rest, "\n```")
	return body + "\n", ok
}

var goDirective = regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`)

// goVersion returns go.mod's language version as "1.N".
func goVersion(t *testing.T, gomod string) string {
	t.Helper()
	m := goDirective.FindStringSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return m[1] + "." + m[2]
}

// TestFirstExampleBuilds writes the README's first Go block into a module of its own that requires
// github.com/nlkit/nlkit, replaced by this checkout, and runs go vet and go build on it: what a reader gets by
// pasting the example into a new program. It needs no network: the module's dependencies come from the
// module cache (go mod download, as .ci/run does), and their checksums from this module's go.sum.
func TestFirstExampleBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program (-short)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no go command to build the README's example: %v", err)
		}
		t.Skipf("no go command: %v", err)
	}
	root := repoRoot(t)
	src, ok := firstGoBlock(readFile(t, filepath.Join(root, "README.md")))
	if !ok {
		t.Fatal("README.md has no ```go block")
	}
	if !strings.HasPrefix(src, "package main\n") || !strings.Contains(src, "\nfunc main() {") {
		t.Fatalf("the README's first Go block is not a whole program (package main with func main):\n%s", src)
	}

	gomod := readFile(t, filepath.Join(root, "go.mod"))
	dir := t.TempDir()
	mod := "module example.com/readme\n\ngo " + goVersion(t, gomod) + "\n\n" +
		"require github.com/nlkit/nlkit v0.0.0\n\n" +
		"replace github.com/nlkit/nlkit => " + root + "\n"
	for name, content := range map[string]string{
		"main.go": src,
		"go.mod":  mod,
		"go.sum":  readFile(t, filepath.Join(root, "go.sum")),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	for _, args := range [][]string{{"vet", "."}, {"build", "-o", os.DevNull, "."}} {
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("go %s on the README's first example: %v\n%s\nthe example:\n%s", strings.Join(args, " "), err,
				out.String(), src)
		}
	}
}

// TestInstallSection: the README says how to get the module and which Go it needs, and that Go is go.mod's.
func TestInstallSection(t *testing.T) {
	root := repoRoot(t)
	md := readFile(t, filepath.Join(root, "README.md"))
	_, install, ok := strings.Cut(md, "\n## Install\n")
	if !ok {
		t.Fatal(`README.md has no "## Install" section`)
	}
	if i := strings.Index(install, "\n## "); i >= 0 {
		install = install[:i]
	}
	if !strings.Contains(install, "go get github.com/nlkit/nlkit@latest") {
		t.Error("the Install section does not say go get github.com/nlkit/nlkit@latest")
	}
	if v := "Go " + goVersion(t, readFile(t, filepath.Join(root, "go.mod"))); !strings.Contains(install, v) {
		t.Errorf("the Install section does not name %s, the version go.mod declares", v)
	}
}

func TestFirstGoBlock(t *testing.T) {
	for _, c := range []struct {
		md, want string
		ok       bool
	}{
		{"# x\n\n```sh\nls\n```\n\n```go\npackage main\n```\n\n```go\npackage second\n```\n", "package main\n", true},
		{"# x\n```go\npackage main\n", "", false},
		{"no code", "", false},
	} {
		got, ok := firstGoBlock(c.md)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("firstGoBlock(%q) = %q, %v; want %q, %v", c.md, got, ok, c.want, c.ok)
		}
	}
}

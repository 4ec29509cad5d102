// Package testbin gives tests the project's programs as binaries: built once per test process with go build,
// or taken from $NLKIT_PREBUILT_DIR where the host built them (the test VM has neither go nor gcc). It also
// holds small helpers the integration tests share.
package testbin

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// PrebuiltEnv names the directory of binaries the host built for the test VM.
const PrebuiltEnv = "NLKIT_PREBUILT_DIR"

type build struct {
	once sync.Once
	path string
	err  error
}

var (
	mu     sync.Mutex
	builds = map[string]*build{}
)

// Go returns the path of the program pkg (an import path such as github.com/nlkit/nlkit/cmd/nlkit), named name:
// $NLKIT_PREBUILT_DIR/name when that is set, otherwise a go build made once per test process into
// $TMPDIR/nlkit-testbin.
func Go(t testing.TB, pkg, name string) string {
	t.Helper()
	return get(t, name, func(out string) error {
		b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput()
		if err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
		return nil
	})
}

// C returns the path of a C program built from src with gcc (or $NLKIT_PREBUILT_DIR/name when set).
func C(t testing.TB, src, name string) string {
	t.Helper()
	return get(t, name, func(out string) error {
		b, err := exec.Command("gcc", "-Wall", "-O2", "-o", out, src).CombinedOutput()
		if err != nil {
			return fmt.Errorf("gcc %s: %v\n%s", src, err, b)
		}
		return nil
	})
}

func get(t testing.TB, name string, make func(out string) error) string {
	t.Helper()
	mu.Lock()
	b := builds[name]
	if b == nil {
		b = &build{}
		builds[name] = b
	}
	mu.Unlock()
	b.once.Do(func() {
		if dir := os.Getenv(PrebuiltEnv); dir != "" {
			b.path = filepath.Join(dir, name)
			if _, err := os.Stat(b.path); err != nil {
				b.err = fmt.Errorf("%s is set but has no %s: %v", PrebuiltEnv, name, err)
			}
			return
		}
		dir := filepath.Join(os.TempDir(), "nlkit-testbin")
		if b.err = os.MkdirAll(dir, 0o755); b.err != nil {
			return
		}
		tmp := filepath.Join(dir, fmt.Sprintf("%s.%d", name, os.Getpid()))
		if b.err = make(tmp); b.err != nil {
			return
		}
		// One file per program, replaced atomically by each build, so runs leave no trail of copies.
		b.path = filepath.Join(dir, name)
		b.err = os.Rename(tmp, b.path)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// SyncBuffer collects a process's output while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

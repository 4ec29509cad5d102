package netns

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestNsTypeFromLink: the check a 32-bit program falls back to where nsfs has no compat ioctl (Linux 6.1) tells
// a network namespace from another namespace and from a file that is none.
func TestNsTypeFromLink(t *testing.T) {
	for path, want := range map[string]string{
		"/proc/self/ns/net": "",
		"/proc/self/ns/uts": "not a network namespace",
		"/proc/self/status": "not a namespace file",
	} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = nsTypeFromLink(path, int(f.Fd()))
		f.Close()
		if got := fmt.Sprint(err); want == "" && err != nil || want != "" && !strings.Contains(got, want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
}

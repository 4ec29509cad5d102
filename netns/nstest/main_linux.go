//go:build linux

package nstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit/netns"
	"golang.org/x/sys/unix"
)

// envUserNS marks the copy of the test binary that Main started inside a user
// namespace, so that it does not start another.
const envUserNS = "NLKIT_NSTEST_USERNS"

// userNSErr records why Main could not use a user namespace, for skip reasons.
var userNSErr error

// Main runs the tests in m and exits; call it from TestMain:
//
//	func TestMain(m *testing.M) { nstest.Main(m) }
//
// If the process may create network namespaces (it has CAP_SYS_ADMIN, as
// root does), Main just runs the tests. Otherwise it runs the test binary
// again, with the same arguments, in a new user, mount and network namespace
// (clone flags CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWNET) where the real user is
// mapped to uid 0, the way `unshare -Urnm` does; that copy runs the tests and
// Main exits with its status.
//
// The new network namespace is needed, not a choice: a thread can only
// setns(2) into a namespace owned by a user namespace where it has
// CAP_SYS_ADMIN, so from inside a user namespace it could enter the network
// namespaces it creates but never return to the host's. The tests therefore
// run in a private network namespace, with lo up and no other links. Inside,
// a private tmpfs is also mounted on /run/netns (when that directory exists)
// so that [NewNamed] works without touching the host's named namespaces.
//
// If the kernel refuses the user namespace, Main runs the tests as they are
// and New and NewNamed skip with the reason (or fail when CI is true).
func Main(m *testing.M) {
	if os.Getenv(envUserNS) == "" && !canCreate() {
		code, err := runInUserNS()
		if err == nil {
			os.Exit(code)
		}
		userNSErr = err
	}
	if os.Getenv(envUserNS) != "" {
		// Best effort: without it NewNamed reports why it cannot work.
		unix.Mount("nstest", netns.RunDir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755")
		if err := linkUp("lo"); err != nil { // every thread is in the new namespace
			fmt.Fprintf(os.Stderr, "nstest: bringing lo up: %v\n", err)
		}
	}
	os.Exit(m.Run())
}

func canCreate() bool {
	h, err := netns.New()
	h.Close()
	return err == nil
}

// runInUserNS runs this test binary again inside a new user and mount
// namespace and returns its exit status, or an error if it could not start.
func runInUserNS() (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envUserNS+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		// The kernel sends Pdeathsig when the forking thread exits, so the
		// thread stays locked until the child is gone.
		Pdeathsig: syscall.SIGKILL,
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			fmt.Fprintf(os.Stderr, "nstest: test process in user namespace: %v\n", ws.Signal())
			return 2, nil
		}
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("starting the tests in a user namespace: %w", err)
	}
	return 0, nil
}

// hint explains, for skip messages, how to get namespaces.
func hint(named bool) string {
	switch {
	case os.Getenv(envUserNS) != "" && named:
		return " (inside nstest's user namespace, which needs an existing " + netns.RunDir +
			" for named namespaces: create it once as root)"
	case os.Getenv(envUserNS) != "":
		return " (inside nstest's user namespace)"
	case userNSErr != nil:
		return fmt.Sprintf(" (not root, and nstest.Main could not use a user namespace: %v)", userNSErr)
	default:
		return " (run as root, or call nstest.Main from TestMain to use a user namespace)"
	}
}

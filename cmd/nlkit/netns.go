package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns"
	"golang.org/x/sys/unix"
)

// statusError is an error printed as it is with ip's exit status for it (255 for ip's exit(-1)).
type statusError struct {
	msg  string
	code int
}

func (e *statusError) Error() string { return e.msg }

const netnsUsage = `Usage:	nlkit netns list
	nlkit netns add NAME
	nlkit netns set NAME NETNSID
	nlkit [-all] netns delete [NAME]
	nlkit netns identify [PID]
	nlkit netns pids NAME
	nlkit [-all] netns exec [NAME] cmd ...
	nlkit netns list-id [target-nsid POSITIVE-INT] [nsid POSITIVE-INT]
NETNSID := auto | POSITIVE-INT`

// cmdNetns is `ip netns`: the named namespaces of /run/netns and their nsids.
func (a *app) cmdNetns(argv []string) error {
	return runCommand("netns", netnsUsage, argv,
		command{"list show lst", a.listing(a.netnsList)},
		command{"list-id", a.listing(a.netnsListID)},
		command{"add", a.netnsAdd},
		command{"set", a.netnsSet},
		command{"delete", a.netnsDelete},
		command{"identify", a.netnsIdentify},
		command{"pids", a.netnsPids},
		command{"exec", a.netnsExec})
}

// runDirNames lists /run/netns in directory order, as ip's readdir loops see it.
func runDirNames() ([]string, error) {
	f, err := os.Open(netns.RunDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if n := e.Name(); n != "." && n != ".." {
			names = append(names, n)
		}
	}
	return names, nil
}

// nsidOfName is get_netnsid_from_name: the nsid the named namespace has here, or -1.
func (a *app) nsidOfName(c *route.Client, name string) int32 {
	f, err := os.Open(filepath.Join(netns.RunDir, name))
	if err != nil {
		return route.NSIDNotAssigned
	}
	defer f.Close()
	id, err := c.GetNSID(a.ctx, route.NetNSFD(int(f.Fd())))
	if err != nil {
		return route.NSIDNotAssigned
	}
	return id
}

// netnsList is `ip netns list`: each name, with "(id: N)" when it has an nsid here.
func (a *app) netnsList(argv []string) error {
	if len(argv) > 0 {
		return usagef("Command %q is unknown, try \"nlkit netns help\".", argv[0])
	}
	names, err := runDirNames()
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	p := a.p
	for _, n := range names {
		p.openObj("")
		p.str("name", "%s", n)
		if id := a.nsidOfName(c, n); id >= 0 {
			p.int("id", " (id: %d)", int64(id))
		}
		p.text("\n")
		p.closeObj()
	}
	return nil
}

// netnsListID is `ip netns list-id [target-nsid N] [nsid N]`: the nsids assigned here (or in the namespace
// with nsid N), each with its name when a named namespace has it.
func (a *app) netnsListID(argv []string) error {
	var target route.NetNSTarget
	only, hasOnly := int32(0), false
	for av := newArgs(argv); av.more(); {
		w := av.take()
		v, err := av.value()
		if err != nil {
			return err
		}
		n, perr := strconv.ParseUint(v, 10, 31)
		switch {
		case w == "target-nsid" && perr == nil:
			target = route.NetNSID(int32(n))
		case w == "nsid" && perr == nil:
			only, hasOnly = int32(n), true
		case w == "target-nsid" || w == "nsid":
			return invarg("\"nsid\" value should be >= 0", v)
		default:
			return usagef("Unknown argument: %s", w)
		}
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	ids, err := c.ListNSIDs(a.ctx, target)
	if err != nil {
		return err
	}
	// The names of the nsids, as ip finds them: the nsid each named namespace has here.
	names := map[int32]string{}
	if all, err := runDirNames(); err == nil {
		for _, n := range all {
			if id := a.nsidOfName(c, n); id >= 0 {
				if _, dup := names[id]; !dup {
					names[id] = n
				}
			}
		}
	}
	p := a.p
	for _, id := range ids {
		if hasOnly && id.NSID != only {
			continue
		}
		p.openObj("")
		p.uint("nsid", "nsid %d ", uint64(id.NSID))
		if id.HasCurrent && id.Current >= 0 {
			p.uint("current-nsid", "current-nsid %d ", uint64(id.Current))
		}
		here := id.NSID // the id the namespace has here, which names are found by
		if id.HasCurrent {
			here = id.Current
		}
		if n, ok := names[here]; ok {
			p.str("name", "(iproute2 netns name: %s)", n)
		}
		p.text("\n")
		p.closeObj()
	}
	return nil
}

// netnsAdd is `ip netns add NAME`.
func (a *app) netnsAdd(argv []string) error {
	if len(argv) != 1 {
		return &notFoundError{msg: "No netns name specified"}
	}
	name := argv[0]
	if err := checkNetnsName(name); err != nil {
		return err
	}
	h, err := netns.NewNamed(name)
	if err != nil {
		return &notFoundError{msg: fmt.Sprintf("Cannot create namespace file %q: %s", filepath.Join(netns.RunDir, name),
			strerror(errnoOf(err, unix.EIO)))}
	}
	return h.Close()
}

// checkNetnsName is ip's is_valid_netns_name check (a file name in /run/netns).
func checkNetnsName(name string) error {
	if name == "" || len(name) >= unix.NAME_MAX || strings.Contains(name, "/") || name == "." || name == ".." {
		return &statusError{msg: fmt.Sprintf("Invalid netns name %q", name), code: 255}
	}
	return nil
}

// errnoOf finds the errno in err, or def.
func errnoOf(err error, def syscall.Errno) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return def
}

// netnsDelete is `ip netns delete NAME` and `ip -all netns delete`.
func (a *app) netnsDelete(argv []string) error {
	var names []string
	switch {
	case a.all && len(argv) == 0:
		var err error
		if names, err = runDirNames(); err != nil {
			return err
		}
	case len(argv) == 1:
		names = argv
	default:
		return &notFoundError{msg: "No netns name specified"}
	}
	for _, n := range names {
		if err := netns.DeleteNamed(n); err != nil {
			return &notFoundError{msg: fmt.Sprintf("Cannot remove namespace file %q: %s",
				filepath.Join(netns.RunDir, n), strerror(errnoOf(err, unix.EIO)))}
		}
	}
	return nil
}

// netnsSet is `ip netns set NAME NSID|auto` (RTM_NEWNSID).
func (a *app) netnsSet(argv []string) error {
	if len(argv) < 2 {
		return &notFoundError{msg: "No netns name specified"}
	}
	id := int32(route.NSIDNotAssigned)
	if argv[1] != "auto" {
		n, err := strconv.ParseUint(argv[1], 10, 31)
		if err != nil {
			return &statusError{msg: fmt.Sprintf("Invalid \"netnsid\" value %q", argv[1]), code: 1}
		}
		id = int32(n)
	}
	f, err := os.Open(filepath.Join(netns.RunDir, argv[0]))
	if err != nil {
		return &notFoundError{msg: fmt.Sprintf("Cannot open network namespace %q: %s", argv[0],
			strerror(errnoOf(err, unix.ENOENT)))}
	}
	defer f.Close()
	c, err := a.client()
	if err != nil {
		return err
	}
	return c.AssignNSID(a.ctx, route.NetNSFD(int(f.Fd())), id)
}

// sameNetns reports whether two nsfs paths name the same namespace (same device and inode).
func sameNetns(st *unix.Stat_t, path string) bool {
	var o unix.Stat_t
	return unix.Stat(path, &o) == nil && o.Dev == st.Dev && o.Ino == st.Ino
}

// netnsIdentify is `ip netns identify [PID]`: the names of the namespace the process is in.
func (a *app) netnsIdentify(argv []string) error {
	pid := "self"
	if len(argv) > 1 {
		return &notFoundError{msg: "extra arguments specified"}
	}
	if len(argv) == 1 {
		pid = argv[0]
	}
	var st unix.Stat_t
	path := "/proc/" + pid + "/ns/net"
	if err := unix.Stat(path, &st); err != nil {
		return &notFoundError{msg: fmt.Sprintf("Cannot open network namespace: %s", strerror(errnoOf(err, unix.ENOENT)))}
	}
	names, err := runDirNames()
	if err != nil {
		return err
	}
	found := ""
	for _, n := range names {
		if sameNetns(&st, filepath.Join(netns.RunDir, n)) {
			found = n // as ip's netns_identify_pid: the first name, or an empty line
			break
		}
	}
	a.p.b = append(append(a.p.b, found...), '\n')
	return nil
}

// netnsPids is `ip netns pids NAME`: the processes in the named namespace.
func (a *app) netnsPids(argv []string) error {
	if len(argv) != 1 {
		return &notFoundError{msg: "No netns name specified"}
	}
	var st unix.Stat_t
	path := filepath.Join(netns.RunDir, argv[0])
	if err := unix.Stat(path, &st); err != nil {
		return &notFoundError{msg: fmt.Sprintf("Cannot stat a network namespace %q: %s", path,
			strerror(errnoOf(err, unix.ENOENT)))}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if sameNetns(&st, "/proc/"+e.Name()+"/ns/net") {
			a.p.b = append(append(a.p.b, e.Name()...), '\n')
		}
	}
	return nil
}

// netnsExec is `ip netns exec NAME CMD...` (and `ip -all netns exec CMD...`): CMD runs in the namespace, in a
// mount namespace of its own where /sys is the namespace's sysfs and the files of /etc/netns/NAME are
// bind-mounted over /etc, as ip's netns_switch arranges.
func (a *app) netnsExec(argv []string) error {
	if a.all {
		return a.netnsExecAll(argv)
	}
	if len(argv) < 1 {
		return &notFoundError{msg: "No netns name specified"}
	}
	if len(argv) < 2 {
		return &notFoundError{msg: "No command specified"}
	}
	name, cmd := argv[0], argv[1:]
	path, err := exec.LookPath(cmd[0])
	if err != nil {
		return &notFoundError{msg: fmt.Sprintf("exec of %q failed: %s", cmd[0], strerror(errnoOf(err, unix.ENOENT)))}
	}
	runtime.LockOSThread() // never unlocked: the thread execs or the command fails
	if err := switchNetns(name); err != nil {
		return err
	}
	a.flushOutput()
	err = syscall.Exec(path, cmd, os.Environ())
	return &statusError{msg: fmt.Sprintf("exec of %q failed: %s", cmd[0], strerror(errnoOf(err, unix.ENOEXEC))), code: 255}
}

// flushOutput writes what was printed so far, before the process image is replaced.
func (a *app) flushOutput() {
	if a.p != nil {
		_ = a.p.flush(a.stdout)
	}
}

// switchNetns is ip's netns_switch on the calling (locked) thread: setns to /run/netns/NAME, a mount
// namespace of its own with / a slave, the namespace's sysfs on /sys, and /etc/netns/NAME's files over /etc.
func switchNetns(name string) error {
	path := filepath.Join(netns.RunDir, name)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &statusError{msg: fmt.Sprintf("Cannot open network namespace %q: %s", name, strerror(errnoOf(err, unix.ENOENT))), code: 255}
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		return &statusError{msg: fmt.Sprintf("setting the network namespace %q failed: %s", name, strerror(errnoOf(err, unix.EINVAL))), code: 255}
	}
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return &statusError{msg: fmt.Sprintf("unshare failed: %s", strerror(errnoOf(err, unix.EINVAL))), code: 255}
	}
	if err := unix.Mount("", "/", "none", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return &statusError{msg: fmt.Sprintf("\"mount --make-rslave /\" failed: %s", strerror(errnoOf(err, unix.EINVAL))), code: 255}
	}
	var flags uintptr
	if err := unix.Unmount("/sys", unix.MNT_DETACH); err != nil {
		// As ip: a /sys that cannot be unmounted (e.g. locked in a user namespace) gets the new one read-only.
		flags = unix.MS_RDONLY
	}
	if err := unix.Mount(name, "/sys", "sysfs", flags, ""); err != nil {
		return &statusError{msg: fmt.Sprintf("mount of /sys failed: %s", strerror(errnoOf(err, unix.EINVAL))), code: 255}
	}
	bindEtc(name)
	return nil
}

// bindEtc is ip's bind_etc: each file of /etc/netns/NAME is bind-mounted over the same name in /etc.
func bindEtc(name string) {
	dir := filepath.Join("/etc/netns", name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		src, dst := filepath.Join(dir, e.Name()), filepath.Join("/etc", e.Name())
		if err := unix.Mount(src, dst, "none", unix.MS_BIND, ""); err != nil {
			fmt.Fprintf(os.Stderr, "Bind %s -> %s failed: %s\n", src, dst, strerror(errnoOf(err, unix.EINVAL)))
		}
	}
}

// netnsExecAll is `ip -all netns exec CMD...`: CMD in each named namespace in turn, each after
// "\nnetns: NAME\n", through this program's own `netns exec`.
func (a *app) netnsExecAll(cmd []string) error {
	if len(cmd) == 0 {
		return &notFoundError{msg: "No command specified"}
	}
	names, err := runDirNames()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var failed error
	for _, n := range names {
		a.p.b = fmt.Appendf(a.p.b, "\nnetns: %s\n", n)
		a.flushOutput()
		c := exec.Command(self, append([]string{"netns", "exec", n}, cmd...)...)
		c.Stdin, c.Stdout, c.Stderr = os.Stdin, a.stdout, a.stderr
		if err := c.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				return err
			}
			failed = &statusError{msg: "", code: ee.ExitCode()}
		}
	}
	return failed
}

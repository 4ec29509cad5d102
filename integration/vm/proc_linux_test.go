package vm

import (
	"os/exec"
	"syscall"
)

// setpgid puts cmd in its own process group and makes cancellation kill the
// whole group (the script and the qemu it started).
func setpgid(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

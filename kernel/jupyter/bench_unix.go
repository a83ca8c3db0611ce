//go:build unix

package jupyter

import (
	"os/exec"
	"syscall"
)

// newProcessGroup makes cmd the leader of a process group of its own.
func newProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

package jupyter

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// dieWithParent asks Linux to send SIGTERM when the parent process dies.
func dieWithParent() { unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0) }

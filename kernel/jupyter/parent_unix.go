//go:build unix

package jupyter

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// parentGone returns a check that reports whether the kernel's parent has died, and the parent's
// description; nil when there is no parent worth watching. The parent is JPY_PARENT_PID's process if
// that is set, else os.Getppid(); without JPY_PARENT_PID, being re-parented (to init or a subreaper)
// also counts as the parent's death.
func parentGone() (func() bool, string) {
	pid, fromEnv := os.Getppid(), false
	if v, err := strconv.Atoi(os.Getenv("JPY_PARENT_PID")); err == nil && v > 0 {
		pid, fromEnv = v, true
	}
	if pid <= 1 || !processAlive(pid) {
		return nil, ""
	}
	dieWithParent()
	return func() bool {
		return !processAlive(pid) || (!fromEnv && os.Getppid() != pid)
	}, "pid " + strconv.Itoa(pid)
}

// processAlive reports whether the process pid exists (a zombie, waiting to be reaped, does not count).
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// "pid (comm) S …": the state follows the last ')'.
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) && s[i+2] == 'Z' {
			return false
		}
	}
	return true
}

package jupyter

import (
	"os"
	"strconv"

	"golang.org/x/sys/windows"
)

// parentGone returns a check that reports whether the kernel's parent has died, and the parent's
// description; nil when there is no parent that can be watched. On Windows, Jupyter's launcher passes
// JPY_PARENT_PID as a process handle that the kernel inherits (not a process id); a value that is not
// a usable handle is taken as a process id, and without JPY_PARENT_PID the parent process is opened by
// its id at start, so that a later process reusing the id cannot pass for it.
func parentGone() (func() bool, string) {
	if v, err := strconv.ParseUint(os.Getenv("JPY_PARENT_PID"), 10, 64); err == nil && v > 0 {
		h := windows.Handle(v)
		if _, err := windows.WaitForSingleObject(h, 0); err == nil {
			return handleSignaled(h), "handle " + strconv.FormatUint(v, 10)
		}
		if gone, who := openParent(uint32(v)); gone != nil {
			return gone, who
		}
		return nil, ""
	}
	return openParent(uint32(os.Getppid()))
}

// openParent watches the process pid through a handle opened now; nil if it cannot be opened.
func openParent(pid uint32) (func() bool, string) {
	if pid == 0 {
		return nil, ""
	}
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, pid)
	if err != nil {
		return nil, ""
	}
	return handleSignaled(h), "pid " + strconv.FormatUint(uint64(pid), 10)
}

// handleSignaled reports, each time it is called, whether the process behind h has ended.
func handleSignaled(h windows.Handle) func() bool {
	return func() bool {
		ev, err := windows.WaitForSingleObject(h, 0)
		return err != nil || ev == windows.WAIT_OBJECT_0
	}
}

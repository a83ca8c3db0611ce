//go:build unix

package session

import (
	"os"

	"golang.org/x/sys/unix"
)

// On Unix the capture swaps file descriptors 1 and 2 themselves (dup2), so it sees every write: fmt and
// log in compiled code, C libraries and child processes that inherit the descriptors.
const captureLimits = ""

// Files on descriptors 1 and 2 themselves (os.Stdout may be reassigned by a program embedding the
// session; cells' interpreted prints still go to the descriptors, where capture finds them).
// They are package variables so that they are never finalized (which would close the descriptors).
var fdFiles = [3]*os.File{nil, os.NewFile(1, "fd1"), os.NewFile(2, "fd2")}

func stdFile(fd int) *os.File { return fdFiles[fd] }

func redirectStd(fd int, w *os.File) (undo func(), err error) {
	defer w.Close() // after dup2, fd is the pipe's writer
	saved, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	if err := unix.Dup2(int(w.Fd()), fd); err != nil {
		unix.Close(saved)
		return nil, err
	}
	return func() {
		unix.Dup2(saved, fd)
		unix.Close(saved)
	}, nil
}

func pendingBytes(r *os.File) int {
	n := -1
	if rc, err := r.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			if v, err := unix.IoctlGetInt(int(fd), fionread); err == nil {
				n = v
			}
		})
	}
	return n
}

func dupStderr() (*os.File, error) {
	fd, err := unix.Dup(2)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "/dev/stderr (original)"), nil
}

package session

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows has no dup2 for the C runtime's descriptors that Go does not use: the capture swaps os.Stdout
// and os.Stderr (and the log package's output) and sets the process's standard handles, which child
// processes and code that asks GetStdHandle at each write then use.
const captureLimits = "on Windows, what compiled code writes through a file or handle it took before the cell started " +
	"(a C library's stdout, a saved os.Stdout) is not captured: it goes to the kernel's standard error"

func redirectStd(fd int, w *os.File) (undo func(), err error) {
	which := uint32(windows.STD_OUTPUT_HANDLE)
	if fd == 2 {
		which = windows.STD_ERROR_HANDLE
	}
	prev, err := windows.GetStdHandle(which)
	if err != nil {
		w.Close()
		return nil, err
	}
	if err := windows.SetStdHandle(which, windows.Handle(w.Fd())); err != nil {
		w.Close()
		return nil, err
	}
	restore := swapStd(fd, w)
	return func() {
		windows.SetStdHandle(which, prev)
		restore()
	}, nil
}

var procPeekNamedPipe = windows.NewLazySystemDLL("kernel32.dll").NewProc("PeekNamedPipe")

func pendingBytes(r *os.File) int {
	var avail uint32
	ok, _, _ := procPeekNamedPipe.Call(r.Fd(), 0, 0, 0, uintptr(unsafe.Pointer(&avail)), 0)
	if ok == 0 {
		return -1
	}
	return int(avail)
}

//go:build !unix && !windows

package session

import "os"

// Elsewhere (neither Unix nor Windows) the capture swaps os.Stdout, os.Stderr and the log package's output.
const captureLimits = "on this platform, what compiled code writes through a file it took before the cell started " +
	"is not captured: it goes to the kernel's standard error"

func redirectStd(fd int, w *os.File) (undo func(), err error) { return swapStd(fd, w), nil }

func pendingBytes(*os.File) int { return -1 }

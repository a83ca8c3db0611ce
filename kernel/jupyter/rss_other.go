//go:build !linux

package jupyter

import (
	"errors"
	"runtime"
)

// processRSS reports that reading another process's resident set is implemented on Linux only.
func processRSS(pid int) (float64, error) {
	return 0, errors.New("the soak reads the kernel's resident set from /proc, which " + runtime.GOOS + " lacks: run it on Linux")
}

//go:build unix

package cli

import (
	"runtime"
	"syscall"
)

// peakRSSMB returns the process's peak resident set size in MiB (0 if unknown).
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	kb := float64(ru.Maxrss)
	if runtime.GOOS == "darwin" {
		kb /= 1024 // bytes there
	}
	return kb / 1024
}

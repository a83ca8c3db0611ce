// Package spin is the wait that lib/nn's worker pools (the GEMM's and the element-wise loops') use
// between calls: a worker that ran out of work keeps looking for more for a short while before it
// parks, because waking a parked goroutine's thread takes 20–30 µs on the machines measured, as long
// as the work a second core would take over.
package spin

import (
	"runtime"
	"time"
)

// Until calls ready until it reports true, for at most d, and reports whether it did. It checks 256
// times (well under a microsecond) between yields of the processor: yielding takes the scheduler's
// lock, and yielding on every check made that lock a hot spot.
func Until(d time.Duration, ready func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		for range 256 {
			if ready() {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		runtime.Gosched()
	}
}

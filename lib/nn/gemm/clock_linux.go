package gemm

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPUClock is the calling OS thread's CPU time (Bench's CPUClock option).
var threadCPUClock = func() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

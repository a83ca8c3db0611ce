//go:build !linux

package gemm

import "time"

// threadCPUClock is not available off Linux: Bench's CPUClock option reports an error.
var threadCPUClock func() time.Duration

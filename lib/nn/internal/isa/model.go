package isa

import (
	"runtime"
	"strings"
	"sync"
)

var modelOnce = sync.OnceValue(func() string {
	if m := strings.TrimSpace(cpuModel()); m != "" {
		return m
	}
	return "unknown " + runtime.GOARCH + " CPU"
})

// CPUModel returns the processor's model name as the operating system reports it ("AMD EPYC 7B13",
// "Apple M2 Pro"), for speed reports; "unknown ARCH CPU" where it cannot be read.
func CPUModel() string { return modelOnce() }

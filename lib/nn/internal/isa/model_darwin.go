package isa

import "golang.org/x/sys/unix"

// cpuModel asks the kernel for the brand string ("Apple M2 Pro", "Intel(R) Core(TM) i7-…").
func cpuModel() string {
	s, err := unix.Sysctl("machdep.cpu.brand_string")
	if err != nil {
		return ""
	}
	return s
}

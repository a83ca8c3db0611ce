package isa

import (
	"os"
	"strings"
)

// cpuModel reads /proc/cpuinfo: "model name" on x86, else the implementer and part numbers that
// arm64 kernels list (with the board's "Hardware" or "Model" line when there is one).
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, seen := fields[k]; !seen && v != "" {
			fields[k] = v
		}
	}
	if m := fields["model name"]; m != "" {
		return m
	}
	var parts []string
	for _, k := range []string{"Model", "Hardware"} {
		if v := fields[k]; v != "" {
			parts = append(parts, v)
		}
	}
	if impl, part := fields["CPU implementer"], fields["CPU part"]; impl != "" || part != "" {
		parts = append(parts, "implementer "+impl+" part "+part)
	}
	return strings.Join(parts, ", ")
}

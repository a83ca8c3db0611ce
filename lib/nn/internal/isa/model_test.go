package isa

import (
	"runtime"
	"strings"
	"testing"
)

// TestCPUModel: the model name is never empty, and on Linux it is what /proc/cpuinfo says.
func TestCPUModel(t *testing.T) {
	m := CPUModel()
	if m == "" || strings.Contains(m, "\n") {
		t.Fatalf("CPUModel() = %q", m)
	}
	if runtime.GOOS == "linux" && strings.HasPrefix(m, "unknown") {
		t.Errorf("CPUModel() = %q on Linux, where /proc/cpuinfo names the processor", m)
	}
	t.Logf("CPU: %s", m)
}

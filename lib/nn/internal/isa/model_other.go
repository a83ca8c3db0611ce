//go:build !linux && !darwin && !windows

package isa

// cpuModel has no source of the model name here.
func cpuModel() string { return "" }

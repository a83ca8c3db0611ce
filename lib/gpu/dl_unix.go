//go:build !windows

package gpu

import "github.com/ebitengine/purego"

// defaultDriverNames are the CUDA driver library's names on this system.
var defaultDriverNames = []string{"libcuda.so.1", "libcuda.so"}

// systemCUBLASNames are cuBLAS's sonames, newest first.
var systemCUBLASNames = []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"}

func dlopen(name string) (uintptr, error) {
	return purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
}

func dlsym(lib uintptr, name string) (uintptr, error) { return purego.Dlsym(lib, name) }

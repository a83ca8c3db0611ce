//go:build windows

package gpu

import "syscall"

// defaultDriverNames are the CUDA driver library's names on this system.
var defaultDriverNames = []string{"nvcuda.dll"}

// systemCUBLASNames are cuBLAS's DLL names, newest first.
var systemCUBLASNames = []string{"cublas64_13.dll", "cublas64_12.dll", "cublas64_11.dll"}

func dlopen(name string) (uintptr, error) {
	h, err := syscall.LoadLibrary(name)
	return uintptr(h), err
}

func dlsym(lib uintptr, name string) (uintptr, error) {
	return syscall.GetProcAddress(syscall.Handle(lib), name)
}

package gpu

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"
)

// driverNames are the file names tried, in order, when opening the CUDA driver library.
var driverNames = defaultDriverNames

// Error is a failed CUDA driver or cuBLAS call: the function, its status code and the library's
// name and description of that code.
type Error struct {
	Func string // the API function, e.g. "cuMemAlloc_v2"
	Code int    // the CUresult or cublasStatus_t value
	Name string // e.g. "CUDA_ERROR_OUT_OF_MEMORY"
	Desc string // e.g. "out of memory"
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gpu: %s failed: ", e.Func)
	if e.Name != "" {
		b.WriteString(e.Name)
	} else {
		fmt.Fprintf(&b, "status %d", e.Code)
	}
	if e.Desc != "" {
		b.WriteString(": " + e.Desc)
	}
	return b.String()
}

// driver holds the CUDA driver API entry points, resolved with dlsym at run time. Each field is a
// C function pointer called through purego.SyscallN.
type driver struct {
	lib uintptr

	cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName, cuDeviceGetAttribute,
	cuDeviceTotalMem, cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRelease, cuCtxSetCurrent, cuCtxSynchronize,
	cuMemAlloc, cuMemFree, cuMemGetInfo, cuMemcpyHtoD, cuMemcpyDtoH, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync,
	cuMemsetD32, cuMemsetD32Async, cuModuleLoadData, cuModuleLoadDataEx, cuModuleGetFunction, cuLaunchKernel,
	cuStreamCreate, cuStreamSynchronize, cuGetErrorString, cuGetErrorName uintptr
}

// symbols lists the driver functions by their exported names (the _v2 ABI where there is one).
func (d *driver) symbols() []struct {
	name string
	fn   *uintptr
} {
	return []struct {
		name string
		fn   *uintptr
	}{
		{"cuInit", &d.cuInit},
		{"cuDriverGetVersion", &d.cuDriverGetVersion},
		{"cuDeviceGetCount", &d.cuDeviceGetCount},
		{"cuDeviceGet", &d.cuDeviceGet},
		{"cuDeviceGetName", &d.cuDeviceGetName},
		{"cuDeviceGetAttribute", &d.cuDeviceGetAttribute},
		{"cuDeviceTotalMem_v2", &d.cuDeviceTotalMem},
		{"cuDevicePrimaryCtxRetain", &d.cuDevicePrimaryCtxRetain},
		{"cuDevicePrimaryCtxRelease_v2", &d.cuDevicePrimaryCtxRelease},
		{"cuCtxSetCurrent", &d.cuCtxSetCurrent},
		{"cuCtxSynchronize", &d.cuCtxSynchronize},
		{"cuMemAlloc_v2", &d.cuMemAlloc},
		{"cuMemFree_v2", &d.cuMemFree},
		{"cuMemGetInfo_v2", &d.cuMemGetInfo},
		{"cuMemcpyHtoD_v2", &d.cuMemcpyHtoD},
		{"cuMemcpyDtoH_v2", &d.cuMemcpyDtoH},
		{"cuMemcpyHtoDAsync_v2", &d.cuMemcpyHtoDAsync},
		{"cuMemcpyDtoHAsync_v2", &d.cuMemcpyDtoHAsync},
		{"cuMemsetD32_v2", &d.cuMemsetD32},
		{"cuMemsetD32Async", &d.cuMemsetD32Async},
		{"cuModuleLoadData", &d.cuModuleLoadData},
		{"cuModuleLoadDataEx", &d.cuModuleLoadDataEx},
		{"cuModuleGetFunction", &d.cuModuleGetFunction},
		{"cuLaunchKernel", &d.cuLaunchKernel},
		{"cuStreamCreate", &d.cuStreamCreate},
		{"cuStreamSynchronize", &d.cuStreamSynchronize},
		{"cuGetErrorString", &d.cuGetErrorString},
		{"cuGetErrorName", &d.cuGetErrorName},
	}
}

// openLibrary dlopens the first of names that loads, or returns an error naming every attempt.
func openLibrary(what string, names []string) (uintptr, string, error) {
	var msgs []string
	for _, n := range names {
		h, err := dlopen(n)
		if err == nil {
			return h, n, nil
		}
		msgs = append(msgs, fmt.Sprintf("%s: %v", n, err))
	}
	return 0, "", fmt.Errorf("gpu: cannot load the %s (%s)", what, strings.Join(msgs, "; "))
}

// openDriver loads the CUDA driver library and resolves every symbol the backend uses.
func openDriver(names []string) (*driver, error) {
	hint := "is an NVIDIA driver installed?"
	if runtime.GOOS == "darwin" {
		hint = "macOS has had no CUDA driver since 10.13: lib/nn runs on the CPU there"
	}
	h, name, err := openLibrary("CUDA driver library; "+hint, names)
	if err != nil {
		return nil, err
	}
	d := &driver{lib: h}
	for _, s := range d.symbols() {
		p, err := dlsym(h, s.name)
		if err != nil || p == 0 {
			return nil, fmt.Errorf("gpu: %s has no symbol %s (driver too old?): %v", name, s.name, err)
		}
		*s.fn = p
	}
	return d, nil
}

// call invokes a driver function and turns a non-zero CUresult into an *Error. Pointer arguments
// converted to uintptr in the call expression are moved to the heap and kept alive for the call
// (go:uintptrescapes), so that a stack move cannot leave the C function a stale address.
//
//go:uintptrescapes
func (d *driver) call(name string, fn uintptr, args ...uintptr) error {
	r, _, _ := purego.SyscallN(fn, args...)
	if r == 0 {
		return nil
	}
	return d.errorFor(name, int(r))
}

// errorFor describes a CUresult with the driver's own name and text for it.
func (d *driver) errorFor(name string, code int) *Error {
	e := &Error{Func: name, Code: code}
	var p uintptr
	if d.cuGetErrorName != 0 {
		if r, _, _ := purego.SyscallN(d.cuGetErrorName, uintptr(code), uintptr(unsafe.Pointer(&p))); r == 0 {
			e.Name = cString(p)
		}
	}
	p = 0
	if d.cuGetErrorString != 0 {
		if r, _, _ := purego.SyscallN(d.cuGetErrorString, uintptr(code), uintptr(unsafe.Pointer(&p))); r == 0 {
			e.Desc = cString(p)
		}
	}
	return e
}

// The CUresult values the package tests for.
const (
	cudaErrorOutOfMemory = 2
	cudaErrorNoDevice    = 100
)

// isOutOfMemory reports whether err is CUDA_ERROR_OUT_OF_MEMORY.
func isOutOfMemory(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == cudaErrorOutOfMemory && strings.HasPrefix(e.Func, "cu")
}

// cString copies the NUL-terminated C string at p (which C owns and keeps alive).
func cString(p uintptr) string {
	if p == 0 {
		return ""
	}
	base := *(**byte)(unsafe.Pointer(&p))
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(base), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(base, n))
}

//go:build !amd64 && !arm64

package gemm

// kernels lists the kernels this CPU can run, best last.
func kernels() []*kernel { return []*kernel{genericKernel} }

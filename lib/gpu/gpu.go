package gpu

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/notmagic/notmagic/lib/nn"
)

var (
	openOnce sync.Once
	theDev   *device
	openErr  error
	theBE    *Backend
)

// open prepares the device the first time it is called and remembers the outcome.
func open() (*device, error) {
	openOnce.Do(func() {
		theDev, openErr = openDevice()
		if openErr == nil {
			theBE = &Backend{d: theDev}
		}
	})
	return theDev, openErr
}

// Available opens the GPU the first time it is called (driver, device, context, kernels) and returns
// nil when the CUDA backend can run, or an error saying why not: no NVIDIA driver library, no GPU, a
// driver that rejects the kernels. It never panics or exits, so programs carry on on the CPU.
func Available() error {
	_, err := open()
	return err
}

// Default returns the CUDA backend, or the error of Available.
func Default() (*Backend, error) {
	if _, err := open(); err != nil {
		return nil, err
	}
	return theBE, nil
}

// Register makes the CUDA backend available to lib/nn as the device "cuda" (so that t.To("cuda")
// works) and returns nil, or returns Available's error and registers nothing.
func Register() error {
	be, err := Default()
	if err != nil {
		return err
	}
	nn.RegisterBackend(be)
	return nil
}

// DeviceInfo describes the opened GPU, or returns Available's error.
func DeviceInfo() (Info, error) {
	d, err := open()
	if err != nil {
		return Info{}, err
	}
	return d.info, nil
}

// Sync waits until the GPU has finished all queued work and returns the first error of that work.
// Timings of GPU code must end with Sync (or a read such as Tensor.Item, which syncs).
func Sync() error {
	d, err := open()
	if err != nil {
		return err
	}
	return d.syncStream()
}

// Memory returns the caching allocator's counters.
func Memory() (MemStats, error) {
	d, err := open()
	if err != nil {
		return MemStats{}, err
	}
	return d.alloc.Stats(), nil
}

// SetMemoryLimit caps the device memory the backend holds — live tensors and its cache of free
// blocks — at bytes (0: no cap but the device's size), for sharing a GPU. Near the cap it collects
// garbage and gives cached blocks back to the driver before it fails an allocation with an
// out-of-memory error. NOTMAGIC_GPU_MEMORY sets it at start: bytes, with a K, M, G or T suffix
// (powers of 1024, "GiB" and "GB" read the same), or a percentage of the device, e.g. "16G" or "25%".
func SetMemoryLimit(bytes uint64) error {
	d, err := open()
	if err != nil {
		return err
	}
	d.alloc.setLimit(bytes, d.info.TotalMemory)
	return nil
}

// parseMemoryLimit reads NOTMAGIC_GPU_MEMORY's value ("" is no limit) for a device of total bytes.
func parseMemoryLimit(s string, total uint64) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	bad := fmt.Errorf("gpu: NOTMAGIC_GPU_MEMORY=%q: want bytes with an optional K, M, G or T suffix, or a percentage, e.g. 16G or 25%%", s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || !(v > 0 && v <= 100) {
			return 0, bad
		}
		return uint64(v / 100 * float64(total)), nil
	}
	u := strings.ToUpper(s)
	u = strings.TrimSuffix(strings.TrimSuffix(u, "B"), "I")
	mult := 1.0
	if n := len(u); n > 0 {
		if i := strings.IndexByte("KMGT", u[n-1]); i >= 0 {
			mult = math.Pow(1024, float64(i+1))
			u = u[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(u), 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, bad
	}
	return uint64(v * mult), nil
}

// SetTF32 lets cuBLAS use TF32 tensor cores for float32 products (faster, about 1e-3 relative
// error) or not (the default: exact float32, like the CPU backend). NOTMAGIC_TF32=1 turns it on at start.
// It has no effect when cuBLAS did not load.
func SetTF32(on bool) error {
	d, err := open()
	if err != nil {
		return err
	}
	if d.blas == nil {
		return nil
	}
	err = d.sync(func() error { return d.blas.setTF32(on) })
	if err == nil {
		d.info.TF32 = on
	}
	return err
}

// SetBF16 turns bf16 mixed precision for matrix products on or off: cuBLAS rounds each product's
// float32 inputs to bfloat16 (8 bits of mantissa) for the tensor cores and accumulates in float32
// (cublasGemmStridedBatchedEx with CUBLAS_COMPUTE_32F_FAST_16BF), as PyTorch's autocast(bfloat16)
// does for matmuls, while weights, gradients, optimizer state and every other op stay float32 (the
// float32 master weights of mixed precision; bf16's exponent range is float32's, so no loss scaling
// is needed). Products are then off by about 1e-2 of their scale. It takes precedence over SetTF32
// and fails when cuBLAS did not load. NOTMAGIC_BF16=1 turns it on at start.
func SetBF16(on bool) error {
	d, err := open()
	if err != nil {
		return err
	}
	return d.setBF16(on)
}

// UseCUBLAS chooses cuBLAS (when it loaded) or the tiled PTX GEMM for matrix products and returns
// whether cuBLAS is now in use. NOTMAGIC_CUBLAS=0 keeps cuBLAS from loading at all.
func UseCUBLAS(on bool) (bool, error) {
	d, err := open()
	if err != nil {
		return false, err
	}
	d.useBlas.Store(on && d.blas != nil)
	return d.useBlas.Load(), nil
}

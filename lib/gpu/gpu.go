package gpu

import (
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

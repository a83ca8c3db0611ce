package gpu

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ebitengine/purego"
)

// job is one unit of work for the CUDA thread: a kernel launch (fn != 0) or a function (f).
// Launches and asynchronous functions are fire-and-forget; done, when set, receives f's result.
type job struct {
	fn          uintptr
	grid, block [3]uint32
	a           args
	f           func() error
	done        chan error
}

var jobPool = sync.Pool{New: func() any { return new(job) }}

// device is the opened GPU: the driver, its primary context and stream, the loaded kernels, the
// allocator and (when it loads) cuBLAS. Every CUDA call runs on one goroutine locked to its OS thread,
// on which the primary context is current; other goroutines hand it jobs through a channel, in order.
type device struct {
	drv     *driver
	jobs    chan *job
	ordinal int
	cuDev   int32
	ctx     uintptr
	stream  uintptr
	modules []uintptr
	funcs   [numKernels]uintptr
	alloc   *allocator
	info    Info

	// Owned by the CUDA thread: the parameter words of the launch in progress and pointers to them,
	// and the host memory of queued uploads, held until the next stream synchronisation.
	vals         *[maxSlots]uint64
	ptrs         *[maxArgs]uintptr
	pending      []any
	pendingBytes int

	errMu sync.Mutex
	err   error // the first asynchronous failure; every later synchronous call reports it

	blas    *cublas
	useBlas atomic.Bool
}

// Info describes the opened device.
type Info struct {
	Name          string // e.g. "NVIDIA H100 80GB HBM3"
	Ordinal       int    // CUDA device index
	Major, Minor  int    // compute capability
	SMs           int    // multiprocessors
	TotalMemory   uint64 // bytes
	DriverVersion int    // e.g. 12080 for CUDA 12.8
	CUBLAS        string // the cuBLAS library in use, or "" for the PTX GEMM
	CUBLASError   string // why cuBLAS is not in use, when it is not
	TF32          bool   // whether cuBLAS may use TF32 tensor cores for float32 products
	BF16          bool   // whether cuBLAS rounds products' inputs to bfloat16 for the tensor cores (SetBF16)
}

func (i Info) String() string {
	blas := i.CUBLAS
	if blas == "" {
		blas = "none (tiled PTX GEMM: " + i.CUBLASError + ")"
	}
	return fmt.Sprintf("%s (device %d, sm_%d%d, %d SMs, %.1f GiB, driver CUDA %d.%d), cuBLAS: %s, TF32: %v",
		i.Name, i.Ordinal, i.Major, i.Minor, i.SMs, float64(i.TotalMemory)/(1<<30),
		i.DriverVersion/1000, i.DriverVersion%1000/10, blas, i.TF32)
}

// The CUdevice_attribute values read at start.
const (
	attrMultiprocessorCount = 16
	attrComputeCapMajor     = 75
	attrComputeCapMinor     = 76
)

// openDevice loads the driver (libcuda.so.1, or the NOTMAGIC_LIBCUDA path), starts the CUDA thread and
// prepares the device named by NOTMAGIC_CUDA_DEVICE (default 0; CUDA_VISIBLE_DEVICES applies first).
func openDevice() (*device, error) {
	names := driverNames
	if p := os.Getenv("NOTMAGIC_LIBCUDA"); p != "" {
		names = []string{p}
	}
	drv, err := openDriver(names)
	if err != nil {
		return nil, err
	}
	ordinal := 0
	if s := os.Getenv("NOTMAGIC_CUDA_DEVICE"); s != "" {
		if ordinal, err = strconv.Atoi(s); err != nil || ordinal < 0 {
			return nil, fmt.Errorf("gpu: NOTMAGIC_CUDA_DEVICE=%q is not a device index", s)
		}
	}
	d := &device{drv: drv, jobs: make(chan *job, 4096), ordinal: ordinal, vals: new([maxSlots]uint64), ptrs: new([maxArgs]uintptr)}
	started := make(chan error)
	go d.loop(started)
	if err := <-started; err != nil {
		return nil, err
	}
	mods, err := ptxModules()
	if err == nil {
		err = d.loadKernels(mods)
	}
	if err != nil {
		close(d.jobs)
		return nil, err
	}
	d.alloc = newAllocator(d.memAlloc, d.memFree)
	limit, err := parseMemoryLimit(os.Getenv("NOTMAGIC_GPU_MEMORY"), d.info.TotalMemory)
	if err != nil {
		close(d.jobs)
		return nil, err
	}
	d.alloc.setLimit(limit, d.info.TotalMemory)
	d.setupBLAS()
	return d, nil
}

// loop is the CUDA thread: it initialises the driver and context, reports how that went on started,
// then runs jobs until the channel closes.
func (d *device) loop(started chan<- error) {
	runtime.LockOSThread()
	if err := d.initContext(); err != nil {
		started <- err
		return
	}
	started <- nil
	for j := range d.jobs {
		var err error
		if j.fn != 0 {
			err = d.launchNow(j)
		} else {
			err = j.f()
		}
		if j.done != nil {
			if err == nil {
				err = d.stickyErr()
			}
			j.done <- err
		} else if err != nil {
			d.setErr(err)
		}
		*j = job{}
		jobPool.Put(j)
	}
}

// initContext runs on the CUDA thread: cuInit, device choice and properties, the primary context, a stream.
func (d *device) initContext() error {
	c := d.drv
	if err := c.call("cuInit", c.cuInit, 0); err != nil {
		if e, ok := err.(*Error); ok && e.Code == cudaErrorNoDevice {
			return fmt.Errorf("gpu: the CUDA driver found no GPU (%v)", err)
		}
		return err
	}
	var ver, count int32
	if err := c.call("cuDriverGetVersion", c.cuDriverGetVersion, uintptr(unsafe.Pointer(&ver))); err != nil {
		return err
	}
	if err := c.call("cuDeviceGetCount", c.cuDeviceGetCount, uintptr(unsafe.Pointer(&count))); err != nil {
		return err
	}
	if count == 0 {
		return fmt.Errorf("gpu: the CUDA driver found no GPU")
	}
	if d.ordinal >= int(count) {
		return fmt.Errorf("gpu: NOTMAGIC_CUDA_DEVICE=%d but there are %d CUDA devices", d.ordinal, count)
	}
	if err := c.call("cuDeviceGet", c.cuDeviceGet, uintptr(unsafe.Pointer(&d.cuDev)), uintptr(d.ordinal)); err != nil {
		return err
	}
	name := make([]byte, 256)
	if err := c.call("cuDeviceGetName", c.cuDeviceGetName, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)), uintptr(d.cuDev)); err != nil {
		return err
	}
	for i, b := range name {
		if b == 0 {
			name = name[:i]
			break
		}
	}
	attr := func(a int) (int, error) {
		var v int32
		err := c.call("cuDeviceGetAttribute", c.cuDeviceGetAttribute, uintptr(unsafe.Pointer(&v)), uintptr(a), uintptr(d.cuDev))
		return int(v), err
	}
	var total uintptr
	if err := c.call("cuDeviceTotalMem_v2", c.cuDeviceTotalMem, uintptr(unsafe.Pointer(&total)), uintptr(d.cuDev)); err != nil {
		return err
	}
	d.info = Info{Name: string(name), Ordinal: d.ordinal, TotalMemory: uint64(total), DriverVersion: int(ver)}
	var err error
	if d.info.Major, err = attr(attrComputeCapMajor); err != nil {
		return err
	}
	if d.info.Minor, err = attr(attrComputeCapMinor); err != nil {
		return err
	}
	if d.info.SMs, err = attr(attrMultiprocessorCount); err != nil {
		return err
	}
	if d.info.Major < 5 {
		return fmt.Errorf("gpu: %s has compute capability %d.%d; the kernels need 5.0 or newer", d.info.Name, d.info.Major, d.info.Minor)
	}
	if err := c.call("cuDevicePrimaryCtxRetain", c.cuDevicePrimaryCtxRetain, uintptr(unsafe.Pointer(&d.ctx)), uintptr(d.cuDev)); err != nil {
		return err
	}
	if err := c.call("cuCtxSetCurrent", c.cuCtxSetCurrent, d.ctx); err != nil {
		return err
	}
	// Flag 0: a blocking stream, ordered with the legacy default stream too.
	return c.call("cuStreamCreate", c.cuStreamCreate, uintptr(unsafe.Pointer(&d.stream)), 0)
}

// The CUjit_option values used to collect the PTX compiler's messages.
const (
	jitInfoLogBuffer      = 3
	jitInfoLogBufferSize  = 4
	jitErrorLogBuffer     = 5
	jitErrorLogBufferSize = 6
)

// loadKernels JIT-compiles the embedded PTX modules and looks up every kernel entry.
func (d *device) loadKernels(mods []ptxModule) error {
	where, err := kernelModules(mods)
	if err != nil {
		return err
	}
	return d.sync(func() error {
		c := d.drv
		for _, m := range mods {
			image := append([]byte(m.text), 0)
			errLog := make([]byte, 8192)
			infoLog := make([]byte, 8192)
			opts := []int32{jitErrorLogBuffer, jitErrorLogBufferSize, jitInfoLogBuffer, jitInfoLogBufferSize}
			vals := []uintptr{uintptr(unsafe.Pointer(&errLog[0])), uintptr(len(errLog)), uintptr(unsafe.Pointer(&infoLog[0])), uintptr(len(infoLog))}
			var mod uintptr
			err := c.call("cuModuleLoadDataEx", c.cuModuleLoadDataEx, uintptr(unsafe.Pointer(&mod)), uintptr(unsafe.Pointer(&image[0])),
				uintptr(len(opts)), uintptr(unsafe.Pointer(&opts[0])), uintptr(unsafe.Pointer(&vals[0])))
			runtime.KeepAlive(image)
			runtime.KeepAlive(errLog)
			runtime.KeepAlive(infoLog)
			if err != nil {
				return fmt.Errorf("gpu: loading kernels/%s: %w; PTX compiler log: %s", m.name, err, cText(errLog))
			}
			d.modules = append(d.modules, mod)
		}
		for k := kernelID(0); k < numKernels; k++ {
			name := append([]byte(kernelNames[k]), 0)
			if err := c.call("cuModuleGetFunction", c.cuModuleGetFunction, uintptr(unsafe.Pointer(&d.funcs[k])), d.modules[where[k]], uintptr(unsafe.Pointer(&name[0]))); err != nil {
				return fmt.Errorf("gpu: kernel %s: %w", kernelNames[k], err)
			}
			runtime.KeepAlive(name)
		}
		return nil
	})
}

// cText returns the NUL-terminated text at the start of b.
func cText(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// launchNow runs on the CUDA thread: it lays out the parameters and calls cuLaunchKernel on the stream.
func (d *device) launchNow(j *job) error {
	copy(d.vals[:j.a.used], j.a.vals[:j.a.used])
	for i := 0; i < j.a.n; i++ {
		d.ptrs[i] = uintptr(unsafe.Pointer(&d.vals[j.a.off[i]]))
	}
	c := d.drv
	r, _, _ := purego.SyscallN(c.cuLaunchKernel, j.fn,
		uintptr(j.grid[0]), uintptr(j.grid[1]), uintptr(j.grid[2]),
		uintptr(j.block[0]), uintptr(j.block[1]), uintptr(j.block[2]),
		0, d.stream, uintptr(unsafe.Pointer(&d.ptrs[0])), 0)
	if r != 0 {
		err := c.errorFor("cuLaunchKernel", int(r))
		return fmt.Errorf("gpu: launching %s (grid %v, block %v): %w", kernelNameOf(d, j.fn), j.grid, j.block, err)
	}
	return nil
}

func kernelNameOf(d *device, fn uintptr) string {
	for k, f := range d.funcs {
		if f == fn {
			return kernelNames[k]
		}
	}
	return "a kernel"
}

func (d *device) setErr(err error) {
	d.errMu.Lock()
	if d.err == nil {
		d.err = err
	}
	d.errMu.Unlock()
}

func (d *device) stickyErr() error {
	d.errMu.Lock()
	defer d.errMu.Unlock()
	return d.err
}

// launch queues kernel k with the given grid and block and returns at once.
func (d *device) launch(k kernelID, grid, block [3]int, a *args) {
	j := jobPool.Get().(*job)
	j.fn = d.funcs[k]
	for i := 0; i < 3; i++ {
		j.grid[i], j.block[i] = uint32(max(grid[i], 1)), uint32(max(block[i], 1))
	}
	j.a = *a
	d.jobs <- j
}

// launch1 queues a one-dimensional launch.
func (d *device) launch1(k kernelID, grid, block int, a *args) {
	d.launch(k, [3]int{grid, 1, 1}, [3]int{block, 1, 1}, a)
}

// async queues f to run on the CUDA thread; a failure is reported by the next synchronous call.
func (d *device) async(f func() error) {
	j := jobPool.Get().(*job)
	j.f = f
	d.jobs <- j
}

// sync runs f on the CUDA thread after everything queued before it and returns its error, or the
// first earlier asynchronous failure.
func (d *device) sync(f func() error) error {
	j := jobPool.Get().(*job)
	done := make(chan error, 1)
	j.f, j.done = f, done
	d.jobs <- j
	return <-done
}

// syncStream waits until the GPU has finished everything queued so far.
func (d *device) syncStream() error {
	return d.sync(d.streamSyncNow)
}

// memAlloc is the allocator's cuMemAlloc.
func (d *device) memAlloc(bytes uint64) (uintptr, error) {
	var p uintptr
	err := d.sync(func() error {
		return d.drv.call("cuMemAlloc_v2", d.drv.cuMemAlloc, uintptr(unsafe.Pointer(&p)), uintptr(bytes))
	})
	return p, err
}

// memFree is the allocator's release: wait for the stream (queued kernels may still use the blocks), free.
func (d *device) memFree(ptrs []uintptr) error {
	return d.sync(func() error {
		if err := d.streamSyncNow(); err != nil {
			return err
		}
		for _, p := range ptrs {
			if err := d.drv.call("cuMemFree_v2", d.drv.cuMemFree, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// memsetAsync queues setting n 32-bit words at p to v.
func (d *device) memsetAsync(p uintptr, v uint32, n int) {
	if n == 0 {
		return
	}
	d.async(func() error {
		return d.drv.call("cuMemsetD32Async", d.drv.cuMemsetD32Async, p, uintptr(v), uintptr(n), d.stream)
	})
}

// upload queues a copy of host memory to the device and returns at once. keep must own the memory at
// src (a slice no one else writes); the CUDA thread holds it until the stream has next been
// synchronised, so the copy may read it whenever the driver likes, without a synchronisation per copy.
func (d *device) upload(dst uintptr, src unsafe.Pointer, bytes int, keep any) {
	if bytes == 0 {
		return
	}
	d.async(func() error {
		c := d.drv
		err := c.call("cuMemcpyHtoDAsync_v2", c.cuMemcpyHtoDAsync, dst, uintptr(src), uintptr(bytes), d.stream)
		d.pending = append(d.pending, keep)
		d.pendingBytes += bytes
		if err == nil && d.pendingBytes > maxPendingUpload {
			err = d.streamSyncNow()
		}
		return err
	})
}

// maxPendingUpload bounds the host memory held for queued uploads before the CUDA thread waits for them.
const maxPendingUpload = 1 << 30

// streamSyncNow runs on the CUDA thread: it waits for the stream and releases the held upload sources.
func (d *device) streamSyncNow() error {
	err := d.drv.call("cuStreamSynchronize", d.drv.cuStreamSynchronize, d.stream)
	if err == nil {
		clear(d.pending)
		d.pending, d.pendingBytes = d.pending[:0], 0
	}
	return err
}

// copyToHost copies bytes of device memory at src into host memory at dst after all queued work.
func (d *device) copyToHost(dst unsafe.Pointer, src uintptr, bytes int) error {
	if bytes == 0 {
		return d.syncStream()
	}
	return d.sync(func() error {
		c := d.drv
		if err := c.call("cuMemcpyDtoHAsync_v2", c.cuMemcpyDtoHAsync, uintptr(dst), src, uintptr(bytes), d.stream); err != nil {
			return err
		}
		return d.streamSyncNow()
	})
}

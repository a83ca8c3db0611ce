package gpu

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"time"
)

// sizeClass rounds a request of n bytes up to the size the caching allocator deals in: 512 bytes at
// least, powers of two below 1 MiB, and eight steps per power of two above (at most 12.5% waste).
// Blocks of one class are interchangeable, so a freed block serves the next request of its class.
func sizeClass(n uint64) uint64 {
	const small = 512
	if n <= small {
		return small
	}
	if n < 1<<20 {
		return 1 << bits.Len64(n-1)
	}
	p := uint64(1) << (bits.Len64(n) - 1) // highest power of two ≤ n
	step := p / 8
	return (n + step - 1) / step * step
}

// MemStats describes the caching allocator's device memory.
type MemStats struct {
	InUse     uint64 // bytes in live buffers (by size class)
	Cached    uint64 // bytes in free blocks kept for reuse
	Peak      uint64 // the largest InUse + Cached seen
	Allocs    uint64 // buffers handed out
	Hits      uint64 // of those, served from the cache
	DeviceOps uint64 // cuMemAlloc calls
	Released  uint64 // cached blocks given back to the driver under memory pressure
	GCs       uint64 // garbage collections the allocator asked for
}

// allocator is a caching device allocator: free blocks wait in per-size-class lists and are reused,
// since cuMemAlloc and cuMemFree are slow and synchronising. Buffers come back when the Go garbage
// collector finds them unreachable (runtime.AddCleanup) or, for the backend's own scratch buffers, at
// once. Reuse is safe without events because every use of device memory is queued in order on the
// backend's one stream. Device memory is invisible to the Go heap, so the allocator paces collections
// itself, as GOGC=100 paces the heap: when the cache cannot serve a request and the bytes in use
// (garbage included, until its cleanup runs) would exceed the live bytes found by the last collection
// by more than that amount (bounded by gcMin and gcMax), it collects before asking the driver. So it
// holds about twice the live memory, not whatever the Go heap's own pace lets pile up. It also
// collects before reporting that the device is full.
type allocator struct {
	mu    sync.Mutex
	free  map[uint64][]uintptr
	stats MemStats
	live  uint64 // bytes in use at the last collection, less what its cleanups returned
	gcMin uint64 // the least growth over live that makes a collection
	gcMax uint64 // the most; 0: no paced collections
	limit uint64 // the most device memory (in use + cached) to hold; 0: the whole device

	devAlloc func(bytes uint64) (uintptr, error) // cuMemAlloc through the worker
	devFree  func(ptrs []uintptr) error          // synchronise, then cuMemFree each
}

// gcMinBytes is the least growth in device memory between two paced collections.
const gcMinBytes = 256 << 20

// newAllocator returns an allocator over devAlloc and devFree that asks for no collection until
// setLimit has told it the device's size.
func newAllocator(devAlloc func(uint64) (uintptr, error), devFree func([]uintptr) error) *allocator {
	return &allocator{free: map[uint64][]uintptr{}, gcMin: gcMinBytes, devAlloc: devAlloc, devFree: devFree}
}

// get returns a block of the size class of n bytes.
func (a *allocator) get(n uint64) (uintptr, uint64, error) {
	c := sizeClass(n)
	a.mu.Lock()
	a.stats.Allocs++
	if p, ok := a.pop(c); ok {
		a.stats.Hits++
		a.stats.InUse += c
		a.mu.Unlock()
		return p, c, nil
	}
	collect := a.gcMax > 0 && a.stats.InUse+c > a.live+min(max(a.live, a.gcMin), a.gcMax)
	a.mu.Unlock()
	if collect {
		// Unreachable buffers hold device memory the Go heap does not see: find them now.
		a.collect(time.Millisecond)
		a.mu.Lock()
		if p, ok := a.pop(c); ok {
			a.stats.Hits++
			a.stats.InUse += c
			a.mu.Unlock()
			return p, c, nil
		}
		a.mu.Unlock()
	}
	p, err := a.deviceAlloc(c)
	if err != nil && isOutOfMemory(err) {
		// Out of memory: collect garbage and retry from the cache, then give every cached block back.
		a.collect(50 * time.Millisecond)
		a.mu.Lock()
		if q, ok := a.pop(c); ok {
			a.stats.Hits++
			a.stats.InUse += c
			a.mu.Unlock()
			return q, c, nil
		}
		a.mu.Unlock()
		if rerr := a.release(); rerr != nil {
			return 0, 0, rerr
		}
		p, err = a.deviceAlloc(c)
	}
	if err != nil {
		s := a.Stats()
		return 0, 0, fmt.Errorf("gpu: cannot allocate %d bytes (%d in use, %d cached): %w", c, s.InUse, s.Cached, err)
	}
	a.mu.Lock()
	a.stats.DeviceOps++
	a.stats.InUse += c
	a.stats.Peak = max(a.stats.Peak, a.stats.InUse+a.stats.Cached)
	a.mu.Unlock()
	return p, c, nil
}

// deviceAlloc asks the driver for a block of c bytes, or reports out of memory when the block would
// take the allocator over its limit, so that the limit is handled like a smaller device: collect
// garbage, reuse, give the cache back, and only then fail.
func (a *allocator) deviceAlloc(c uint64) (uintptr, error) {
	a.mu.Lock()
	over := a.limit > 0 && a.stats.InUse+a.stats.Cached+c > a.limit
	limit := a.limit
	a.mu.Unlock()
	if over {
		return 0, &Error{Func: "cuMemAlloc_v2", Code: cudaErrorOutOfMemory, Name: "CUDA_ERROR_OUT_OF_MEMORY",
			Desc: fmt.Sprintf("over the memory limit of %d bytes (SetMemoryLimit, NOTMAGIC_GPU_MEMORY)", limit)}
	}
	return a.devAlloc(c)
}

// setLimit sets the limit (0: none) on a device of total bytes. The growth over the live bytes that
// makes a paced collection is at most a quarter of the device, or of the limit.
func (a *allocator) setLimit(bytes, total uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.limit = bytes
	every := total / 4
	if bytes > 0 {
		every = min(every, bytes/4)
	}
	a.gcMax = max(every, a.gcMin)
}

// pop takes a cached block of class c; a.mu is held.
func (a *allocator) pop(c uint64) (uintptr, bool) {
	l := a.free[c]
	if len(l) == 0 {
		return 0, false
	}
	p := l[len(l)-1]
	a.free[c] = l[:len(l)-1]
	a.stats.Cached -= c
	return p, true
}

// put returns a block of class c to the cache.
func (a *allocator) put(p uintptr, c uint64) {
	a.mu.Lock()
	a.putLocked(p, c)
	a.mu.Unlock()
}

// collected returns the block of a buffer the garbage collector found unreachable: put, and the
// collection's count of live bytes drops by it.
func (a *allocator) collected(p uintptr, c uint64) {
	a.mu.Lock()
	a.putLocked(p, c)
	a.live -= min(c, a.live)
	a.mu.Unlock()
}

// putLocked is put with a.mu held.
func (a *allocator) putLocked(p uintptr, c uint64) {
	a.free[c] = append(a.free[c], p)
	a.stats.InUse -= c
	a.stats.Cached += c
}

// collect runs the garbage collector and waits up to wait for the cleanups it queued to return blocks.
func (a *allocator) collect(wait time.Duration) {
	a.mu.Lock()
	a.stats.GCs++
	before := a.stats.Cached
	a.live = a.stats.InUse
	a.mu.Unlock()
	runtime.GC()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		grew := a.stats.Cached > before
		a.mu.Unlock()
		if grew {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// release gives every cached block back to the driver.
func (a *allocator) release() error {
	a.mu.Lock()
	var ptrs []uintptr
	for c, l := range a.free {
		ptrs = append(ptrs, l...)
		a.stats.Cached -= c * uint64(len(l))
		a.stats.Released += uint64(len(l))
		delete(a.free, c)
	}
	a.mu.Unlock()
	if len(ptrs) == 0 {
		return nil
	}
	return a.devFree(ptrs)
}

// Stats returns a snapshot of the counters.
func (a *allocator) Stats() MemStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

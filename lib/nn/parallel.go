package nn

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/notmagic/notmagic/lib/nn/internal/spin"
)

// rangeKernel is a loop body over [lo, hi) that carries its data in its fields. Hot loops are
// kernels rather than closures because a closure handed to the workers escapes to the heap: one
// allocation per call, dozens per training step.
type rangeKernel interface{ run(lo, hi int) }

// parallelFor runs k over [0, n) split into up to GOMAXPROCS contiguous chunks, in parallel when
// n ≥ minN, and serially on the caller otherwise. The chunks go to a pool of persistent workers,
// which the caller joins: a goroutine started per call came too late on the machines measured (the
// thread of an idle processor takes 20–30 µs to wake, as long as the loops being split), so that
// splitting a 100k-element loop made it slower. One call uses the pool at a time, and k is copied
// into slot (its type's one place, which the pool's lock guards) for the workers, so that nothing
// is allocated; a call made while the pool is busy (from inside a chunk, or from another
// goroutine) runs on its caller alone.
func parallelFor[K rangeKernel, P interface {
	*K
	rangeKernel
}](slot P, n, minN int, k K) {
	p := runtime.GOMAXPROCS(0)
	if n < minN || p < 2 || !rangePool.mu.TryLock() {
		k.run(0, n)
		return
	}
	defer rangePool.mu.Unlock()
	*slot = k
	defer func() { *slot = *new(K) }() // let go of the kernel's data, after a panic too
	runChunks(slot, n, min(p, n/(minN/4+1)+1))
}

// funcKernel makes a closure a rangeKernel, for loops that are not hot.
type funcKernel func(lo, hi int)

func (f funcKernel) run(lo, hi int) { f(lo, hi) }

var funcSlot funcKernel

// parallelRange is parallelFor for a closure, which allocates: for loops that are not hot.
func parallelRange(n, minN int, f func(lo, hi int)) { parallelFor(&funcSlot, n, minN, funcKernel(f)) }

// runChunks runs k over [0, n) in p chunks on the caller and p−1 workers; rangePool.mu is held.
func runChunks(k rangeKernel, n, p int) {
	j := &rangePool.j
	j.k, j.n, j.size = k, n, (n+p-1)/p
	chunks := uint64((n + j.size - 1) / j.size)
	j.done.Store(0)
	rangePool.gen++
	// Publishing the new state (generation, chunk count, next chunk 1: chunk 0 is the caller's)
	// hands the call to the workers; a worker still looking at an earlier call fails its claim.
	j.state.Store(rangePool.gen<<32 | chunks<<16 | 1)
	startRangeWorkers(p - 1)
	for _, w := range rangePool.wake[:p-1] {
		select {
		case w <- struct{}{}:
		default: // awake already, or a wake-up is pending
		}
	}
	// The caller always takes the first chunk, so that each core keeps working on the same part of
	// the data from one call to the next (the chunks' data stays in that core's cache).
	j.run(0, min(j.size, n))
	last := j.done.Add(1) == chunks
	for {
		ran, l := j.claim()
		if !ran {
			break
		}
		last = last || l
	}
	if !last {
		<-j.fin // a worker finished the last chunk
	}
	j.state.Store(0)
	j.k = nil
	if p := j.panicked; p != nil {
		j.panicked = nil
		panic(p) // on the caller, where it can be recovered, after every chunk has stopped
	}
}

// rangePool is parallelFor's workers and the one call they work on.
var rangePool struct {
	mu   sync.Mutex
	gen  uint64 // calls so far
	j    rangeJob
	wake []chan struct{}
}

// rangeJob is the call on the workers. state packs the call's generation (bits 32–63), its number of
// chunks (16–31) and the next chunk to claim (0–15), so that a claim is one compare-and-swap that
// fails for a worker still looking at an earlier call; k, n and size are stable while any chunk of
// the call is unfinished, which a successful claim guarantees.
type rangeJob struct {
	state   atomic.Uint64
	k       rangeKernel
	n, size int
	done    atomic.Uint64 // chunks finished
	fin     chan struct{} // the worker that finishes the last chunk says so here

	mu       sync.Mutex
	panicked any // the first panic of a chunk, raised again on the caller
}

// run runs one chunk, keeping a panic for the caller: a panic on a worker would end the process.
func (j *rangeJob) run(lo, hi int) {
	defer func() {
		if r := recover(); r != nil {
			j.mu.Lock()
			if j.panicked == nil {
				j.panicked = r
			}
			j.mu.Unlock()
		}
	}()
	j.k.run(lo, hi)
}

func init() { rangePool.j.fin = make(chan struct{}, 1) }

// claim takes the next chunk of the current call and runs it: ran is false when none was left,
// last is true when it was the call's last chunk to finish.
func (j *rangeJob) claim() (ran, last bool) {
	for {
		s := j.state.Load()
		next, chunks := s&0xffff, s>>16&0xffff
		if next >= chunks {
			return false, false
		}
		if j.state.CompareAndSwap(s, s+1) {
			lo := int(next) * j.size
			j.run(lo, min(lo+j.size, j.n))
			return true, j.done.Add(1) == chunks
		}
	}
}

// rangeSpin is how long a worker looks for the next call before it parks (see gemm's spinFor).
const rangeSpin = 100 * time.Microsecond

// startRangeWorkers makes sure at least n workers exist; rangePool.mu must be held.
func startRangeWorkers(n int) {
	for len(rangePool.wake) < n {
		wake := make(chan struct{}, 1)
		rangePool.wake = append(rangePool.wake, wake)
		go func() {
			for range wake {
				for {
					if ran, last := rangePool.j.claim(); ran {
						if last {
							rangePool.j.fin <- struct{}{}
						}
						continue
					}
					if !spin.Until(rangeSpin, rangeWork) {
						break
					}
				}
			}
		}()
	}
}

// rangeWork reports whether the current call has unclaimed chunks.
func rangeWork() bool {
	s := rangePool.j.state.Load()
	return s&0xffff < s>>16&0xffff
}

package nn

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/notmagic/notmagic/lib/nn/internal/spin"
)

// parallelRange runs f over [0, n) split into up to GOMAXPROCS contiguous chunks, in parallel when
// n ≥ minN, and serially on the caller otherwise. The chunks go to a pool of persistent workers,
// which the caller joins: a goroutine started per call came too late on the machines measured (the
// thread of an idle processor takes 20–30 µs to wake, as long as the loops being split), so that
// splitting a 100k-element loop made it slower. One call uses the pool at a time; a call made while
// it is busy (from inside a chunk, or from another goroutine) runs on its caller alone.
func parallelRange(n, minN int, f func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if n < minN || p < 2 {
		f(0, n)
		return
	}
	if p > n/(minN/4+1)+1 {
		p = n/(minN/4+1) + 1
	}
	if !rangePool.mu.TryLock() {
		f(0, n)
		return
	}
	defer rangePool.mu.Unlock()
	j := &rangeJob{f: f, n: n, size: (n + p - 1) / p, fin: make(chan struct{}, 1)}
	j.chunks = int32((n + j.size - 1) / j.size)
	j.next.Store(1) // chunk 0 is the caller's
	startRangeWorkers(p - 1)
	rangePool.job.Store(j)
	for _, w := range rangePool.wake[:p-1] {
		select {
		case w <- struct{}{}:
		default: // awake already, or a wake-up is pending
		}
	}
	// The caller always takes the first chunk, so that each core keeps working on the same part of
	// the data from one call to the next (the chunks' data stays in that core's cache).
	j.f(0, min(j.size, n))
	last := j.done.Add(1) == j.chunks
	if !j.work() && !last {
		<-j.fin
	}
}

// rangeJob is one parallelRange call: its chunks are claimed one at a time from next.
type rangeJob struct {
	f          func(lo, hi int)
	n, size    int
	chunks     int32
	next, done atomic.Int32
	fin        chan struct{} // the worker that finishes the last chunk says so here
}

// work runs chunks of j until none is left and reports whether it finished the last one.
func (j *rangeJob) work() (last bool) {
	for {
		i := j.next.Add(1) - 1
		if i >= j.chunks {
			return last
		}
		lo := int(i) * j.size
		j.f(lo, min(lo+j.size, j.n))
		if j.done.Add(1) == j.chunks {
			last = true
		}
	}
}

// rangePool is parallelRange's workers and the call they work on.
var rangePool struct {
	mu   sync.Mutex
	job  atomic.Pointer[rangeJob]
	wake []chan struct{}
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
					if j := rangePool.job.Load(); j != nil && j.work() {
						j.fin <- struct{}{}
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
	j := rangePool.job.Load()
	return j != nil && j.next.Load() < j.chunks
}

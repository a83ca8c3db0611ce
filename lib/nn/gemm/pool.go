package gemm

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/notmagic/notmagic/lib/nn/internal/spin"
)

// Parallel calls are cut into chunks (rectangles of C, or runs of whole products of a batch) that
// the caller and the pool's workers claim one at a time from a shared counter. Claiming keeps the
// goroutines busy when one of them is slowed down (the cores are shared with other programs),
// and the caller never waits for a worker that has not started: it waits only for chunks that a
// worker has claimed.

// Sizes in multiply-adds (m·n·k).
var (
	// parallelMinFlops: below this a product runs on the calling goroutine alone. Waking a worker
	// costs a few microseconds, the time of about 2^19 multiply-adds at 100 GFLOP/s.
	parallelMinFlops = 1 << 19
	// chunkMinFlops: the smallest chunk worth handing out.
	chunkMinFlops = 1 << 18
)

// chunksPerThread is how many chunks per goroutine a call is cut into, for balance.
const chunksPerThread = 3

// task is a chunk: count products, the i-th one being p with A, B and C advanced by i·strideA,
// i·strideB, i·strideC.
type task struct {
	p                         problem
	kern                      *kernel
	count                     int
	strideA, strideB, strideC int
}

func (t *task) run(ws *workspace) {
	p := t.p
	for i := 0; i < t.count; i++ {
		if i > 0 {
			p.a = p.a[t.strideA:]
			p.b = p.b[t.strideB:]
			p.c = p.c[t.strideC:]
		}
		serial(&p, t.kern, ws)
	}
}

// pool is the persistent worker pool. One call at a time uses it (mu); a concurrent caller that
// finds it busy runs on its own goroutine instead of waiting.
var pool struct {
	mu    sync.Mutex
	tasks []task // the current call's chunks, reused across calls
	// claim packs the call's generation (bits 48..63), its number of chunks (24..47) and the next
	// unclaimed chunk (0..23). tasks is written only while every chunk of the previous call is
	// done, before the new generation is published, and read only under a claimed chunk.
	claim    atomic.Uint64
	finished atomic.Int64  // chunks of the current call completed
	done     chan struct{} // a worker that completes the last chunk says so here
	wake     []chan struct{}
}

// startWorkers makes sure at least n workers exist; pool.mu must be held.
func startWorkers(n int) {
	if pool.done == nil {
		pool.done = make(chan struct{}, 1)
	}
	for len(pool.wake) < n {
		wake := make(chan struct{}, 1)
		pool.wake = append(pool.wake, wake)
		go func() {
			ws := new(workspace)
			for range wake {
				for {
					if work(ws) {
						pool.done <- struct{}{}
					}
					if !spin.Until(spinFor, haveWork) {
						break
					}
				}
			}
		}()
	}
}

// work claims and runs chunks of the current call until none is left, and reports whether it
// completed the call's last chunk.
func work(ws *workspace) (last bool) {
	for {
		v := pool.claim.Load()
		i, n := int(v&(1<<24-1)), int(v>>24&(1<<24-1))
		if i >= n || !pool.claim.CompareAndSwap(v, v+1) {
			if i >= n {
				return last
			}
			continue
		}
		pool.tasks[i].run(ws)
		if pool.finished.Add(1) == int64(n) {
			last = true
		}
	}
}

// spinFor is how long a worker that ran out of chunks keeps looking for the next call before it
// parks. Products come in quick succession in training (tens to hundreds of microseconds apart), and
// waking a parked goroutine's thread takes about as long as a small product on a virtual machine, so
// without the wait a second core joins too late to help (a 768×128×128 product ran at the same
// speed on two threads as on one; with the wait, 1.5×). The wait yields to other goroutines all
// along; waits of 30–300 µs were tried on the training step, where 100 µs did best (a longer wait
// takes the core from the element-wise loops between products).
var spinFor = 100 * time.Microsecond

// haveWork reports whether the current call has unclaimed chunks.
func haveWork() bool {
	v := pool.claim.Load()
	return int(v&(1<<24-1)) < int(v>>24&(1<<24-1))
}

// maxChunks bounds the chunks of one call (they are counted in 24 bits of pool.claim).
const maxChunks = 1 << 20

// dispatch runs pool.tasks (at most maxChunks) on the caller and up to nt-1 workers and returns
// when all are done. pool.mu must be held.
func dispatch(nt int) {
	n := len(pool.tasks)
	helpers := min(nt-1, n-1)
	startWorkers(helpers)
	pool.finished.Store(0)
	gen := pool.claim.Load()>>48 + 1
	pool.claim.Store(gen<<48 | uint64(n)<<24) // publishes tasks to the workers
	for _, w := range pool.wake[:helpers] {
		select {
		case w <- struct{}{}:
		default: // already has a wake-up pending; it will find this call's chunks
		}
	}
	ws := getWorkspace()
	last := work(ws)
	putWorkspace(ws)
	if !last {
		<-pool.done
	}
	clear(pool.tasks) // drop references to the caller's slices
	pool.tasks = pool.tasks[:0]
}

func runSerial(t *task) {
	ws := getWorkspace()
	t.run(ws)
	putWorkspace(ws)
}

// run computes one product, cut into chunks of C for the pool when it is big enough.
func run(p *problem, kern *kernel, nt int) {
	t := task{p: *p, kern: kern, count: 1}
	flops := p.m * p.n * p.k
	if nt <= 1 || flops < parallelMinFlops || p.alpha == 0 || p.k == 0 || !pool.mu.TryLock() {
		runSerial(&t)
		return
	}
	defer pool.mu.Unlock()
	// Cut C into chunksPerThread·nt chunks (fewer when they would be too small). Rows are cut in
	// whole row strips of the kernel, columns in whole column strips. Column cuts are preferred
	// when B is packed (transposed): a row cut would pack the whole of B once per chunk.
	chunks := max(1, min(chunksPerThread*nt, flops/chunkMinFlops))
	rowStrips, colStrips := ceilDiv(p.m, kern.mr), ceilDiv(p.n, kern.nr)
	var pm, pn int
	if p.transB && colStrips >= 2*nt {
		pn = min(chunks, colStrips)
		pm = max(1, min(chunks/pn, rowStrips))
	} else {
		pm = min(chunks, rowStrips)
		pn = max(1, min(chunks/pm, colStrips))
	}
	mstep := ceilDiv(rowStrips, pm) * kern.mr
	nstep := ceilDiv(colStrips, pn) * kern.nr
	for i0 := 0; i0 < p.m; i0 += mstep {
		for j0 := 0; j0 < p.n; j0 += nstep {
			pool.tasks = append(pool.tasks, task{p: sub(p, i0, min(mstep, p.m-i0), j0, min(nstep, p.n-j0)), kern: kern, count: 1})
		}
	}
	dispatch(nt)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// sub returns the part of p that computes C[i0:i0+m, j0:j0+n].
func sub(p *problem, i0, m, j0, n int) problem {
	q := *p
	q.m, q.n = m, n
	if p.transA {
		q.a = p.a[i0:]
	} else {
		q.a = p.a[i0*p.lda:]
	}
	if p.transB {
		q.b = p.b[j0*p.ldb:]
	} else {
		q.b = p.b[j0:]
	}
	q.c = p.c[i0*p.ldc+j0:]
	return q
}

// runBatch computes batch products. Products too small to split are handed out whole, a few per
// chunk; large ones are each split by run. Products that share C (strideC == 0) run in order on
// the caller.
func runBatch(p *problem, batch, strideA, strideB, strideC int, kern *kernel, nt int) {
	if batch == 1 {
		run(p, kern, nt)
		return
	}
	t := task{p: *p, kern: kern, count: batch, strideA: strideA, strideB: strideB, strideC: strideC}
	each := p.m * p.n * p.k
	if strideC == 0 || nt <= 1 || each*batch < parallelMinFlops || p.alpha == 0 || p.k == 0 {
		runSerial(&t)
		return
	}
	if each >= parallelMinFlops && batch < chunksPerThread*nt {
		// A few large products: split each one instead.
		for i := 0; i < batch; i++ {
			q := *p
			q.a, q.b, q.c = p.a[i*strideA:], p.b[i*strideB:], p.c[i*strideC:]
			run(&q, kern, nt)
		}
		return
	}
	if !pool.mu.TryLock() {
		runSerial(&t)
		return
	}
	defer pool.mu.Unlock()
	// Whole products per chunk: at least chunkMinFlops of work, at most batch/(chunksPerThread·nt)
	// products, so the chunks number between chunksPerThread·nt and maxChunks.
	per := max(ceilDiv(chunkMinFlops, max(each, 1)), ceilDiv(batch, maxChunks))
	per = min(per, max(1, batch/(chunksPerThread*nt)))
	for i0 := 0; i0 < batch; i0 += per {
		q := t
		q.count = min(per, batch-i0)
		q.p.a, q.p.b, q.p.c = p.a[i0*strideA:], p.b[i0*strideB:], p.c[i0*strideC:]
		pool.tasks = append(pool.tasks, q)
	}
	dispatch(nt)
}

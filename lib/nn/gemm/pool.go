package gemm

import "sync"

// parallelMinFlops is the size (m·n·k multiply-adds) under which a product runs on the calling
// goroutine alone: waking a worker costs a few microseconds, about what 2^18 multiply-adds take.
var parallelMinFlops = 1 << 18

// task is a share of a call given to one goroutine: count products, the i-th one being p with
// A, B and C advanced by i·strideA, i·strideB, i·strideC.
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

// worker is a persistent goroutine with its own pack buffers.
type worker struct {
	ws   workspace
	jobs chan task
}

// pool holds the workers. One call at a time uses them (mu); a concurrent caller that finds them
// busy runs on its own goroutine instead of waiting.
var pool struct {
	mu      sync.Mutex
	workers []*worker
	done    chan struct{}
	tasks   []task // scratch for splitting a call, reused
}

// startWorkers makes sure at least n workers exist; pool.mu must be held.
func startWorkers(n int) {
	if pool.done == nil {
		pool.done = make(chan struct{}, 64)
	}
	for len(pool.workers) < n {
		w := &worker{jobs: make(chan task, 1)}
		pool.workers = append(pool.workers, w)
		go func() {
			for t := range w.jobs {
				t.run(&w.ws)
				t = task{} // drop the references to the caller's slices
				pool.done <- struct{}{}
			}
		}()
	}
	if cap(pool.done) < n {
		// Only reached when no task is in flight (mu held, all done): safe to replace.
		pool.done = make(chan struct{}, 2*n)
	}
}

// dispatch runs tasks[0] on the caller and the rest on workers, and waits for all of them.
// pool.mu must be held.
func dispatch(tasks []task) {
	startWorkers(len(tasks) - 1)
	for i := 1; i < len(tasks); i++ {
		pool.workers[i-1].jobs <- tasks[i]
	}
	ws := getWorkspace()
	tasks[0].run(ws)
	putWorkspace(ws)
	for i := 1; i < len(tasks); i++ {
		<-pool.done
	}
	for i := range tasks {
		tasks[i] = task{}
	}
}

func runSerial(t *task) {
	ws := getWorkspace()
	t.run(ws)
	putWorkspace(ws)
}

// run computes one product, split into a grid of rectangles of C when it is big enough.
func run(p *problem, kern *kernel, nt int) {
	t := task{p: *p, kern: kern, count: 1}
	if nt <= 1 || p.m*p.n*p.k < parallelMinFlops || p.alpha == 0 || p.k == 0 || !pool.mu.TryLock() {
		runSerial(&t)
		return
	}
	defer pool.mu.Unlock()
	pm, pn := grid(p.m, p.n, p.k, nt, kern)
	tasks := pool.tasks[:0]
	mstep := roundUp((p.m+pm-1)/pm, kern.mr)
	nstep := roundUp((p.n+pn-1)/pn, kern.nr)
	for i0 := 0; i0 < p.m; i0 += mstep {
		for j0 := 0; j0 < p.n; j0 += nstep {
			tasks = append(tasks, task{p: sub(p, i0, min(mstep, p.m-i0), j0, min(nstep, p.n-j0)), kern: kern, count: 1})
		}
	}
	pool.tasks = tasks
	dispatch(tasks)
}

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

// grid picks how many row blocks (pm) and column blocks (pn) to cut C into for nt goroutines,
// minimising the largest share's work: its padded multiply-adds plus its packing, counted at
// 16 multiply-adds per packed element.
func grid(m, n, k, nt int, kern *kernel) (pm, pn int) {
	best := -1
	for d := 1; d <= nt; d++ {
		if nt%d != 0 {
			continue
		}
		rows := roundUp((m+d-1)/d, kern.mr)
		cols := roundUp((n+nt/d-1)/(nt/d), kern.nr)
		cost := rows*cols*k + 16*k*(rows+cols)
		if best < 0 || cost < best {
			best, pm, pn = cost, d, nt/d
		}
	}
	return pm, pn
}

// runBatch computes batch products: small ones spread whole across goroutines, large ones each
// split by run. Products that share C (strideC == 0) run in order on the caller.
func runBatch(p *problem, batch, strideA, strideB, strideC int, kern *kernel, nt int) {
	if batch == 1 {
		run(p, kern, nt)
		return
	}
	t := task{p: *p, kern: kern, count: batch, strideA: strideA, strideB: strideB, strideC: strideC}
	each := p.m * p.n * p.k
	if strideC == 0 || nt <= 1 || each*batch < parallelMinFlops {
		runSerial(&t)
		return
	}
	if each >= parallelMinFlops && batch%nt != 0 && batch < 4*nt {
		// Few large products that do not divide evenly: split each one instead.
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
	nt = min(nt, batch)
	tasks := pool.tasks[:0]
	for w, i0 := 0, 0; w < nt; w++ {
		cnt := (batch - i0) / (nt - w)
		q := t
		q.count = cnt
		q.p.a, q.p.b, q.p.c = p.a[i0*strideA:], p.b[i0*strideB:], p.c[i0*strideC:]
		tasks = append(tasks, q)
		i0 += cnt
	}
	pool.tasks = tasks
	dispatch(tasks)
}

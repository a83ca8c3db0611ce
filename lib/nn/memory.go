package nn

import (
	"reflect"
	"runtime"
	"sync"
	"unsafe"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// This file is lib/nn's memory: where tensors, their storage and their gradients come from and go back
// to. The rules, which every op and Backward follow:
//
//  1. A tensor the program can hold is the garbage collector's: lib/nn never recycles it. Recycled are
//     only tensors no caller can reach: a gradient Backward has consumed, a fresh gradient once added
//     into an existing one, and a model's own activations (markTransient) once every op that read them
//     has run its backward.
//  2. Storage shared by a view (Reshape, Detach, a fused op's output view) is never recycled: the
//     tensor is marked shared (its header stays too, since views may share its shape), and a gradient
//     an input took as a view of its storage is pinned.
//  3. A gradient passed on unchanged (through an addition, say) is borrowed, not copied: the borrower
//     holds it with gradShared set and the owner counts its borrowers. Whoever is last (the owner,
//     when no input took it; else the last borrower to let go) recycles it. A borrower that must write
//     into its gradient copies it first (ownGrad).
//  4. Dead storage goes back through recycle: CPU buffers to cpuPool, others to their backend when it
//     implements BufferReleaser. Dead headers go to tensorPool; scratch slices to their slicePool.
//  5. Pools are bounded and survive garbage collections (freeList), so a training step allocates
//     nothing in steady state even in a program that allocates elsewhere; cpuPool alone lets go of
//     what two collections found unused, so memory a program stops using returns to the runtime.
//
// Tests poison recycled CPU buffers with NaN (poisonRecycled), so a recycling mistake shows up as NaN
// in the gradient checks instead of as silently wrong numbers.

// lifecycle is what the memory rules know of one tensor. Its fields are set in this file only (ZeroGrad
// excepted, which forgets a gradient the program may hold without recycling it); Backward reads
// released.
type lifecycle struct {
	gradShared bool  // the tensor's grad is borrowed from another tensor (rule 3): copy before writing
	released   bool  // computed tensor whose graph a Backward has released
	transient  bool  // computed inside a model's forward pass and handed to no caller (markTransient)
	shared     bool  // its storage is shared with another tensor (a view): never recycled (rule 2)
	borrowers  int32 // as a gradient: tensors holding it as their borrowed gradient
	ownerDone  bool  // as a gradient: its owner's backward has run and lent it on
	pinned     bool  // as a gradient: a view shares its storage, never recycled
}

// view returns a tensor of the shape over t's storage, both marked shared (rule 2).
func view(t *Tensor, shape []int) *Tensor {
	t.life.shared = true
	return &Tensor{shape: shape, buf: t.buf, life: lifecycle{shared: true}}
}

// ownGrad makes t's gradient its own: a borrowed one is copied (and the borrow let go) before t writes
// into it.
func (t *Tensor) ownGrad() {
	if !t.life.gradShared {
		return
	}
	c := empty(t.grad.backend(), t.grad.shape)
	c.backend().Axpy(c.buf, 1, t.grad.buf)
	unborrow(t.grad)
	t.grad, t.life.gradShared = c, false
}

// releaseAfterBackward runs once Backward has sent x's gradient g back to x's inputs: g is recycled,
// or handed to the borrowers that will recycle it (rule 3), and x forgets its graph and gradient; a
// transient x is dead by then and is recycled too.
func releaseAfterBackward(x *Tensor) {
	if g := x.grad; g != nil {
		byHeader, byStorage := lent(x)
		switch {
		case byStorage: // a view of g's storage lives on as an input's gradient
			g.life.pinned = true
			if x.life.gradShared {
				g.life.borrowers--
			}
		case x.life.gradShared:
			unborrow(g)
		case byHeader:
			g.life.ownerDone = true // inputs borrowed it: the last of them recycles it
		default:
			release(g) // dead: no other tensor holds it
		}
	}
	x.node, x.nd, x.life.released = nil, node{}, true
	x.grad, x.life.gradShared = nil, false
	if x.life.transient && !x.life.shared {
		// Every op that read x ran its backward before this point (reverse topological order), and
		// no caller holds x: x is dead, storage and header.
		release(x)
	}
}

// Tensor headers.

// tensorPool holds the headers of tensors known to be dead (see release): up to 1<<14 of them
// (about 5 MB), more than a training step of a large model makes.
var tensorPool = freeList[Tensor]{max: 1 << 14}

// newTensor returns a tensor of the shape (copied) over buf, with a header from tensorPool when
// one is there.
func newTensor(shape []int, buf Buffer) *Tensor {
	t := tensorPool.get()
	if t == nil {
		t = new(Tensor)
	}
	if len(shape) <= len(t.dims) {
		t.shape = t.dims[:len(shape):len(shape)]
		copy(t.shape, shape)
	} else {
		t.shape = append([]int(nil), shape...)
	}
	t.buf = buf
	return t
}

// release recycles a tensor no one can reach any more whose storage is dead too: the storage, and
// the header unless the tensor has views (shared), which may share its shape.
func release(t *Tensor) {
	recycle(t.buf)
	if t.life.shared {
		return
	}
	*t = Tensor{}
	tensorPool.put(t)
}

// Gradients: accumulation, borrowing and recycling (rule 3).

// accumulate adds g to t's gradient. fresh says g was made for this call alone and may be kept as is.
func accumulate(t *Tensor, g *Tensor, fresh bool) {
	if !t.requiresGrad {
		if fresh {
			release(g)
		}
		return
	}
	if t.grad == nil {
		if fresh {
			t.grad = g
		} else {
			t.grad, t.life.gradShared = g, true
			g.life.borrowers++
		}
		return
	}
	t.ownGrad()
	t.backend().Axpy(t.grad.buf, 1, g.buf)
	if fresh {
		release(g)
	}
}

// lent reports whether an input of x's node took x's gradient as its own: the same tensor
// (byHeader), or a view of its storage (byStorage).
func lent(x *Tensor) (byHeader, byStorage bool) {
	for _, in := range x.node.inputs {
		switch {
		case in.grad == nil:
		case in.grad == x.grad:
			byHeader = true
		case sameStorage(in.grad.buf, x.grad.buf):
			byStorage = true
		}
	}
	return byHeader, byStorage
}

// unborrow drops one borrower's hold on the gradient g, recycling g when that was the last hold
// and its owner is done with it.
func unborrow(g *Tensor) {
	g.life.borrowers--
	if g.life.borrowers == 0 && g.life.ownerDone && !g.life.pinned {
		release(g)
	}
}

// dropGrad forgets t's gradient, recycling it when no other tensor holds it.
func dropGrad(t *Tensor) {
	switch g := t.grad; {
	case g == nil:
	case t.life.gradShared:
		unborrow(g)
	case !g.life.pinned:
		release(g)
	}
	t.grad, t.life.gradShared = nil, false
}

// markTransient marks the computed tensors of out's graph, out excepted, as transient: a model's
// forward pass calls it on the output it returns, so that Backward may recycle the activations in
// between, which no caller can hold. It stops at leaves and at tensors already marked.
func markTransient(out *Tensor) {
	if out.node == nil {
		return
	}
	sc := getBackwardScratch()
	defer putBackwardScratch(sc)
	stack := append(sc.order[:0], out.node.inputs...)
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if t.node == nil || t.life.transient {
			continue
		}
		t.life.transient = true
		stack = append(stack, t.node.inputs...)
	}
	sc.order = stack
}

// Storage (rule 4).

// The CPU backend reuses the memory that Backward knows is dead: a node's output gradient once its
// backward has run and no input borrowed it, a fresh gradient once it has been added into an existing
// one, and a model's own activations (markTransient) once every op that read them has run its
// backward. Those buffers go to cpuPool and serve the next allocations of the same length (the next
// step's activations and gradients), which skips the runtime's allocation and, for outputs a kernel
// overwrites entirely (AllocUninit), the zeroing too. Tensors a program can hold are left to the
// garbage collector. Like sync.Pool, the pool keeps what a garbage collection finds in it for one
// more cycle (victim) and then lets it go, so memory a program stops using goes back to the runtime.
// The pool keeps the buffers as Buffer values, so that handing one out again does not box its slice
// into an interface (an allocation).
var cpuPool struct {
	mu     sync.Mutex
	free   map[int][]Buffer
	victim map[int][]Buffer // what free held at the last garbage collection
	bytes  int              // in free and victim
}

func init() { armPoolSweep() }

// armPoolSweep arranges for sweepPool to run after the next garbage collection (and to arm itself
// again then).
func armPoolSweep() {
	sentinel := new([64]byte)
	runtime.AddCleanup(sentinel, func(struct{}) { sweepPool(); armPoolSweep() }, struct{}{})
}

// sweepPool drops the victim buffers and makes the free ones the victims.
func sweepPool() {
	cpuPool.mu.Lock()
	defer cpuPool.mu.Unlock()
	for n, l := range cpuPool.victim {
		cpuPool.bytes -= 4 * n * len(l)
	}
	cpuPool.victim, cpuPool.free = cpuPool.free, nil
}

const poolMaxBytes = 256 << 20 // the most the pool keeps

var poisonRecycled = false // tests set it: AllocUninit fills recycled buffers with NaN

// poolGet returns a dead CPU buffer of n elements (its contents undefined), or nil.
func poolGet(n int) Buffer {
	cpuPool.mu.Lock()
	defer cpuPool.mu.Unlock()
	for _, m := range [2]map[int][]Buffer{cpuPool.free, cpuPool.victim} {
		if l := m[n]; len(l) > 0 {
			s := l[len(l)-1]
			l[len(l)-1] = nil
			m[n] = l[:len(l)-1]
			cpuPool.bytes -= 4 * n
			return s
		}
	}
	return nil
}

// recycle gives dead storage back: to the pool for CPU buffers, to the backend where it implements
// BufferReleaser.
func recycle(buf Buffer) {
	b, ok := buf.(cpuBuffer)
	if !ok {
		if r, ok := buf.Backend().(backend.BufferReleaser); ok {
			r.Release(buf)
		}
		return
	}
	cpuPool.mu.Lock()
	defer cpuPool.mu.Unlock()
	if cpuPool.bytes+4*len(b) > poolMaxBytes {
		return
	}
	if cpuPool.free == nil {
		cpuPool.free = map[int][]Buffer{}
	}
	cpuPool.free[len(b)] = append(cpuPool.free[len(b)], buf)
	cpuPool.bytes += 4 * len(b)
}

// sameStorage reports whether two buffers may be the same storage (a gradient lent by view): CPU
// buffers that share their first element, pointer-typed buffers that are equal, and, erring on the
// side of keeping memory alive, any two buffers of another kind.
func sameStorage(a, b Buffer) bool {
	x, ok1 := a.(cpuBuffer)
	y, ok2 := b.(cpuBuffer)
	switch {
	case ok1 && ok2:
		return len(x) > 0 && len(y) > 0 && unsafe.SliceData(x) == unsafe.SliceData(y)
	case ok1 || ok2:
		return false
	case reflect.TypeOf(a).Kind() == reflect.Pointer && reflect.TypeOf(b).Kind() == reflect.Pointer:
		return a == b
	}
	return true
}

// Free lists and scratch (rule 5).

// freeList keeps up to max objects for reuse. Unlike a sync.Pool, a garbage collection does not
// empty it, so a program that allocates elsewhere (and so collects) still finds what a step needs.
// What it holds must keep nothing else alive (clear it before put).
type freeList[T any] struct {
	mu   sync.Mutex
	free []*T
	max  int
}

// get returns a kept object, or nil.
func (l *freeList[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.free)
	if n == 0 {
		return nil
	}
	x := l.free[n-1]
	l.free[n-1] = nil
	l.free = l.free[:n-1]
	return x
}

// put keeps x unless the list is full.
func (l *freeList[T]) put(x *T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.free) < l.max {
		l.free = append(l.free, x)
	}
}

// slicePool keeps slices of T for reuse, as scratch space or as an op's saved indices, so that
// the hot paths allocate none.
type slicePool[T any] struct{ l freeList[[]T] }

// get returns a slice of n elements with undefined contents; put gives it back.
func (sp *slicePool[T]) get(n int) *[]T {
	s := sp.l.get()
	if s == nil {
		s = new([]T)
	}
	if cap(*s) < n {
		*s = make([]T, n)
	}
	*s = (*s)[:n]
	return s
}

// put returns a slice taken with get.
func (sp *slicePool[T]) put(s *[]T) { sp.l.put(s) }

var (
	floatScratch = slicePool[float32]{freeList[[]float32]{max: 64}}
	intScratch   = slicePool[int]{freeList[[]int]{max: 64}}
	int32Scratch = slicePool[int32]{freeList[[]int32]{max: 64}} // indices an op keeps until its backward pass
)

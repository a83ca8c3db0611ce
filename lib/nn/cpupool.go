package nn

import (
	"reflect"
	"runtime"
	"sync"
	"unsafe"
)

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

// BufferReleaser is an optional Backend extension: Release takes back a buffer that lib/nn knows
// no tensor uses any more (a gradient Backward has consumed), for reuse before the garbage collector
// would find it; the buffer must not be used afterwards.
type BufferReleaser interface {
	Release(b Buffer)
}

// recycle gives dead storage back: to the pool for CPU buffers, to the backend where it implements
// BufferReleaser.
func recycle(buf Buffer) {
	b, ok := buf.(cpuBuffer)
	if !ok {
		if r, ok := buf.Backend().(BufferReleaser); ok {
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

package gpu

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"unsafe"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// Backend is lib/nn's backend on the GPU, registered as "cuda". Its methods queue kernels on the
// device's stream and return at once; ToHost (Tensor.Data, Item) waits for the results. A CUDA
// failure panics with an error naming the call, like lib/nn's other misuse errors.
type Backend struct {
	d    *device
	name string // "cuda" unless a test opens a second device under another name
}

var _ backend.Backend = (*Backend)(nil)

// buffer is device memory holding n float32 values (or int32 indices for the backend's own scratch).
type buffer struct {
	ptr     uintptr // 0 once released
	n       int
	class   uint64
	be      *Backend
	cleanup runtime.Cleanup // returns the block when the buffer is unreachable, unless Release did
}

func (b *buffer) Len() int                 { return b.n }
func (b *buffer) Backend() backend.Backend { return b.be }
func (b *buffer) String() string           { return fmt.Sprintf("cuda buffer of %d floats", b.n) }
func (be *Backend) check(err error)        { checkErr(err) }
func checkErr(err error) {
	if err != nil {
		panic(err)
	}
}

// Name is the device name tensors report: "cuda".
func (be *Backend) Name() string {
	if be.name == "" {
		return "cuda"
	}
	return be.name
}

// block is what a buffer's cleanup returns to the allocator.
type block struct {
	ptr   uintptr
	class uint64
}

// alloc returns an uninitialised buffer of n 4-byte elements, returned to the cache when unreachable.
func (be *Backend) alloc(n int) *buffer {
	if n < 0 {
		panic(fmt.Errorf("gpu: negative buffer length %d", n))
	}
	p, c, err := be.d.alloc.get(uint64(max(n, 1)) * 4)
	be.check(err)
	b := &buffer{ptr: p, n: n, class: c, be: be}
	a := be.d.alloc
	b.cleanup = runtime.AddCleanup(b, func(k block) { a.collected(k.ptr, k.class) }, block{p, c})
	return b
}

// Release implements backend.BufferReleaser: lib/nn hands back a buffer it knows is dead (a gradient
// Backward has consumed), and its block goes back to the allocator at once instead of when the
// garbage collector finds it. Kernels already queued that read it run before any reuse (one
// stream). Using the buffer afterwards panics.
func (be *Backend) Release(b backend.Buffer) {
	gb, ok := b.(*buffer)
	if !ok || gb == nil || gb.ptr == 0 || gb.be != be {
		return
	}
	gb.cleanup.Stop()
	be.d.alloc.put(gb.ptr, gb.class)
	gb.ptr = 0
}

// scratch returns device memory for n 4-byte elements that the caller gives back with done once the
// kernels using it are queued (stream order makes the reuse safe).
func (be *Backend) scratch(n int) (uintptr, func()) {
	p, c, err := be.d.alloc.get(uint64(max(n, 1)) * 4)
	be.check(err)
	return p, func() { be.d.alloc.put(p, c) }
}

// dev returns the device pointer of a buffer (0 for nil), checking that it belongs to this backend.
func (be *Backend) dev(b backend.Buffer) uintptr {
	if b == nil {
		return 0
	}
	gb, ok := b.(*buffer)
	if !ok {
		panic(fmt.Errorf("gpu: a %s buffer was passed to the %s backend; move tensors with To(%q) first", b.Backend().Name(), be.Name(), be.Name()))
	}
	if gb == nil {
		return 0
	}
	if gb.ptr == 0 {
		panic(fmt.Errorf("gpu: use of a released buffer of %d floats", gb.n))
	}
	return gb.ptr
}

// isNil reports whether an optional buffer argument is absent (a nil interface or a nil *buffer).
func isNil(b backend.Buffer) bool {
	if b == nil {
		return true
	}
	gb, ok := b.(*buffer)
	return ok && gb == nil
}

func (be *Backend) grid(n int) int { return gridFor(n, threadsElementwise, be.d.info.SMs*32) }

// Alloc returns a zero-filled buffer of n elements.
func (be *Backend) Alloc(n int) backend.Buffer {
	b := be.alloc(n)
	be.d.memsetAsync(b.ptr, 0, n)
	return b
}

// AllocUninit implements backend.UninitAllocator: a buffer whose contents are whatever its memory held,
// for outputs that a kernel overwrites entirely, which saves Alloc's fill (a pass over the memory).
// With poisonUninit set (the tests do) it is filled with NaN instead, so that an op which leaves part
// of such an output unwritten fails the comparisons with the CPU.
func (be *Backend) AllocUninit(n int) backend.Buffer {
	b := be.alloc(n)
	if poisonUninit {
		be.d.memsetAsync(b.ptr, math.Float32bits(float32(math.NaN())), n)
	}
	return b
}

// poisonUninit makes AllocUninit fill its buffers with NaN (for tests).
var poisonUninit = false

// FromHost returns a new buffer holding a copy of v (queued: it returns before the copy is done).
func (be *Backend) FromHost(v []float32) backend.Buffer {
	b := be.alloc(len(v))
	if len(v) > 0 {
		owned := slices.Clone(v) // the caller may change v once we return; the copy is queued
		be.d.upload(b.ptr, unsafe.Pointer(&owned[0]), 4*len(owned), owned)
	}
	return b
}

// ToHost copies src into dst after every queued kernel has finished.
func (be *Backend) ToHost(dst []float32, src backend.Buffer) {
	if len(dst) != src.Len() {
		panic(fmt.Errorf("gpu: ToHost: %d destination values for a buffer of %d", len(dst), src.Len()))
	}
	p := be.dev(src)
	if len(dst) == 0 {
		be.check(be.d.syncStream())
		return
	}
	be.check(be.d.copyToHost(unsafe.Pointer(&dst[0]), p, 4*len(dst)))
	runtime.KeepAlive(dst)
	runtime.KeepAlive(src)
}

// Fill sets every element of dst to v.
func (be *Backend) Fill(dst backend.Buffer, v float32) {
	be.d.memsetAsync(be.dev(dst), math.Float32bits(v), dst.Len())
}

// Axpy computes dst += alpha·x.
func (be *Backend) Axpy(dst backend.Buffer, alpha float32, x backend.Buffer) {
	n := dst.Len()
	if n == 0 {
		return
	}
	var a args
	a.ptr(be.dev(dst)).ptr(be.dev(x)).f32(alpha).i32(n)
	be.d.launch1(kAxpy, be.grid(n), threadsElementwise, &a)
}

// fits32 panics unless every buffer can be indexed with 32-bit ints, as the strided kernels do.
func fits32(op string, bufs ...backend.Buffer) {
	for _, b := range bufs {
		if b.Len() > math.MaxInt32 {
			panic(fmt.Errorf("gpu: %s: a buffer of %d elements is too large for 32-bit indexing", op, b.Len()))
		}
	}
}

// Gather writes (or with accumulate adds) src[offset + Σ idx[i]·strides[i]] into contiguous dst.
func (be *Backend) Gather(dst backend.Buffer, shape []int, src backend.Buffer, offset int, strides []int, accumulate bool) {
	fits32("gather", dst, src)
	s := newStrided("gather", shape, strides, nil)
	if s.n == 0 {
		return
	}
	var a args
	a.ptr(be.dev(dst)).ptr(be.dev(src)).i32(offset).strided(&s).flag(accumulate)
	be.d.launch1(kGather, be.grid(int(s.n)), threadsElementwise, &a)
}

// Scatter adds contiguous src into dst[offset + Σ idx[i]·strides[i]].
func (be *Backend) Scatter(dst backend.Buffer, offset int, strides []int, src backend.Buffer, shape []int) {
	fits32("scatter", dst, src)
	s := newStrided("scatter", shape, strides, nil)
	if s.n == 0 {
		return
	}
	var a args
	a.ptr(be.dev(dst)).ptr(be.dev(src)).i32(offset).strided(&s)
	be.d.launch1(kScatter, be.grid(int(s.n)), threadsElementwise, &a)
}

// Unary computes dst = op(x, p).
func (be *Backend) Unary(op backend.UnaryOp, dst, x backend.Buffer, p float32) {
	n := dst.Len()
	if n == 0 {
		return
	}
	var a args
	a.i32(int(op)).ptr(be.dev(dst)).ptr(be.dev(x)).f32(p).i32(n)
	be.d.launch1(kUnary, be.grid(n), threadsElementwise, &a)
}

// UnaryGrad computes dx += dy·op'(x), given y = op(x, p).
func (be *Backend) UnaryGrad(op backend.UnaryOp, dx, x, y, dy backend.Buffer, p float32) {
	n := dx.Len()
	if n == 0 {
		return
	}
	var a args
	a.i32(int(op)).ptr(be.dev(dx)).ptr(be.dev(x)).ptr(be.dev(y)).ptr(be.dev(dy)).f32(p).i32(n)
	be.d.launch1(kUnaryGrad, be.grid(n), threadsElementwise, &a)
}

// Binary computes dst = a op b over shape with strides (0 on broadcast axes).
func (be *Backend) Binary(op backend.BinaryOp, dst backend.Buffer, shape []int, x backend.Buffer, xStrides []int, y backend.Buffer, yStrides []int) {
	fits32("binary", dst, x, y)
	s := newStrided("binary "+op.String(), shape, xStrides, yStrides)
	if s.n == 0 {
		return
	}
	var a args
	if s.rank == 1 && s.sa[0] == 1 && s.sb[0] == 1 {
		a.i32(int(op)).ptr(be.dev(dst)).ptr(be.dev(x)).ptr(be.dev(y)).i32(int(s.n))
		be.d.launch1(kBinaryC, be.grid(int(s.n)), threadsElementwise, &a)
		return
	}
	a.i32(int(op)).ptr(be.dev(dst)).ptr(be.dev(x)).ptr(be.dev(y)).strided(&s)
	be.d.launch1(kBinaryS, be.grid(int(s.n)), threadsElementwise, &a)
}

// Reduce computes dst[o, i] = reduce over j of x[o, j, i].
func (be *Backend) Reduce(op backend.ReduceOp, dst, x backend.Buffer, outer, n, inner int) {
	if outer*inner == 0 {
		return
	}
	if n == 0 {
		v := float32(0)
		if op == backend.ReduceMax {
			v = float32(math.Inf(-1))
		}
		be.Fill(dst, v)
		return
	}
	var a args
	if inner == 1 {
		a.i32(int(op)).ptr(be.dev(dst)).ptr(be.dev(x)).i32(outer).i32(n)
		be.d.launch1(kReduceRows, rowGrid(outer), rowThreads(n), &a)
		return
	}
	a.i32(int(op)).ptr(be.dev(dst)).ptr(be.dev(x)).i32(outer).i32(n).i32(inner)
	be.d.launch(kReduceCols, [3]int{(inner + 31) / 32, min(outer, maxGridYZ), 1}, [3]int{32, 8, 1}, &a)
}

// MatMul computes batch products dst[b] (+)= op(a[b])·op(b[b]) through cuBLAS when it is loaded,
// else the tiled PTX GEMM.
func (be *Backend) MatMul(dst, a, b backend.Buffer, batch, m, n, k int, transA, transB bool, strideA, strideB int, accumulate bool) {
	if batch == 0 || m == 0 || n == 0 {
		return
	}
	if k == 0 { // an empty sum: dst = 0 (or unchanged when accumulating)
		if !accumulate {
			be.Fill(dst, 0)
		}
		return
	}
	beta := float32(0)
	if accumulate {
		beta = 1
	}
	pa, pb, pc := be.dev(a), be.dev(b), be.dev(dst)
	if be.d.useBlas.Load() {
		g := rowMajorToCUBLAS(m, n, k, transA, transB, strideA, strideB)
		blas := be.d.blas
		be.d.async(func() error { return blas.sgemm(g, batch, 1, beta, pa, pb, pc) })
		return
	}
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	kern, tile := gemmKernel(m, n)
	for b0 := 0; b0 < batch; b0 += maxGridYZ {
		nb := min(batch-b0, maxGridYZ)
		var ar args
		ar.i32(m).i32(n).i32(k).f32(1).
			ptr(pa + uintptr(4*b0*strideA)).i32(lda).i64(strideA).flag(transA).
			ptr(pb + uintptr(4*b0*strideB)).i32(ldb).i64(strideB).flag(transB).
			f32(beta).ptr(pc + uintptr(4*b0*m*n)).i32(n).i64(m * n)
		be.d.launch(kern, gemmGrid(m, n, nb, tile), [3]int{256, 1, 1}, &ar)
	}
}

// Softmax computes dst = softmax (or log-softmax) of each row.
func (be *Backend) Softmax(dst, x backend.Buffer, rows, cols int, log bool) {
	if rows*cols == 0 {
		return
	}
	var a args
	a.ptr(be.dev(dst)).ptr(be.dev(x)).i32(rows).i32(cols).flag(log)
	be.d.launch1(kSoftmax, rowGrid(rows), rowThreads(cols), &a)
}

// SoftmaxGrad computes dx += the gradient through softmax (or log-softmax).
func (be *Backend) SoftmaxGrad(dx, y, dy backend.Buffer, rows, cols int, log bool) {
	if rows*cols == 0 {
		return
	}
	var a args
	a.ptr(be.dev(dx)).ptr(be.dev(y)).ptr(be.dev(dy)).i32(rows).i32(cols).flag(log)
	be.d.launch1(kSoftmaxGrad, rowGrid(rows), rowThreads(cols), &a)
}

// targetsToDevice checks targets against cols (ignore aside), counts the rows that count, and copies
// them to scratch device memory.
func (be *Backend) targetsToDevice(op string, targets []int32, rows, cols int, ignore int32) (uintptr, func(), int) {
	if len(targets) < rows {
		panic(fmt.Errorf("gpu: %s: %d targets for %d rows", op, len(targets), rows))
	}
	count := 0
	for r, t := range targets[:rows] {
		if t == ignore {
			continue
		}
		if t < 0 || int(t) >= cols {
			panic(fmt.Errorf("gpu: %s: target %d of row %d is outside [0, %d)", op, t, r, cols))
		}
		count++
	}
	p, done := be.scratch(rows)
	owned := slices.Clone(targets[:rows])
	be.d.upload(p, unsafe.Pointer(&owned[0]), 4*rows, owned)
	return p, done, count
}

// CrossEntropy computes lse per row and the mean loss over rows not ignored; it returns their count.
func (be *Backend) CrossEntropy(loss, lse, logits backend.Buffer, targets []int32, rows, cols int, ignore int32) int {
	if rows == 0 {
		be.Fill(loss, 0)
		return 0
	}
	tp, tdone, count := be.targetsToDevice("cross_entropy", targets, rows, cols, ignore)
	rowLoss, rdone := be.scratch(rows)
	var a args
	a.ptr(be.dev(lse)).ptr(rowLoss).ptr(be.dev(logits)).ptr(tp).i32(rows).i32(cols).i32(int(ignore))
	be.d.launch1(kCERows, rowGrid(rows), rowThreads(cols), &a)
	scale := float32(0)
	if count > 0 {
		scale = float32(1 / float64(count))
	}
	var m args
	m.ptr(be.dev(loss)).ptr(rowLoss).i32(rows).f32(scale)
	be.d.launch1(kCEMean, 1, 1024, &m)
	tdone()
	rdone()
	return count
}

// CrossEntropyGrad computes dlogits += scale·(softmax(x) − onehot(target)) for rows not ignored.
func (be *Backend) CrossEntropyGrad(dlogits, logits, lse backend.Buffer, targets []int32, rows, cols int, ignore int32, scale float32) {
	if rows*cols == 0 {
		return
	}
	tp, tdone, _ := be.targetsToDevice("cross_entropy_grad", targets, rows, cols, ignore)
	var a args
	a.ptr(be.dev(dlogits)).ptr(be.dev(logits)).ptr(be.dev(lse)).ptr(tp).i32(rows).i32(cols).i32(int(ignore)).f32(scale)
	be.d.launch1(kCEGrad, be.grid(rows*cols), threadsElementwise, &a)
	tdone()
}

// LayerNorm normalises each row of x (gain and bias may be nil), storing mean and rstd.
func (be *Backend) LayerNorm(y, mean, rstd, x, gain, bias backend.Buffer, rows, cols int, eps float32) {
	if rows*cols == 0 {
		return
	}
	var a args
	a.ptr(be.dev(y)).ptr(be.dev(mean)).ptr(be.dev(rstd)).ptr(be.dev(x)).ptr(be.devOpt(gain)).ptr(be.devOpt(bias)).i32(rows).i32(cols).f32(eps)
	be.d.launch1(kLayerNorm, rowGrid(rows), rowThreads(cols), &a)
}

// devOpt is dev for an optional buffer.
func (be *Backend) devOpt(b backend.Buffer) uintptr {
	if isNil(b) {
		return 0
	}
	return be.dev(b)
}

// LayerNormGrad computes dx += ∂L/∂x and, where not nil, dgain += ∂L/∂gain and dbias += ∂L/∂bias.
func (be *Backend) LayerNormGrad(dx, dgain, dbias, dy, x, mean, rstd, gain backend.Buffer, rows, cols int) {
	if rows*cols == 0 {
		return
	}
	if !isNil(dx) {
		var a args
		a.ptr(be.dev(dx)).ptr(be.dev(dy)).ptr(be.dev(x)).ptr(be.dev(mean)).ptr(be.dev(rstd)).ptr(be.devOpt(gain)).i32(rows).i32(cols)
		be.d.launch1(kLayerNormGradX, rowGrid(rows), rowThreads(cols), &a)
	}
	if !isNil(dgain) || !isNil(dbias) {
		chunk := lnParamChunk(rows)
		var a args
		a.ptr(be.devOpt(dgain)).ptr(be.devOpt(dbias)).ptr(be.dev(dy)).ptr(be.dev(x)).ptr(be.dev(mean)).ptr(be.dev(rstd)).i32(rows).i32(cols).i32(chunk)
		be.d.launch(kLayerNormGradParams, [3]int{(cols + 31) / 32, (rows + chunk - 1) / chunk, 1}, [3]int{32, 8, 1}, &a)
	}
}

// indicesToDevice checks that every index names a row of a table of rows rows and copies them to scratch memory.
func (be *Backend) indicesToDevice(op string, idx []int32, rows int) (uintptr, func()) {
	for i, r := range idx {
		if r < 0 || int(r) >= rows {
			panic(fmt.Errorf("gpu: %s: index %d at position %d is outside [0, %d)", op, r, i, rows))
		}
	}
	p, done := be.scratch(len(idx))
	owned := slices.Clone(idx)
	be.d.upload(p, unsafe.Pointer(&owned[0]), 4*len(idx), owned)
	return p, done
}

// Embedding copies rows idx[i] of the table into row i of dst.
func (be *Backend) Embedding(dst, table backend.Buffer, idx []int32, dim int) {
	if len(idx) == 0 || dim == 0 {
		return
	}
	p, done := be.indicesToDevice("embedding", idx, table.Len()/dim)
	var a args
	a.ptr(be.dev(dst)).ptr(be.dev(table)).ptr(p).i32(len(idx)).i32(dim)
	be.d.launch1(kEmbedding, be.grid(len(idx)*dim), threadsElementwise, &a)
	done()
}

// EmbeddingGrad adds row i of dy into row idx[i] of dtable.
func (be *Backend) EmbeddingGrad(dtable, dy backend.Buffer, idx []int32, dim int) {
	if len(idx) == 0 || dim == 0 {
		return
	}
	p, done := be.indicesToDevice("embedding_grad", idx, dtable.Len()/dim)
	var a args
	a.ptr(be.dev(dtable)).ptr(be.dev(dy)).ptr(p).i32(len(idx)).i32(dim)
	be.d.launch1(kEmbeddingGrad, be.grid(len(idx)*dim), threadsElementwise, &a)
	done()
}

// MaskedFill computes dst = value where mask ≠ 0 and x elsewhere.
func (be *Backend) MaskedFill(dst backend.Buffer, shape []int, x backend.Buffer, xStrides []int, mask backend.Buffer, maskStrides []int, value float32) {
	fits32("masked_fill", dst, x, mask)
	s := newStrided("masked_fill", shape, xStrides, maskStrides)
	if s.n == 0 {
		return
	}
	var a args
	a.ptr(be.dev(dst)).ptr(be.dev(x)).ptr(be.dev(mask)).strided(&s).f32(value)
	be.d.launch1(kMaskedFill, be.grid(int(s.n)), threadsElementwise, &a)
}

// AdamW updates p in place from g and the moments m, v.
func (be *Backend) AdamW(p, g, m, v backend.Buffer, lr, b1, b2, eps, wd, bc1, bc2 float32) {
	n := p.Len()
	if n == 0 {
		return
	}
	var a args
	a.ptr(be.dev(p)).ptr(be.dev(g)).ptr(be.dev(m)).ptr(be.dev(v)).f32(lr).f32(b1).f32(b2).f32(eps).f32(wd).f32(bc1).f32(bc2).i32(n)
	be.d.launch1(kAdamW, be.grid(n), threadsElementwise, &a)
}

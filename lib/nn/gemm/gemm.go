package gemm

import (
	"fmt"
	"runtime"
	"sync/atomic"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, op(X) = X or Xᵀ.
// op(A) is m×k, op(B) is k×n, C is m×n; lda/ldb/ldc are row strides of A, B, C as stored
// (A is stored m×k, or k×m when transA; B is stored k×n, or n×k when transB).
//
// beta == 0 overwrites C without reading it (NaN in C does not propagate); alpha == 0 or k == 0
// scales C by beta without reading A or B. C must not overlap A or B. Large products are split
// across the worker pool (SetThreads). Sgemm panics with a message naming the operand on negative sizes, strides smaller
// than a row, or slices too short for the shapes. It is safe for concurrent use.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	p := problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	check("Sgemm", &p, 1, 0, 0, 0)
	if m == 0 || n == 0 {
		return
	}
	run(&p, currentKernel(), int(threads.Load()))
}

// SgemmBatch runs batch independent Sgemm calls; matrix i of A starts at a[i*strideA]
// (strideA 0 = shared by every product), same for B and C. Small products are spread across
// the worker pool one whole product per worker; large ones are each split as in Sgemm. A batch
// that shares B and stacks untransposed A and C without gaps (strideA = m·lda, strideC = m·ldc)
// runs as one product of batch·m rows. With strideC == 0 every product accumulates into the
// same C, in order (beta applies each time); with beta == 1, transposed A and untransposed B
// stacked along the depth (strideA = k·lda, strideB = k·ldb) that is one product of depth batch·k.
func SgemmBatch(batch int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda, strideA int, b []float32, ldb, strideB int, beta float32, c []float32, ldc, strideC int) {
	if batch < 0 {
		panic(fmt.Sprintf("gemm: SgemmBatch: negative batch %d", batch))
	}
	p := problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	check("SgemmBatch", &p, batch, strideA, strideB, strideC)
	if batch == 0 || m == 0 || n == 0 {
		return
	}
	if batch > 1 && strideB == 0 && !transA && strideA == m*lda && strideC == m*ldc && strideC != 0 {
		// A shared B (a Linear layer's weight applied to a batch of sequences) with A and C
		// stacked row after row is one product with batch·m rows: bigger tiles, one split.
		p.m = batch * m
		run(&p, currentKernel(), int(threads.Load()))
		return
	}
	if batch > 1 && strideC == 0 && beta == 1 && transA && !transB && strideA == k*lda && strideB == k*ldb {
		// Products summed into one C (a weight's gradient Xᵀ·dY over a batch) whose operands are
		// stacked along the depth: one product with batch·k depth.
		p.k = batch * k
		run(&p, currentKernel(), int(threads.Load()))
		return
	}
	runBatch(&p, batch, strideA, strideB, strideC, currentKernel(), int(threads.Load()))
}

// threads is the worker count used by Sgemm and SgemmBatch.
var threads atomic.Int64

// maxThreads caps SetThreads (the pool's chunk counter has room for far more chunks).
const maxThreads = 1024

func init() { threads.Store(int64(min(runtime.GOMAXPROCS(0), maxThreads))) }

// SetThreads sets how many goroutines (the caller plus pool workers) a product may use and
// returns the previous value; n <= 0 means runtime.GOMAXPROCS(0), and n is capped at 1024.
// Small products always run on the calling goroutine alone.
func SetThreads(n int) int {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	n = min(n, maxThreads)
	return int(threads.Swap(int64(n)))
}

// Kernel names the micro-kernel chosen at run time for this CPU: "avx512" (AVX-512F/BW/DQ/VL),
// "avx2" (AVX2 with FMA) or "generic" (portable Go).
func Kernel() string { return currentKernel().name }

// problem is one product, with the operands as the caller passed them.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// need returns the number of elements a rows×cols matrix with row stride ld spans.
func need(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

// check panics with a clear message when the sizes, strides or slices cannot hold the problem.
func check(op string, p *problem, batch, strideA, strideB, strideC int) {
	if p.m < 0 || p.n < 0 || p.k < 0 {
		panic(fmt.Sprintf("gemm: %s: negative size m=%d n=%d k=%d", op, p.m, p.n, p.k))
	}
	ar, ac := p.m, p.k // A as stored
	if p.transA {
		ar, ac = p.k, p.m
	}
	br, bc := p.k, p.n
	if p.transB {
		br, bc = p.n, p.k
	}
	operand(op, "A", p.transA, ar, ac, p.lda, len(p.a), batch, strideA)
	operand(op, "B", p.transB, br, bc, p.ldb, len(p.b), batch, strideB)
	operand(op, "C", false, p.m, p.n, p.ldc, len(p.c), batch, strideC)
}

func operand(op, name string, trans bool, rows, cols, ld, length, batch, stride int) {
	t := ""
	if trans {
		t = " (transposed)"
	}
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("gemm: %s: ld%s=%d is less than the %d columns of %s as stored%s (%d×%d)",
			op, lower(name), ld, cols, name, t, rows, cols))
	}
	if stride < 0 {
		panic(fmt.Sprintf("gemm: %s: negative stride%s=%d", op, name, stride))
	}
	n := need(rows, cols, ld)
	if n > 0 && batch > 1 {
		n += (batch - 1) * stride
	}
	if batch == 0 {
		n = 0
	}
	if length < n {
		panic(fmt.Sprintf("gemm: %s: len(%s)=%d is too short for %s as stored%s: %d×%d with ld%s=%d needs %d elements",
			op, lower(name), length, name, t, rows, cols, lower(name), ld, n) + batchNote(batch, stride, name))
	}
}

func batchNote(batch, stride int, name string) string {
	if batch <= 1 {
		return ""
	}
	return fmt.Sprintf(" (batch %d, stride%s %d)", batch, name, stride)
}

func lower(s string) string { return string(rune(s[0]) + 'a' - 'A') }

// Package gemm is notmagic's single-precision matrix multiply (SGEMM), the operation that
// dominates the time of training a network on a CPU.
//
// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major float32 slices, where op(X) is X or
// its transpose; SgemmBatch runs many such products (the heads of an attention layer) at once.
//
// How it is fast: the product is blocked GotoBLAS/BLIS-style, and a micro-kernel keeps a tile of C
// in vector registers while it streams a strip of op(A) and a strip of op(B): 12×32 in AVX-512
// registers, 6×16 with AVX2+FMA, 8×12 with arm64's NEON, or 4×4 in portable Go, chosen at run time
// from the CPU's features (Kernel reports which; NOTMAGIC_KERNELS=generic, avx2, avx512 or neon caps
// it, as it caps every hot kernel of lib/nn). The
// assembly kernels take A's row and depth strides, so A is read in place whether transposed or
// not, and so is an untransposed B; a transposed B is packed into contiguous panels by register
// transposes, and edge strips are packed zero-padded (narrow ones use a half-width kernel).
// Transposed operands are therefore never copied as a whole. Large products are cut into chunks
// of C that a persistent pool of worker goroutines and the caller claim one by one (SetThreads);
// small ones run on the caller, so a call never spawns a goroutine. Pack buffers are kept per
// worker, so steady-state calls allocate nothing.
//
// Accuracy: results match a float64 reference within (k+2)·2⁻²³·(Σ_p|alpha·a_ip·b_pj| + |beta·c_ij|)
// per element, the worst-case bound of a float32 dot product; the summation order (and fused
// multiply-adds) differ between kernels, so bit-for-bit equality across CPUs is not promised.
//
// Bench measures GFLOP/s for the shapes notmagic's GPT uses, for the `notmagic bench matmul`
// command; PERF.md at the repository root records the measurements against PyTorch.
package gemm

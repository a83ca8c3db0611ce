package gpu

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"
)

// cublasNames are the cuBLAS libraries tried in order: the NOTMAGIC_CUBLAS path when set, the
// sonames of CUDA 13, 12 and 11 on the loader's path, then the usual install folders (the CUDA
// toolkit, and the nvidia-cublas wheels that PyTorch brings).
func cublasNames() []string {
	if p := os.Getenv("NOTMAGIC_CUBLAS"); p != "" {
		return []string{p}
	}
	names := append([]string(nil), systemCUBLASNames...)
	for _, pattern := range []string{
		"/usr/local/cuda/lib64/libcublas.so.1[0-9]",
		"/usr/local/cuda-*/lib64/libcublas.so.1[0-9]",
		"/usr/local/cuda/targets/*/lib/libcublas.so.1[0-9]",
		"/usr/lib/*-linux-gnu/libcublas.so.1[0-9]",
		"/usr/local/lib/python3*/dist-packages/nvidia/cublas/lib/libcublas.so.1[0-9]",
		"/usr/local/lib/python3*/site-packages/nvidia/cublas/lib/libcublas.so.1[0-9]",
		"/usr/lib/python3/dist-packages/nvidia/cublas/lib/libcublas.so.1[0-9]",
		"/opt/conda/lib/libcublas.so.1[0-9]",
		"/opt/conda/lib/python3*/site-packages/nvidia/cublas/lib/libcublas.so.1[0-9]",
		os.Getenv("HOME") + "/.local/lib/python3*/site-packages/nvidia/cublas/lib/libcublas.so.1[0-9]",
		os.Getenv("VIRTUAL_ENV") + "/lib/python3*/site-packages/nvidia/cublas/lib/libcublas.so.1[0-9]",
	} {
		m, _ := filepath.Glob(pattern)
		// Newest first: .13 before .12.
		for i := len(m) - 1; i >= 0; i-- {
			names = append(names, m[i])
		}
	}
	return names
}

// cublas holds a cuBLAS handle bound to the device's stream.
type cublas struct {
	path                                    string
	handle                                  uintptr
	create, setStream, setMathMode, sgemmSB uintptr
	gemmExSB                                uintptr // cublasGemmStridedBatchedEx, for bf16 (0 when absent)
	bf16                                    bool    // products through gemmExSB with bf16 tensor cores
	// alpha and beta live on the heap so that their addresses stay valid during calls (host pointer mode).
	scalars *[2]float32
}

// The cuBLAS enum values used here.
const (
	cublasOpN             = 0
	cublasOpT             = 1
	cublasDefaultMath     = 0
	cublasTF32TensorMath  = 3
	cublasStatusSuccess   = 0
	cublasDisableEnvValue = "0"
	// cublasGemmStridedBatchedEx's float32 storage and its compute type that lets cuBLAS round the
	// float32 inputs to bfloat16 for the tensor cores, accumulating in float32.
	cudaR32F                 = 0
	cublasCompute32FFast16BF = 75
	cublasGemmDefault        = -1
	cublasStatusNotSupported = 15
)

// loadCUBLAS opens cuBLAS and creates a handle on the CUDA thread; it runs there.
func loadCUBLAS(stream uintptr, tf32 bool) (*cublas, error) {
	h, path, err := openLibrary("cuBLAS library", cublasNames())
	if err != nil {
		return nil, err
	}
	b := &cublas{path: path, scalars: new([2]float32)}
	for _, s := range []struct {
		name string
		fn   *uintptr
	}{
		{"cublasCreate_v2", &b.create},
		{"cublasSetStream_v2", &b.setStream},
		{"cublasSetMathMode", &b.setMathMode},
		{"cublasSgemmStridedBatched", &b.sgemmSB},
	} {
		p, err := dlsym(h, s.name)
		if err != nil || p == 0 {
			return nil, fmt.Errorf("gpu: %s has no symbol %s: %v", path, s.name, err)
		}
		*s.fn = p
	}
	b.gemmExSB, _ = dlsym(h, "cublasGemmStridedBatchedEx") // optional: only bf16 needs it
	if err := blasCall("cublasCreate_v2", b.create, uintptr(unsafe.Pointer(&b.handle))); err != nil {
		return nil, err
	}
	if err := blasCall("cublasSetStream_v2", b.setStream, b.handle, stream); err != nil {
		return nil, err
	}
	if err := b.setTF32(tf32); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *cublas) setTF32(on bool) error {
	mode := uintptr(cublasDefaultMath)
	if on {
		mode = cublasTF32TensorMath
	}
	return blasCall("cublasSetMathMode", b.setMathMode, b.handle, mode)
}

// blasCall calls a cuBLAS function and turns a non-zero cublasStatus_t into an *Error
// (go:uintptrescapes as for driver.call).
//
//go:uintptrescapes
func blasCall(name string, fn uintptr, args ...uintptr) error {
	r, _, _ := purego.SyscallN(fn, args...)
	if r == cublasStatusSuccess {
		return nil
	}
	return &Error{Func: name, Code: int(r), Name: cublasStatusName(int(r))}
}

func cublasStatusName(s int) string {
	switch s {
	case 1:
		return "CUBLAS_STATUS_NOT_INITIALIZED"
	case 3:
		return "CUBLAS_STATUS_ALLOC_FAILED"
	case 7:
		return "CUBLAS_STATUS_INVALID_VALUE"
	case 8:
		return "CUBLAS_STATUS_ARCH_MISMATCH"
	case 11:
		return "CUBLAS_STATUS_MAPPING_ERROR"
	case 13:
		return "CUBLAS_STATUS_EXECUTION_FAILED"
	case 14:
		return "CUBLAS_STATUS_INTERNAL_ERROR"
	case 15:
		return "CUBLAS_STATUS_NOT_SUPPORTED"
	case 16:
		return "CUBLAS_STATUS_LICENSE_ERROR"
	}
	return ""
}

// colMajorGemm is one cublasSgemmStridedBatched call in cuBLAS's column-major terms.
type colMajorGemm struct {
	opA, opB         int // cublasOpN or cublasOpT
	m, n, k          int
	lda, ldb, ldc    int
	strideA, strideB int
	strideC          int
	swap             bool // cuBLAS's A is lib/nn's B and the other way round
}

// rowMajorToCUBLAS maps lib/nn's row-major product C = op(A)·op(B) (C m×n, contiguous; A m×k or k×m
// when transA; B k×n or n×k when transB; per-matrix strides, 0 for shared) onto column-major cuBLAS.
// A row-major matrix is its transpose in column-major order, so C holds Cᵀ = op(B)ᵀ·op(A)ᵀ: cuBLAS
// multiplies B by A with m and n swapped, keeping each operand's transpose flag and leading dimension.
func rowMajorToCUBLAS(m, n, k int, transA, transB bool, strideA, strideB int) colMajorGemm {
	op := func(t bool) int {
		if t {
			return cublasOpT
		}
		return cublasOpN
	}
	lda, ldb := k, n // row-major leading dimensions
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	return colMajorGemm{
		opA: op(transB), opB: op(transA),
		m: n, n: m, k: k,
		lda: ldb, ldb: lda, ldc: n,
		strideA: strideB, strideB: strideA, strideC: m * n,
		swap: true,
	}
}

// sgemm queues C = alpha·op(A)·op(B) + beta·C through cuBLAS; it runs on the CUDA thread.
func (b *cublas) sgemm(g colMajorGemm, batch int, alpha, beta float32, a, bb, c uintptr) error {
	if g.swap {
		a, bb = bb, a
	}
	b.scalars[0], b.scalars[1] = alpha, beta
	if b.bf16 {
		return blasCall("cublasGemmStridedBatchedEx", b.gemmExSB, b.handle,
			uintptr(g.opA), uintptr(g.opB), uintptr(g.m), uintptr(g.n), uintptr(g.k),
			uintptr(unsafe.Pointer(&b.scalars[0])), a, cudaR32F, uintptr(g.lda), uintptr(int64(g.strideA)),
			bb, cudaR32F, uintptr(g.ldb), uintptr(int64(g.strideB)),
			uintptr(unsafe.Pointer(&b.scalars[1])), c, cudaR32F, uintptr(g.ldc), uintptr(int64(g.strideC)),
			uintptr(batch), cublasCompute32FFast16BF, gemmDefaultAlgo)
	}
	return blasCall("cublasSgemmStridedBatched", b.sgemmSB, b.handle,
		uintptr(g.opA), uintptr(g.opB), uintptr(g.m), uintptr(g.n), uintptr(g.k),
		uintptr(unsafe.Pointer(&b.scalars[0])), a, uintptr(g.lda), uintptr(int64(g.strideA)),
		bb, uintptr(g.ldb), uintptr(int64(g.strideB)),
		uintptr(unsafe.Pointer(&b.scalars[1])), c, uintptr(g.ldc), uintptr(int64(g.strideC)),
		uintptr(batch))
}

// gemmDefaultAlgo is CUBLAS_GEMM_DEFAULT (−1) as the int argument's register holds it.
var gemmDefaultAlgo = uintptr(uint32(0xFFFFFFFF))

// setBF16 turns bf16 products on or off; it fails when cuBLAS did not load or lacks
// cublasGemmStridedBatchedEx.
func (d *device) setBF16(on bool) error {
	if d.blas == nil {
		if !on {
			return nil
		}
		return fmt.Errorf("gpu: bf16 products need cuBLAS, which did not load (%s)", d.info.CUBLASError)
	}
	if on && d.blas.gemmExSB == 0 {
		return fmt.Errorf("gpu: bf16 products need cublasGemmStridedBatchedEx, which %s lacks", d.blas.path)
	}
	return d.sync(func() error {
		d.blas.bf16 = on
		d.info.BF16 = on
		return nil
	})
}

// setupBLAS loads cuBLAS unless NOTMAGIC_CUBLAS=0, with TF32 when NOTMAGIC_TF32=1 and bf16 products
// when NOTMAGIC_BF16=1.
func (d *device) setupBLAS() {
	d.info.TF32 = os.Getenv("NOTMAGIC_TF32") == "1"
	if os.Getenv("NOTMAGIC_CUBLAS") == cublasDisableEnvValue {
		d.info.CUBLASError = "disabled by NOTMAGIC_CUBLAS=0"
		d.info.TF32 = false
		return
	}
	err := d.sync(func() error {
		b, err := loadCUBLAS(d.stream, d.info.TF32)
		if err != nil {
			return err
		}
		d.blas = b
		return nil
	})
	if err != nil {
		d.info.CUBLASError = strings.TrimPrefix(err.Error(), "gpu: ")
		d.info.TF32 = false
		return
	}
	d.useBlas.Store(true)
	d.info.CUBLAS = d.blas.path
	if os.Getenv("NOTMAGIC_BF16") == "1" {
		if err := d.setBF16(true); err != nil {
			d.info.CUBLASError = strings.TrimPrefix(err.Error(), "gpu: ")
		}
	}
}

package gpu

import (
	"fmt"
	"math"
	"unsafe"
)

// maxRank is the most axes a strided kernel handles after coalescing (NM_MAXR in kernels/common.h).
const maxRank = 8

// strided is the kernels' struct Strided: an index space (dims, row-major, n indices) and two stride
// vectors into operands. Its layout must match kernels/common.h: 2 + 3·maxRank int32 = 104 bytes.
type strided struct {
	rank, n int32
	dims    [maxRank]int32
	sa, sb  [maxRank]int32
}

// coalesce simplifies an index space for strided kernels: axes of size 1 are dropped and neighbouring
// axes merge where every stride vector walks them as one (s[a] == s[a+1]·dims[a+1]). The row-major order
// of indices is unchanged. It returns at least one axis (of size 1 for an empty shape).
func coalesce(shape []int, strides ...[]int) ([]int, [][]int) {
	dims := make([]int, 0, len(shape))
	out := make([][]int, len(strides))
	for a, d := range shape {
		if d == 1 {
			continue
		}
		dims = append(dims, d)
		for k, s := range strides {
			out[k] = append(out[k], s[a])
		}
	}
	if len(dims) == 0 {
		dims = append(dims, 1)
		for k := range out {
			out[k] = append(out[k], 0)
		}
	}
	// Merge from the innermost axis outwards.
	for a := len(dims) - 2; a >= 0; a-- {
		ok := true
		for k := range out {
			if out[k][a] != out[k][a+1]*dims[a+1] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		dims[a] *= dims[a+1]
		dims = append(dims[:a+1], dims[a+2:]...)
		for k := range out {
			out[k][a] = out[k][a+1]
			out[k] = append(out[k][:a+1], out[k][a+2:]...)
		}
	}
	return dims, out
}

// newStrided coalesces shape with up to two stride vectors (sb may be nil) and checks that the
// result fits the kernels: at most maxRank axes, and every index and offset within int32.
func newStrided(op string, shape, sa, sb []int) strided {
	if sb == nil {
		sb = make([]int, len(shape))
	}
	if len(sa) != len(shape) || len(sb) != len(shape) {
		panic(fmt.Errorf("gpu: %s: %d strides for %d axes", op, len(sa), len(shape)))
	}
	dims, st := coalesce(shape, sa, sb)
	if len(dims) > maxRank {
		panic(fmt.Errorf("gpu: %s: %d axes that do not merge (shape %v); the CUDA backend handles at most %d", op, len(dims), shape, maxRank))
	}
	var s strided
	s.rank = int32(len(dims))
	n := 1
	var reachA, reachB int
	for i, d := range dims {
		n *= d
		s.dims[i] = int32(d)
		s.sa[i] = int32(st[0][i])
		s.sb[i] = int32(st[1][i])
		reachA += abs(st[0][i]) * (d - 1)
		reachB += abs(st[1][i]) * (d - 1)
	}
	if n > math.MaxInt32 || reachA > math.MaxInt32 || reachB > math.MaxInt32 {
		panic(fmt.Errorf("gpu: %s: shape %v is too large for 32-bit indexing", op, shape))
	}
	s.n = int32(n)
	return s
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Launch configuration.

// threadsElementwise is the block size of one-element-per-thread kernels.
const threadsElementwise = 256

// gridFor returns the number of blocks for n elements at threads per block in a grid-stride kernel,
// capped at maxBlocks (a few waves of the device) and at least 1.
func gridFor(n, threads, maxBlocks int) int {
	g := (n + threads - 1) / threads
	if g > maxBlocks {
		g = maxBlocks
	}
	if g < 1 {
		g = 1
	}
	return g
}

// rowThreads is the block size of one-block-per-row kernels for rows of cols values: cols rounded up
// to a multiple of 32 (a warp), between 32 and 256 threads (longer rows loop).
func rowThreads(cols int) int {
	t := (cols + 31) / 32 * 32
	return min(max(t, 32), 256)
}

// rowGrid is the number of blocks for a one-block-per-row kernel (the kernels loop when rows exceed it).
func rowGrid(rows int) int { return min(max(rows, 1), 1<<20) }

// gemmTile is the C tile per block of the fallback GEMM (BM = BN = 64 in kernels/gemm.cu).
const gemmTile = 64

// maxGridYZ is the largest gridDim.y or gridDim.z CUDA allows.
const maxGridYZ = 65535

// gemmKernel picks the fallback GEMM for an m×n product: 128×128 tiles when both sides fill one,
// else 64×64 tiles; it returns the kernel and its tile size.
func gemmKernel(m, n int) (kernelID, int) {
	if m >= 2*gemmTile && n >= 2*gemmTile {
		return kSgemm128, 2 * gemmTile
	}
	return kSgemm, gemmTile
}

// gemmGrid returns the fallback GEMM's grid for an m×n product of batch matrices in tiles of the given
// size; batch beyond maxGridYZ is launched in several calls by the caller.
func gemmGrid(m, n, batch, tile int) [3]int {
	return [3]int{(n + tile - 1) / tile, (m + tile - 1) / tile, batch}
}

// lnParamChunk is how many rows one block of nm_layernorm_grad_params sums: at least 64, and enough
// that the grid's y dimension stays within CUDA's limit.
func lnParamChunk(rows int) int {
	c := 64
	for (rows+c-1)/c > maxGridYZ {
		c *= 2
	}
	return c
}

// Kernel arguments.

const (
	maxArgs  = 24 // kernel parameters
	maxSlots = 64 // 8-byte words holding their values
)

// args accumulates a kernel's parameters as cuLaunchKernel wants them: each parameter's value in
// 8-byte-aligned words, and where it starts. A struct parameter spans several words.
type args struct {
	vals  [maxSlots]uint64
	off   [maxArgs]uint8
	kinds [maxArgs]string // each parameter's PTX type, checked against the kernels by TestLaunchSignatures
	n     int             // parameters
	used  int             // words
}

func (a *args) word(kind string, v uint64) {
	a.kinds[a.n] = kind
	a.off[a.n] = uint8(a.used)
	a.vals[a.used] = v
	a.n++
	a.used++
}

// ptr adds a device pointer (0 for a null pointer).
func (a *args) ptr(p uintptr) *args { a.word("u64", uint64(p)); return a }

// i32 adds a C int; it panics when v does not fit.
func (a *args) i32(v int) *args {
	if v < math.MinInt32 || v > math.MaxInt32 {
		panic(fmt.Errorf("gpu: kernel argument %d does not fit a 32-bit int", v))
	}
	a.word("u32", uint64(uint32(int32(v))))
	return a
}

// i64 adds a C long long.
func (a *args) i64(v int) *args { a.word("u64", uint64(int64(v))); return a }

// f32 adds a C float.
func (a *args) f32(v float32) *args { a.word("f32", uint64(math.Float32bits(v))); return a }

// flag adds a C int that is 1 or 0.
func (a *args) flag(b bool) *args {
	if b {
		return a.i32(1)
	}
	return a.i32(0)
}

// strided adds a struct Strided by value.
func (a *args) strided(s *strided) *args {
	const words = (int(unsafe.Sizeof(strided{})) + 7) / 8
	a.kinds[a.n] = fmt.Sprintf("b8[%d]", unsafe.Sizeof(strided{}))
	a.off[a.n] = uint8(a.used)
	src := unsafe.Slice((*uint32)(unsafe.Pointer(s)), unsafe.Sizeof(*s)/4)
	for i := 0; i < len(src); i += 2 {
		w := uint64(src[i])
		if i+1 < len(src) {
			w |= uint64(src[i+1]) << 32
		}
		a.vals[a.used+i/2] = w
	}
	a.n++
	a.used += words
	return a
}

package gpu

import (
	"fmt"
	"os"
	"sync/atomic"

	"github.com/notmagic/notmagic/lib/nn/backend"
)

// flashCalls counts FlashAttention launches (the tests check that lib/nn takes the path).
var flashCalls atomic.Int64

// flashOn says whether lib/nn may use FlashAttention (SetFlashAttention, NOTMAGIC_FLASH_ATTENTION=1).
var flashOn atomic.Bool

func init() { flashOn.Store(os.Getenv("NOTMAGIC_FLASH_ATTENTION") == "1") }

// SetFlashAttention lets lib/nn run causal attention through the backend's FlashAttention kernels
// (kernels/attention.cu), which never store the T×T attention weights, or not (the default, and the
// path measured on an H200: cuBLAS products around the fused causal softmax). It is off until the
// kernels' speed has been measured on a GPU; their results are checked against the CPU either way.
// NOTMAGIC_FLASH_ATTENTION=1 turns it on at start.
func SetFlashAttention(on bool) { flashOn.Store(on) }

// FlashAttentionOn reports whether SetFlashAttention (or NOTMAGIC_FLASH_ATTENTION=1) switched the
// FlashAttention kernels on.
func FlashAttentionOn() bool { return flashOn.Load() }

// flashMaxD is the widest head the FlashAttention kernels take (they hold a row per thread in
// registers, instantiated for D ≤ 32 and D ≤ 64).
const flashMaxD = 64

// FlashAttentionFits implements backend.FlashAttention: whether the kernels take these sizes (heads of
// at most 64 values, B·H within a grid dimension) and are switched on.
func (be *Backend) FlashAttentionFits(B, T, H, D int) bool {
	return flashOn.Load() && B > 0 && T > 0 && H > 0 && D > 0 && D <= flashMaxD && B*H <= maxGridYZ
}

// FlashAttention implements backend.FlashAttention: y and lse from qkv in one kernel (kernels/attention.cu).
func (be *Backend) FlashAttention(y, lse, qkv backend.Buffer, B, T, H, D int, scale, p float32, seed uint64) {
	checkFlash("FlashAttention", B, T, H, D, p)
	checkLen("FlashAttention", "y", y, B*T*H*D)
	checkLen("FlashAttention", "lse", lse, B*H*T)
	checkLen("FlashAttention", "qkv", qkv, 3*B*T*H*D)
	flashCalls.Add(1)
	k := kFlashFwd64
	if D <= 32 {
		k = kFlashFwd32
	}
	var a args
	a.ptr(be.dev(y)).ptr(be.dev(lse)).ptr(be.dev(qkv)).i32(B).i32(T).i32(H).i32(D).f32(scale).f32(p).i64(int(seed))
	be.d.launch(k, flashGrid(B, T, H), [3]int{flashRows, 1, 1}, &a)
}

// FlashAttentionGrad implements backend.FlashAttention: it writes dqkv in four kernels (Σ dy·y per
// row, then the q, k and v parts), recomputing each weight from q, k and lse.
func (be *Backend) FlashAttentionGrad(dqkv, dy, y, lse, qkv backend.Buffer, B, T, H, D int, scale, p float32, seed uint64) {
	checkFlash("FlashAttentionGrad", B, T, H, D, p)
	checkLen("FlashAttentionGrad", "dqkv", dqkv, 3*B*T*H*D)
	checkLen("FlashAttentionGrad", "dy", dy, B*T*H*D)
	checkLen("FlashAttentionGrad", "y", y, B*T*H*D)
	checkLen("FlashAttentionGrad", "lse", lse, B*H*T)
	checkLen("FlashAttentionGrad", "qkv", qkv, 3*B*T*H*D)
	dsum, done := be.scratch(B * H * T)
	defer done()
	var a args
	a.ptr(dsum).ptr(be.dev(dy)).ptr(be.dev(y)).i32(B).i32(T).i32(H).i32(D)
	be.d.launch1(kFlashDsum, be.grid(B*H*T), threadsElementwise, &a)
	ks := [3]kernelID{kFlashDQ64, kFlashDK64, kFlashDV64}
	if D <= 32 {
		ks = [3]kernelID{kFlashDQ32, kFlashDK32, kFlashDV32}
	}
	for _, k := range ks {
		var a args
		a.ptr(be.dev(dqkv)).ptr(be.dev(dy)).ptr(be.dev(lse)).ptr(dsum).ptr(be.dev(qkv)).
			i32(B).i32(T).i32(H).i32(D).f32(scale).f32(p).i64(int(seed))
		be.d.launch(k, flashGrid(B, T, H), [3]int{flashRows, 1, 1}, &a)
	}
}

// flashRows is the threads (rows) per block of the FlashAttention kernels (FA_ROWS in attention.cu).
const flashRows = 64

func flashGrid(B, T, H int) [3]int { return [3]int{(T + flashRows - 1) / flashRows, B * H, 1} }

func checkFlash(op string, B, T, H, D int, p float32) {
	if p < 0 || p >= 1 {
		panic(fmt.Errorf("gpu: %s: dropout probability %v must be in [0, 1)", op, p))
	}
	if B <= 0 || T <= 0 || H <= 0 || D <= 0 || D > flashMaxD || B*H > maxGridYZ {
		panic(fmt.Errorf("gpu: %s: sizes B=%d T=%d H=%d D=%d out of range (D ≤ %d, B·H ≤ %d)", op, B, T, H, D, flashMaxD, maxGridYZ))
	}
}

func checkLen(op, name string, b backend.Buffer, n int) {
	if b.Len() != n {
		panic(fmt.Errorf("gpu: %s: %s holds %d values, want %d", op, name, b.Len(), n))
	}
}

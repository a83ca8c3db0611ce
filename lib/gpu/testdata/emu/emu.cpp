// emu.cpp: a CPU emulation of the slice of the CUDA driver API (and of cuBLAS) that lib/gpu uses,
// running the kernels' CUDA C sources (lib/gpu/kernels/*.cu) on the host. Built as a shared library
// by TestEmulatedDevice and loaded in place of libcuda.so.1 (NOTMAGIC_LIBCUDA) and libcublas
// (NOTMAGIC_CUBLAS), it lets the whole Go backend — symbol binding, CUDA thread, allocator, argument
// packing, launch geometry, copies — and the kernels' logic run and be compared with the CPU backend on
// a machine without a GPU. It is a test of logic, not of the GPU: the PTX and the real driver are only
// exercised on real hardware.
//
// Execution model: a launch runs its blocks one after another; the threads of a block are cooperative
// fibers switched at __syncthreads and warp shuffles, which are barriers here. __shared__
// variables are function statics, valid because blocks never run concurrently. Device memory is host
// memory; fresh allocations are filled with NaN so that reading memory never written shows up.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <csetjmp>
#include <setjmp.h>
#include <ucontext.h>
#include <utility>
#include <type_traits>

// ---- the CUDA C surface the kernels use ----
struct emu_dim3 {
	unsigned x, y, z;
};
static emu_dim3 threadIdx, blockIdx, blockDim, gridDim; // threadIdx is switched with the running fiber

#define __global__
#define __device__
#define __shared__ static
#define __forceinline__ inline

static inline float __int_as_float(int i) {
	float f;
	std::memcpy(&f, &i, 4);
	return f;
}
static inline int __float_as_int(float f) {
	int i;
	std::memcpy(&i, &f, 4);
	return i;
}

struct Barrier {
	int n = 0, arrived = 0;
	unsigned gen = 0;
};

// A fiber per thread of a block, kept for the whole run: started once with makecontext/setcontext,
// switched with _setjmp/_longjmp (no signal-mask system call per switch).
struct Fiber {
	jmp_buf jb;
	ucontext_t ctx;
	bool started = false, done = false;
	emu_dim3 tid;
	char *stack = nullptr;
};

static const int max_threads = 1024;
static Fiber pool[max_threads];
static jmp_buf sched_jb;
static int current = -1;
static Barrier block_barrier;
static Barrier warp_barriers[max_threads / 32];
static float xchg[max_threads];

static void yield_to_scheduler() {
	if (!_setjmp(pool[current].jb)) _longjmp(sched_jb, 1);
}

static void wait(Barrier &b) {
	unsigned g = b.gen;
	if (++b.arrived == b.n) {
		b.arrived = 0;
		b.gen++;
		return;
	}
	while (b.gen == g) yield_to_scheduler();
}

static inline unsigned flat_tid() { return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z); }

static inline void __syncthreads() { wait(block_barrier); }

static inline float __shfl_xor_sync(unsigned, float v, int lane) {
	unsigned t = flat_tid();
	Barrier &w = warp_barriers[t / 32];
	xchg[t] = v;
	wait(w);
	float r = xchg[(t & ~31u) | ((t & 31u) ^ (unsigned)lane)];
	wait(w);
	return r;
}

static inline float atomicAdd(float *p, float v) { // fibers never run at once: a plain add is atomic
	float o = *p;
	*p = o + v;
	return o;
}

#include "../../kernels/elementwise.cu"
#include "../../kernels/reduce.cu"
#include "../../kernels/nn.cu"
#include "../../kernels/gemm.cu"
#include "../../kernels/attention.cu"

// ---- launching ----
template <typename... A, size_t... I>
static void invoke_with(void (*f)(A...), void **p, std::index_sequence<I...>) {
	f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>> *>(p[I])...);
}
template <typename... A>
static void invoke(void (*f)(A...), void **p) {
	invoke_with(f, p, std::index_sequence_for<A...>{});
}

struct Kernel {
	const char *name;
	void (*call)(void **);
};
#define K(fn) {#fn, [](void **p) { invoke(fn, p); }}
static const Kernel kernels[] = {
	K(nm_axpy), K(nm_unary), K(nm_unary_grad), K(nm_binary_c), K(nm_binary_s), K(nm_gather), K(nm_scatter),
	K(nm_masked_fill), K(nm_adamw), K(nm_reduce_rows), K(nm_reduce_cols), K(nm_softmax), K(nm_softmax_grad),
	K(nm_ce_rows), K(nm_ce_mean), K(nm_ce_grad), K(nm_layernorm), K(nm_layernorm_grad_x),
	K(nm_layernorm_grad_params), K(nm_embedding), K(nm_embedding_grad), K(nm_sgemm), K(nm_sgemm_128), K(nm_dropout_mask),
	K(nm_causal_softmax), K(nm_causal_softmax_grad), K(nm_flash_fwd32), K(nm_flash_fwd64), K(nm_flash_dsum),
	K(nm_flash_dq32), K(nm_flash_dq64), K(nm_flash_dk32), K(nm_flash_dk64), K(nm_flash_dv32), K(nm_flash_dv64),
};
static const int nkernels = sizeof(kernels) / sizeof(kernels[0]);

static const Kernel *launching;
static void **launch_params;

static void fiber_main() {
	for (;;) {
		launching->call(launch_params);
		pool[current].done = true;
		yield_to_scheduler();
	}
}

// resume runs fiber t until it yields (at a barrier) or finishes the block.
static void resume(unsigned t) {
	Fiber &f = pool[t];
	current = (int)t;
	threadIdx = f.tid;
	if (_setjmp(sched_jb)) return;
	if (!f.started) {
		f.started = true;
		f.stack = (char *)std::malloc(256 << 10);
		getcontext(&f.ctx);
		f.ctx.uc_stack.ss_sp = f.stack;
		f.ctx.uc_stack.ss_size = 256 << 10;
		f.ctx.uc_link = nullptr;
		makecontext(&f.ctx, fiber_main, 0);
		setcontext(&f.ctx);
	}
	_longjmp(f.jb, 1);
}

static int run(const Kernel &k, emu_dim3 g, emu_dim3 b, void **params) {
	unsigned nt = b.x * b.y * b.z;
	if (nt == 0 || nt > max_threads || g.x == 0 || g.y == 0 || g.z == 0 || g.y > 65535 || g.z > 65535) return 1; // CUDA_ERROR_INVALID_VALUE
	blockDim = b;
	gridDim = g;
	launching = &k;
	launch_params = params;
	block_barrier = Barrier{(int)nt};
	for (unsigned w = 0; w < (nt + 31) / 32; w++) warp_barriers[w] = Barrier{(int)std::min(32u, nt - 32 * w)};
	for (unsigned t = 0; t < nt; t++) pool[t].tid = {t % b.x, (t / b.x) % b.y, t / (b.x * b.y)};
	for (unsigned z = 0; z < g.z; z++)
		for (unsigned y = 0; y < g.y; y++)
			for (unsigned x = 0; x < g.x; x++) {
				blockIdx = {x, y, z};
				for (unsigned t = 0; t < nt; t++) pool[t].done = false;
				long rounds = 0;
				for (bool live = true; live; rounds++) {
					if (rounds > (1L << 24)) { // threads that never meet at a barrier: a kernel bug
						for (unsigned t = 0; t < nt; t++) pool[t].started = false;
						std::fprintf(stderr, "emu: %s deadlocked in block (%u,%u,%u)\n", k.name, x, y, z);
						return 719; // CUDA_ERROR_LAUNCH_FAILED
					}
					live = false;
					for (unsigned t = 0; t < nt; t++) {
						if (pool[t].done) continue;
						resume(t);
						live = live || !pool[t].done;
					}
				}
			}
	current = -1;
	return 0;
}

// ---- the driver API ----
extern "C" {
typedef int CUresult;
static const char *names[] = {"CUDA_SUCCESS", "CUDA_ERROR_INVALID_VALUE", "CUDA_ERROR_OUT_OF_MEMORY"};

CUresult cuInit(unsigned) { return 0; }
CUresult cuDriverGetVersion(int *v) { *v = 12080; return 0; }
CUresult cuDeviceGetCount(int *n) { *n = 1; return 0; }
CUresult cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal == 0 ? 0 : 101; }
CUresult cuDeviceGetName(char *name, int len, int) { std::snprintf(name, len, "notmagic CUDA emulator"); return 0; }
CUresult cuDeviceGetAttribute(int *v, int attr, int) {
	*v = attr == 16 ? 2 : attr == 75 ? 8 : attr == 76 ? 0 : 0;
	return 0;
}
CUresult cuDeviceTotalMem_v2(size_t *b, int) { *b = (size_t)4 << 30; return 0; }
CUresult cuDevicePrimaryCtxRetain(void **ctx, int) { *ctx = (void *)1; return 0; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return 0; }
CUresult cuCtxSetCurrent(void *) { return 0; }
CUresult cuCtxSynchronize() { return 0; }
CUresult cuMemAlloc_v2(uintptr_t *p, size_t n) {
	float *m = (float *)std::malloc(n);
	if (!m) return 2;
	for (size_t i = 0; i < n / 4; i++) m[i] = __int_as_float(0x7fc00000); // NaN: unwritten memory shows
	*p = (uintptr_t)m;
	return 0;
}
CUresult cuMemFree_v2(uintptr_t p) { std::free((void *)p); return 0; }
CUresult cuMemGetInfo_v2(size_t *free, size_t *total) { *free = *total = (size_t)4 << 30; return 0; }
CUresult cuMemcpyHtoD_v2(uintptr_t d, const void *s, size_t n) { std::memcpy((void *)d, s, n); return 0; }
CUresult cuMemcpyDtoH_v2(void *d, uintptr_t s, size_t n) { std::memcpy(d, (void *)s, n); return 0; }
CUresult cuMemcpyHtoDAsync_v2(uintptr_t d, const void *s, size_t n, void *) { return cuMemcpyHtoD_v2(d, s, n); }
CUresult cuMemcpyDtoHAsync_v2(void *d, uintptr_t s, size_t n, void *) { return cuMemcpyDtoH_v2(d, s, n); }
CUresult cuMemsetD32_v2(uintptr_t d, unsigned v, size_t n) {
	for (size_t i = 0; i < n; i++) ((unsigned *)d)[i] = v;
	return 0;
}
CUresult cuMemsetD32Async(uintptr_t d, unsigned v, size_t n, void *) { return cuMemsetD32_v2(d, v, n); }
CUresult cuModuleLoadData(void **m, const void *image) {
	if (!std::strstr((const char *)image, ".entry")) return 1;
	*m = (void *)1;
	return 0;
}
CUresult cuModuleLoadDataEx(void **m, const void *image, unsigned, void *, void **) { return cuModuleLoadData(m, image); }
CUresult cuModuleGetFunction(const Kernel **f, void *, const char *name) {
	for (int i = 0; i < nkernels; i++)
		if (!std::strcmp(kernels[i].name, name)) {
			*f = &kernels[i];
			return 0;
		}
	return 500; // CUDA_ERROR_NOT_FOUND
}
CUresult cuLaunchKernel(const Kernel *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void *, void **params, void **extra) {
	if (shared != 0 || extra != nullptr) return 1;
	return run(*f, {gx, gy, gz}, {bx, by, bz}, params);
}
CUresult cuStreamCreate(void **s, unsigned) { *s = (void *)1; return 0; }
CUresult cuStreamSynchronize(void *) { return 0; }
CUresult cuGetErrorName(CUresult e, const char **s) {
	*s = e >= 0 && e < 3 ? names[e] : "CUDA_ERROR_EMULATED";
	return 0;
}
CUresult cuGetErrorString(CUresult, const char **s) { *s = "emulator error"; return 0; }

// ---- cuBLAS: column-major C = alpha·op(A)·op(B) + beta·C, strided-batched ----
int cublasCreate_v2(void **h) { *h = (void *)1; return 0; }
int cublasSetStream_v2(void *, void *) { return 0; }
// TF32 (math mode 3) is emulated by rounding each input to TF32's 10 mantissa bits, as the tensor cores do.
static int math_mode;
int cublasSetMathMode(void *, int mode) {
	if (mode != 0 && mode != 3) return 7;
	math_mode = mode;
	return 0;
}
static float tf32(float v) {
	if (math_mode != 3) return v;
	unsigned u;
	memcpy(&u, &v, 4);
	u = (u + 0x1000u) & ~0x1fffu; // round to nearest, keep 10 of 23 mantissa bits
	memcpy(&v, &u, 4);
	return v;
}
// bf16 (CUBLAS_COMPUTE_32F_FAST_16BF in cublasGemmStridedBatchedEx) rounds each input to bfloat16's
// 7 mantissa bits, to nearest even.
static int round_bf16;
static float bf16(float v) {
	unsigned u;
	memcpy(&u, &v, 4);
	u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
	memcpy(&v, &u, 4);
	return v;
}
static float round_in(float v) { return round_bf16 ? bf16(v) : tf32(v); }
int cublasSgemmStridedBatched(void *, int ta, int tb, int m, int n, int k, const float *alpha, const float *A, int lda,
                              long long sA, const float *B, int ldb, long long sB, const float *beta, float *C, int ldc,
                              long long sC, int batch) {
	for (int p = 0; p < batch; p++)
		for (int j = 0; j < n; j++)
			for (int i = 0; i < m; i++) {
				double s = 0;
				for (int l = 0; l < k; l++) {
					float a = ta ? A[p * sA + l + (long long)i * lda] : A[p * sA + i + (long long)l * lda];
					float b = tb ? B[p * sB + j + (long long)l * ldb] : B[p * sB + l + (long long)j * ldb];
					s += (double)round_in(a) * round_in(b);
				}
				float *c = &C[p * sC + i + (long long)j * ldc];
				*c = *beta == 0 ? *alpha * (float)s : *alpha * (float)s + *beta * *c;
			}
	return 0;
}
// Float32 storage only (CUDA_R_32F = 0), with the compute types lib/gpu asks for: 32F (68), and
// 32F_FAST_16BF (75), which rounds the inputs to bfloat16.
int cublasGemmStridedBatchedEx(void *h, int ta, int tb, int m, int n, int k, const float *alpha, const float *A, int at,
                               int lda, long long sA, const float *B, int bt, int ldb, long long sB, const float *beta,
                               float *C, int ct, int ldc, long long sC, int batch, int compute, int algo) {
	if (at != 0 || bt != 0 || ct != 0 || (compute != 68 && compute != 75) || algo != -1) return 15; // NOT_SUPPORTED
	round_bf16 = compute == 75;
	int r = cublasSgemmStridedBatched(h, ta, tb, m, n, k, alpha, A, lda, sA, B, ldb, sB, beta, C, ldc, sC, batch);
	round_bf16 = 0;
	return r;
}
}

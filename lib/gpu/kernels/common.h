// common.h: device helpers shared by the kernels: float32 math written out from first principles
// (the PTX is built with -nocudalib, so there is no libdevice: nothing may call an external function),
// NaN-propagating max, warp and block reductions, and the strided-index descriptor of the Go side.
#ifndef NOTMAGIC_COMMON_H
#define NOTMAGIC_COMMON_H

#define NM_INF __int_as_float(0x7f800000)
#define NM_NAN __int_as_float(0x7fc00000)
#define NM_LN2_HI 0.693145751953125f
#define NM_LN2_LO 1.428606765330187e-06f

// nm_max is Go's max: NaN if either operand is NaN.
static __device__ __forceinline__ float nm_max(float a, float b) {
	if (a != a || b != b) return NM_NAN;
	return a > b ? a : b;
}

// nm_exp is eˣ to about 1 ulp: x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial for eʳ,
// and 2ⁿ applied in two halves so that results near the overflow and denormal ends stay exact.
static __device__ __forceinline__ float nm_exp(float x) {
	if (x != x) return x;
	if (x > 88.72283935546875f) return NM_INF;
	if (x < -103.972084045410156f) return 0.0f;
	float n = __builtin_rintf(x * 1.44269504088896341f);
	float r = __builtin_fmaf(n, -NM_LN2_HI, x);
	r = __builtin_fmaf(n, -NM_LN2_LO, r);
	float p = 1.0f / 5040.0f;
	p = __builtin_fmaf(p, r, 1.0f / 720.0f);
	p = __builtin_fmaf(p, r, 1.0f / 120.0f);
	p = __builtin_fmaf(p, r, 1.0f / 24.0f);
	p = __builtin_fmaf(p, r, 1.0f / 6.0f);
	p = __builtin_fmaf(p, r, 0.5f);
	p = __builtin_fmaf(p, r, 1.0f);
	p = __builtin_fmaf(p, r, 1.0f);
	int ni = (int)n;
	int a = ni / 2, b = ni - a;
	return p * __int_as_float((a + 127) << 23) * __int_as_float((b + 127) << 23);
}

// nm_expm1 is eˣ − 1, accurate for small x (Taylor series up to x⁸/8! on |x| < ln2/2).
static __device__ __forceinline__ float nm_expm1(float x) {
	if (__builtin_fabsf(x) < 0.3465735903f) {
		float p = 1.0f / 40320.0f;
		p = __builtin_fmaf(p, x, 1.0f / 5040.0f);
		p = __builtin_fmaf(p, x, 1.0f / 720.0f);
		p = __builtin_fmaf(p, x, 1.0f / 120.0f);
		p = __builtin_fmaf(p, x, 1.0f / 24.0f);
		p = __builtin_fmaf(p, x, 1.0f / 6.0f);
		p = __builtin_fmaf(p, x, 0.5f);
		return __builtin_fmaf(p * x, x, x);
	}
	return nm_exp(x) - 1.0f;
}

// nm_log is ln x: x = m·2ᵉ with m in [√½, √2), ln m = 2·atanh(s) with s = (m−1)/(m+1), |s| ≤ 0.1716,
// summed to s⁹ (truncation below 1e-9).
static __device__ __forceinline__ float nm_log(float x) {
	if (x != x) return x;
	if (x < 0.0f) return NM_NAN;
	if (x == 0.0f) return -NM_INF;
	if (x == NM_INF) return x;
	int e = 0;
	if (x < 1.17549435e-38f) { // denormal: scale into the normal range
		x *= 8388608.0f;
		e = -23;
	}
	int bits = __float_as_int(x);
	e += ((bits >> 23) & 0xff) - 127;
	float m = __int_as_float((bits & 0x007fffff) | 0x3f800000);
	if (m > 1.41421356f) {
		m *= 0.5f;
		e += 1;
	}
	float s = (m - 1.0f) / (m + 1.0f);
	float s2 = s * s;
	float p = 1.0f / 9.0f;
	p = __builtin_fmaf(p, s2, 1.0f / 7.0f);
	p = __builtin_fmaf(p, s2, 1.0f / 5.0f);
	p = __builtin_fmaf(p, s2, 1.0f / 3.0f);
	float lm = __builtin_fmaf(2.0f * s, p * s2, 2.0f * s);
	float fe = (float)e;
	return __builtin_fmaf(fe, NM_LN2_HI, __builtin_fmaf(fe, NM_LN2_LO, lm));
}

static __device__ __forceinline__ float nm_tanh(float x) {
	float ax = __builtin_fabsf(x);
	if (ax != ax) return x;
	if (ax > 20.0f) return x > 0 ? 1.0f : -1.0f;
	float e = nm_expm1(2.0f * ax);
	float t = e / (e + 2.0f);
	return x < 0 ? -t : t;
}

static __device__ __forceinline__ float nm_sigmoid(float x) { return 1.0f / (1.0f + nm_exp(-x)); }

// nm_erfc is the complementary error function with a fractional error below 1.2e-7 (the Chebyshev
// fit of erfc(z)·exp(z²) in t = 1/(1 + z/2) from Numerical Recipes, §6.2).
static __device__ __forceinline__ float nm_erfc(float u) {
	float z = __builtin_fabsf(u);
	float t = 1.0f / (1.0f + 0.5f * z);
	float p = 0.17087277f;
	p = __builtin_fmaf(p, t, -0.82215223f);
	p = __builtin_fmaf(p, t, 1.48851587f);
	p = __builtin_fmaf(p, t, -1.13520398f);
	p = __builtin_fmaf(p, t, 0.27886807f);
	p = __builtin_fmaf(p, t, -0.18628806f);
	p = __builtin_fmaf(p, t, 0.09678418f);
	p = __builtin_fmaf(p, t, 0.37409196f);
	p = __builtin_fmaf(p, t, 1.00002368f);
	p = __builtin_fmaf(p, t, -1.26551223f);
	float r = t * nm_exp(-z * z + p);
	return u >= 0.0f ? r : 2.0f - r;
}

// nm_phi is the standard normal CDF Φ(x) = erfc(−x/√2)/2.
static __device__ __forceinline__ float nm_phi(float x) { return 0.5f * nm_erfc(-x * 0.70710678118654752f); }

static __device__ __forceinline__ float nm_gelu(float x) { return x * nm_phi(x); }

static __device__ __forceinline__ float nm_gelu_grad(float x) {
	return nm_phi(x) + x * 0.39894228040143268f * nm_exp(-0.5f * x * x);
}

// nm_pow is xᵖ with Go's math.Pow cases that matter here: integer powers of negative bases keep their
// sign, 0ᵖ is 0, 1 or +Inf, and a negative base with a fractional power is NaN.
static __device__ __forceinline__ float nm_pow(float x, float p) {
	if (p == 0.0f) return 1.0f;
	if (p == 1.0f) return x;
	if (p == 2.0f) return x * x;
	if (p == 0.5f && x >= 0.0f) return __builtin_sqrtf(x);
	if (x != x || p != p) return NM_NAN;
	bool integer = __builtin_rintf(p) == p;
	bool odd = integer && __builtin_rintf(0.5f * p) != 0.5f * p;
	if (x == 0.0f) {
		if (p > 0.0f) return odd ? x : 0.0f;
		return (odd && __float_as_int(x) < 0) ? -NM_INF : NM_INF;
	}
	if (x < 0.0f && !integer) return NM_NAN;
	float r = nm_exp(p * nm_log(__builtin_fabsf(x)));
	if (x < 0.0f && odd) r = -r;
	return r;
}

#ifndef NM_MATH_ONLY // the host math test (lib/gpu/testdata/mathcheck.cpp) stops here

// Warp and block reductions. Block reductions need blockDim.x a multiple of 32 (at most 1024)
// and a __shared__ float[32] scratch; every thread gets the result.
static __device__ __forceinline__ float warp_sum(float v) {
	for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

static __device__ __forceinline__ float warp_max(float v) {
	for (int o = 16; o > 0; o >>= 1) v = nm_max(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

static __device__ __forceinline__ float block_sum(float v, float *sh) {
	v = warp_sum(v);
	int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
	__syncthreads();
	if (lane == 0) sh[w] = v;
	__syncthreads();
	if (w == 0) {
		v = lane < nw ? sh[lane] : 0.0f;
		v = warp_sum(v);
		if (lane == 0) sh[0] = v;
	}
	__syncthreads();
	return sh[0];
}

static __device__ __forceinline__ float block_max(float v, float *sh) {
	v = warp_max(v);
	int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
	__syncthreads();
	if (lane == 0) sh[w] = v;
	__syncthreads();
	if (w == 0) {
		v = lane < nw ? sh[lane] : -NM_INF;
		v = warp_max(v);
		if (lane == 0) sh[0] = v;
	}
	__syncthreads();
	return sh[0];
}

// Strided describes an index space of rank ≤ NM_MAXR (dims) and two stride vectors into operands
// (sa, sb; counted in elements); n is the number of indices. It must match gpu.strided in Go.
#define NM_MAXR 8
struct Strided {
	int rank;
	int n;
	int dims[NM_MAXR];
	int sa[NM_MAXR];
	int sb[NM_MAXR];
};

// offsets computes the two operand offsets of linear index i (row-major over dims).
static __device__ __forceinline__ void offsets(const Strided &s, int i, int *ja, int *jb) {
	int a = 0, b = 0;
#pragma unroll
	for (int k = NM_MAXR - 1; k >= 0; k--) {
		if (k < s.rank) {
			int d = s.dims[k];
			int q = i / d;
			int idx = i - q * d;
			i = q;
			a += idx * s.sa[k];
			b += idx * s.sb[k];
		}
	}
	*ja = a;
	*jb = b;
}

// nm_dropout_u is the dropout draw of element i for seed, uniform in [0, 1): a counter-based hash
// (splitmix64) of seed and i, so the same seed gives the same mask on any GPU and in the Go reference
// (gpu.dropoutMaskHost). An element is kept when nm_dropout_u(seed, i) >= p.
static __device__ __forceinline__ float nm_dropout_u(unsigned long long seed, long long i) {
	unsigned long long z = seed + (unsigned long long)(i + 1) * 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (float)(unsigned)(z >> 40) * (1.0f / 16777216.0f);
}

#define GRID_STRIDE(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

#endif // NM_MATH_ONLY
#endif

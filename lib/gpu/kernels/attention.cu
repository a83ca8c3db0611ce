// attention.cu: causal multi-head attention in the manner of FlashAttention (Dao et al., 2022): the
// T×T attention weights are never stored. The forward pass walks the keys in tiles, keeping for each
// query row a running maximum m, a running denominator l and the unnormalised output (rescaled when
// the maximum grows); it saves lse = m + log l per row. The backward pass recomputes each weight as exp(scale·q·k − lse).
//
// qkv is [B, T, 3·C] with C = H·D: each row holds q, then k, then v, each H heads of D values. y and dy
// are [B, T, C]; lse and dsum are [B, H, T]. Dropout on the weights uses the draw of the weight's index
// in the [B, H, T, T] weights, ((b·H + h)·T + i)·T + j, as nm_causal_softmax does, so both paths drop
// the same weights for a seed.
//
// One thread owns one row (a query row in the forward and dq kernels, a key row in the dk and dv
// kernels), with its vectors in registers: the kernels are instantiated for D ≤ 32 and D ≤ 64 (DM), the
// rows padded with zeros. The other side's rows come through shared memory in tiles of FA_TILE.
#include "common.h"

#define FA_ROWS 64 // rows (threads) per block
#define FA_TILE 32 // rows of the other side per shared-memory tile

// fa_row points at element 0 of head h of part (0 q, 1 k, 2 v) of row t of batch b in qkv.
static __device__ __forceinline__ const float *fa_row(const float *qkv, int b, int t, int part, int h, int T, int C, int D) {
	return qkv + ((long long)b * T + t) * 3 * C + part * C + h * D;
}

// fa_load copies rows r0 … r0+FA_TILE−1 of part (of qkv, or of a [B, T, C] tensor when part < 0) into
// sh[FA_TILE][DM], zero beyond T and D.
template <int DM>
static __device__ __forceinline__ void fa_load(float *sh, const float *src, int part, int b, int h, int r0, int T, int C, int D, float mul) {
	for (int e = threadIdx.x; e < FA_TILE * DM; e += blockDim.x) {
		int r = r0 + e / DM, d = e % DM;
		float v = 0.0f;
		if (r < T && d < D) {
			const float *p = part >= 0 ? fa_row(src, b, r, part, h, T, C, D) : src + ((long long)b * T + r) * C + h * D;
			v = p[d] * mul;
		}
		sh[e] = v;
	}
}

template <int DM>
static __device__ __forceinline__ float fa_dot(const float *a, const float *sh) {
	float s = 0.0f;
#pragma unroll
	for (int d = 0; d < DM; d++) s += a[d] * sh[d];
	return s;
}

// The forward pass: grid (⌈T/FA_ROWS⌉, B·H), FA_ROWS threads, thread i a query row.
template <int DM>
static __device__ __forceinline__ void fa_forward(float *y, float *lse, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	__shared__ float ks[FA_TILE * DM], vs[FA_TILE * DM];
	int bh = blockIdx.y, b = bh / H, h = bh % H, C = H * D;
	int i0 = blockIdx.x * FA_ROWS, i = i0 + threadIdx.x;
	bool active = i < T;
	float q[DM], o[DM];
	const float *qr = fa_row(qkv, b, active ? i : 0, 0, h, T, C, D);
#pragma unroll
	for (int d = 0; d < DM; d++) {
		q[d] = active && d < D ? qr[d] * scale : 0.0f;
		o[d] = 0.0f;
	}
	float m = -NM_INF, l = 0.0f, keep = 1.0f / (1.0f - p);
	long long widx = ((long long)bh * T + i) * T;
	int jend = T < i0 + FA_ROWS ? T : i0 + FA_ROWS;
	for (int j0 = 0; j0 < jend; j0 += FA_TILE) {
		__syncthreads();
		fa_load<DM>(ks, qkv, 1, b, h, j0, T, C, D, 1.0f);
		fa_load<DM>(vs, qkv, 2, b, h, j0, T, C, D, 1.0f);
		__syncthreads();
		if (!active || j0 > i) continue;
		for (int jj = 0; jj < FA_TILE && j0 + jj <= i; jj++) {
			float s = fa_dot<DM>(q, ks + jj * DM);
			if (s > m) { // a new maximum: rescale what was summed so far (to 0 at the first key)
				float corr = nm_exp(m - s);
				l *= corr;
#pragma unroll
				for (int d = 0; d < DM; d++) o[d] *= corr;
				m = s;
			}
			float w = nm_exp(s - m);
			l += w;
			if (p > 0.0f) w = nm_dropout_u(seed, widx + j0 + jj) >= p ? w * keep : 0.0f;
#pragma unroll
			for (int d = 0; d < DM; d++) o[d] += w * vs[jj * DM + d];
		}
	}
	if (!active) return;
	float inv = 1.0f / l;
	float *yr = y + ((long long)b * T + i) * C + h * D;
#pragma unroll
	for (int d = 0; d < DM; d++)
		if (d < D) yr[d] = o[d] * inv;
	lse[(long long)bh * T + i] = m + nm_log(l);
}

extern "C" __global__ void nm_flash_fwd32(float *y, float *lse, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	fa_forward<32>(y, lse, qkv, B, T, H, D, scale, p, seed);
}
extern "C" __global__ void nm_flash_fwd64(float *y, float *lse, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	fa_forward<64>(y, lse, qkv, B, T, H, D, scale, p, seed);
}

// nm_flash_dsum writes dsum[b, h, i] = Σ_d dy·y over row i of head h: the Σⱼ Pᵢⱼ·dPᵢⱼ of the softmax
// gradient (dropout included, since y is the output after it). One thread a row.
extern "C" __global__ void nm_flash_dsum(float *dsum, const float *dy, const float *y, int B, int T, int H, int D) {
	int C = H * D;
	GRID_STRIDE(r, B * H * T) {
		int t = r % T, bh = r / T, b = bh / H, h = bh % H;
		long long off = ((long long)b * T + t) * C + h * D;
		float s = 0.0f;
		for (int d = 0; d < D; d++) s += dy[off + d] * y[off + d];
		dsum[r] = s;
	}
}

// The gradient of the query rows: grid (⌈T/FA_ROWS⌉, B·H), thread i a query row; it writes the q part
// of dqkv. dq = scale·Σⱼ dSᵢⱼ·kⱼ with dSᵢⱼ = Pᵢⱼ·(dPᵢⱼ − dsumᵢ), dPᵢⱼ = dyᵢ·vⱼ (times the dropout
// factor of the weight).
template <int DM>
static __device__ __forceinline__ void fa_grad_q(float *dqkv, const float *dy, const float *lse, const float *dsum, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	__shared__ float ks[FA_TILE * DM], vs[FA_TILE * DM];
	int bh = blockIdx.y, b = bh / H, h = bh % H, C = H * D;
	int i0 = blockIdx.x * FA_ROWS, i = i0 + threadIdx.x;
	bool active = i < T;
	float q[DM], g[DM], dq[DM];
	int ii = active ? i : 0;
	const float *qr = fa_row(qkv, b, ii, 0, h, T, C, D);
	const float *gr = dy + ((long long)b * T + ii) * C + h * D;
#pragma unroll
	for (int d = 0; d < DM; d++) {
		q[d] = active && d < D ? qr[d] * scale : 0.0f;
		g[d] = active && d < D ? gr[d] : 0.0f;
		dq[d] = 0.0f;
	}
	float L = active ? lse[(long long)bh * T + i] : 0.0f, S = active ? dsum[(long long)bh * T + i] : 0.0f;
	float keep = 1.0f / (1.0f - p);
	long long widx = ((long long)bh * T + i) * T;
	int jend = T < i0 + FA_ROWS ? T : i0 + FA_ROWS;
	for (int j0 = 0; j0 < jend; j0 += FA_TILE) {
		__syncthreads();
		fa_load<DM>(ks, qkv, 1, b, h, j0, T, C, D, 1.0f);
		fa_load<DM>(vs, qkv, 2, b, h, j0, T, C, D, 1.0f);
		__syncthreads();
		if (!active || j0 > i) continue;
		for (int jj = 0; jj < FA_TILE && j0 + jj <= i; jj++) {
			float P = nm_exp(fa_dot<DM>(q, ks + jj * DM) - L);
			float dP = fa_dot<DM>(g, vs + jj * DM);
			if (p > 0.0f) dP = nm_dropout_u(seed, widx + j0 + jj) >= p ? dP * keep : 0.0f;
			float dS = P * (dP - S);
#pragma unroll
			for (int d = 0; d < DM; d++) dq[d] += dS * ks[jj * DM + d];
		}
	}
	if (!active) return;
	float *out = dqkv + ((long long)b * T + i) * 3 * C + h * D;
#pragma unroll
	for (int d = 0; d < DM; d++)
		if (d < D) out[d] = dq[d] * scale;
}

extern "C" __global__ void nm_flash_dq32(float *dqkv, const float *dy, const float *lse, const float *dsum, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	fa_grad_q<32>(dqkv, dy, lse, dsum, qkv, B, T, H, D, scale, p, seed);
}
extern "C" __global__ void nm_flash_dq64(float *dqkv, const float *dy, const float *lse, const float *dsum, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	fa_grad_q<64>(dqkv, dy, lse, dsum, qkv, B, T, H, D, scale, p, seed);
}

// The gradients of the key and value rows: grid (⌈T/FA_ROWS⌉, B·H), thread j a key row, walking the
// query rows i ≥ j in tiles (q scaled, dy, lse, dsum through shared memory). With values set it
// writes the v part of dqkv, dv = Σᵢ Pᵢⱼ·(dropout factor)·dyᵢ; otherwise the k part,
// dk = scale·Σᵢ dSᵢⱼ·qᵢ. (Two launches keep each thread's registers to two or three rows.)
template <int DM>
static __device__ __forceinline__ void fa_grad_kv(float *dqkv, const float *dy, const float *lse, const float *dsum, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed, bool values) {
	__shared__ float qs[FA_TILE * DM], gs[FA_TILE * DM], ls[FA_TILE], ss[FA_TILE];
	int bh = blockIdx.y, b = bh / H, h = bh % H, C = H * D;
	int j0b = blockIdx.x * FA_ROWS, j = j0b + threadIdx.x;
	bool active = j < T;
	int jj = active ? j : 0;
	float k[DM], v[DM], acc[DM];
	const float *kr = fa_row(qkv, b, jj, 1, h, T, C, D), *vr = fa_row(qkv, b, jj, 2, h, T, C, D);
#pragma unroll
	for (int d = 0; d < DM; d++) {
		k[d] = active && d < D ? kr[d] : 0.0f;
		v[d] = active && d < D && !values ? vr[d] : 0.0f;
		acc[d] = 0.0f;
	}
	float keep = 1.0f / (1.0f - p);
	for (int i0 = j0b; i0 < T; i0 += FA_TILE) {
		__syncthreads();
		fa_load<DM>(qs, qkv, 0, b, h, i0, T, C, D, scale);
		fa_load<DM>(gs, dy, -1, b, h, i0, T, C, D, 1.0f);
		for (int e = threadIdx.x; e < FA_TILE; e += blockDim.x) {
			int i = i0 + e;
			ls[e] = i < T ? lse[(long long)bh * T + i] : 0.0f;
			ss[e] = i < T ? dsum[(long long)bh * T + i] : 0.0f;
		}
		__syncthreads();
		if (!active) continue;
		for (int r = 0; r < FA_TILE; r++) {
			int i = i0 + r;
			if (i >= T) break;
			if (i < j) continue;
			float P = nm_exp(fa_dot<DM>(k, qs + r * DM) - ls[r]);
			float f = 1.0f;
			if (p > 0.0f) f = nm_dropout_u(seed, ((long long)bh * T + i) * T + j) >= p ? keep : 0.0f;
			if (values) {
				float w = P * f;
#pragma unroll
				for (int d = 0; d < DM; d++) acc[d] += w * gs[r * DM + d];
			} else {
				float dS = P * (fa_dot<DM>(v, gs + r * DM) * f - ss[r]);
#pragma unroll
				for (int d = 0; d < DM; d++) acc[d] += dS * qs[r * DM + d];
			}
		}
	}
	if (!active) return;
	float *out = dqkv + ((long long)b * T + j) * 3 * C + (values ? 2 : 1) * C + h * D;
#pragma unroll
	for (int d = 0; d < DM; d++)
		if (d < D) out[d] = acc[d];
}

extern "C" __global__ void nm_flash_dk32(float *dqkv, const float *dy, const float *lse, const float *dsum, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	fa_grad_kv<32>(dqkv, dy, lse, dsum, qkv, B, T, H, D, scale, p, seed, false);
}
extern "C" __global__ void nm_flash_dk64(float *dqkv, const float *dy, const float *lse, const float *dsum, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	fa_grad_kv<64>(dqkv, dy, lse, dsum, qkv, B, T, H, D, scale, p, seed, false);
}
extern "C" __global__ void nm_flash_dv32(float *dqkv, const float *dy, const float *lse, const float *dsum, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	fa_grad_kv<32>(dqkv, dy, lse, dsum, qkv, B, T, H, D, scale, p, seed, true);
}
extern "C" __global__ void nm_flash_dv64(float *dqkv, const float *dy, const float *lse, const float *dsum, const float *qkv, int B, int T, int H, int D, float scale, float p, unsigned long long seed) {
	fa_grad_kv<64>(dqkv, dy, lse, dsum, qkv, B, T, H, D, scale, p, seed, true);
}

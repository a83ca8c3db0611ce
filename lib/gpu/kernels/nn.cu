// nn.cu: the row-wise kernels of a network: softmax and its gradient, fused cross-entropy forward and
// backward, layer norm forward and backward, embedding lookup and its atomic gradient.
// Row kernels run one block per row; blockDim.x is a multiple of 32 chosen by the Go side.
#include "common.h"

// nm_softmax writes softmax (or log-softmax, with logm) of each row of cols values.
extern "C" __global__ void nm_softmax(float *d, const float *x, int rows, int cols, int logm) {
	__shared__ float sh[32];
	for (int r = blockIdx.x; r < rows; r += gridDim.x) {
		const float *in = x + (long long)r * cols;
		float *out = d + (long long)r * cols;
		float mx = -NM_INF;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) mx = nm_max(mx, in[j]);
		mx = block_max(mx, sh);
		float sum = 0.0f;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) {
			float e = nm_exp(in[j] - mx);
			if (!logm) out[j] = e;
			sum += e;
		}
		sum = block_sum(sum, sh);
		if (logm) {
			float lse = nm_log(sum) + mx;
			for (int j = threadIdx.x; j < cols; j += blockDim.x) out[j] = in[j] - lse;
		} else {
			float inv = 1.0f / sum;
			for (int j = threadIdx.x; j < cols; j += blockDim.x) out[j] *= inv;
		}
	}
}

// nm_causal_softmax is the attention softmax with its scale, causal mask and dropout in one pass. x holds
// T×T blocks of scores; row r (position i = r mod T) sees the columns j ≤ i. It writes
// y[r, j] = softmax over j ≤ i of scale·x[r, j] (0 for j > i) and, when p > 0,
// out[r, j] = y[r, j]/(1 − p) where nm_dropout_u(seed, r·T + j) ≥ p, else 0 (out is y when p == 0).
extern "C" __global__ void nm_causal_softmax(float *out, float *y, const float *x, int rows, int T, float scale, float p, unsigned long long seed) {
	__shared__ float sh[32];
	float keep = 1.0f / (1.0f - p);
	for (int r = blockIdx.x; r < rows; r += gridDim.x) {
		int i = r % T;
		long long base = (long long)r * T;
		const float *in = x + base;
		float mx = -NM_INF;
		for (int j = threadIdx.x; j <= i; j += blockDim.x) mx = nm_max(mx, scale * in[j]);
		mx = block_max(mx, sh);
		float sum = 0.0f;
		for (int j = threadIdx.x; j <= i; j += blockDim.x) {
			float e = nm_exp(scale * in[j] - mx);
			y[base + j] = e;
			sum += e;
		}
		float inv = 1.0f / block_sum(sum, sh);
		for (int j = threadIdx.x; j < T; j += blockDim.x) {
			float v = j <= i ? y[base + j] * inv : 0.0f;
			y[base + j] = v;
			if (p > 0.0f) out[base + j] = nm_dropout_u(seed, base + j) >= p ? v * keep : 0.0f;
		}
	}
}

// nm_causal_softmax_grad writes dx (it does not add) = the gradient through nm_causal_softmax given y
// and dout: with d = dout·mask/(1 − p) (dout when p == 0), dx[r, j] = scale·y[r, j]·(d[r, j] − Σₖ y[r, k]·d[r, k]).
extern "C" __global__ void nm_causal_softmax_grad(float *dx, const float *y, const float *dout, int rows, int T, float scale, float p, unsigned long long seed) {
	__shared__ float sh[32];
	float keep = 1.0f / (1.0f - p);
	for (int r = blockIdx.x; r < rows; r += gridDim.x) {
		int i = r % T;
		long long base = (long long)r * T;
		float acc = 0.0f;
		for (int j = threadIdx.x; j <= i; j += blockDim.x) {
			float d = dout[base + j];
			if (p > 0.0f) d = nm_dropout_u(seed, base + j) >= p ? d * keep : 0.0f;
			acc += y[base + j] * d;
		}
		acc = block_sum(acc, sh);
		for (int j = threadIdx.x; j < T; j += blockDim.x) {
			float v = 0.0f;
			if (j <= i) {
				float d = dout[base + j];
				if (p > 0.0f) d = nm_dropout_u(seed, base + j) >= p ? d * keep : 0.0f;
				v = scale * y[base + j] * (d - acc);
			}
			dx[base + j] = v;
		}
	}
}

// nm_softmax_grad adds into dx the gradient through softmax (or log-softmax) given its output y and dy.
extern "C" __global__ void nm_softmax_grad(float *dx, const float *y, const float *dy, int rows, int cols, int logm) {
	__shared__ float sh[32];
	for (int r = blockIdx.x; r < rows; r += gridDim.x) {
		long long base = (long long)r * cols;
		float acc = 0.0f;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) acc += logm ? dy[base + j] : y[base + j] * dy[base + j];
		acc = block_sum(acc, sh);
		for (int j = threadIdx.x; j < cols; j += blockDim.x) {
			float g = dy[base + j], v = y[base + j];
			dx[base + j] += logm ? g - nm_exp(v) * acc : v * (g - acc);
		}
	}
}

// nm_ce_rows computes lse[r] = logsumexp(row r) and rowloss[r] = lse[r] − x[r, t] (0 where t == ignore).
extern "C" __global__ void nm_ce_rows(float *lse, float *rowloss, const float *x, const int *targets, int rows, int cols, int ignore) {
	__shared__ float sh[32];
	for (int r = blockIdx.x; r < rows; r += gridDim.x) {
		const float *in = x + (long long)r * cols;
		float mx = -NM_INF;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) mx = nm_max(mx, in[j]);
		mx = block_max(mx, sh);
		float sum = 0.0f;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) sum += nm_exp(in[j] - mx);
		sum = block_sum(sum, sh);
		if (threadIdx.x == 0) {
			float l = nm_log(sum) + mx;
			lse[r] = l;
			int t = targets[r];
			rowloss[r] = t == ignore ? 0.0f : l - in[t];
		}
	}
}

// nm_ce_mean writes loss[0] = scale · Σ rowloss (one block; scale is 1/count, or 0 when every row is ignored).
extern "C" __global__ void nm_ce_mean(float *loss, const float *rowloss, int rows, float scale) {
	__shared__ float sh[32];
	float acc = 0.0f;
	for (int r = threadIdx.x; r < rows; r += blockDim.x) acc += rowloss[r];
	acc = block_sum(acc, sh);
	if (threadIdx.x == 0) loss[0] = acc * scale;
}

// nm_ce_grad adds scale·(softmax(x) − onehot(t)) into dlogits for the rows not ignored.
extern "C" __global__ void nm_ce_grad(float *g, const float *x, const float *lse, const int *targets, int rows, int cols, int ignore, float scale) {
	long long total = (long long)rows * cols;
	for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)blockDim.x * gridDim.x) {
		int r = (int)(i / cols), c = (int)(i - (long long)r * cols);
		int t = targets[r];
		if (t == ignore) continue;
		float v = g[i] + scale * nm_exp(x[i] - lse[r]);
		if (c == t) v -= scale;
		g[i] = v;
	}
}

// nm_layernorm normalises each row: y = (x − mean)·rstd·gain + bias (gain, bias may be null).
extern "C" __global__ void nm_layernorm(float *y, float *mean, float *rstd, const float *x, const float *gain, const float *bias, int rows, int cols, float eps) {
	__shared__ float sh[32];
	for (int r = blockIdx.x; r < rows; r += gridDim.x) {
		const float *in = x + (long long)r * cols;
		float *out = y + (long long)r * cols;
		float s = 0.0f;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) s += in[j];
		float mu = block_sum(s, sh) / (float)cols;
		float q = 0.0f;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) {
			float dd = in[j] - mu;
			q += dd * dd;
		}
		float var = block_sum(q, sh) / (float)cols;
		float rs = 1.0f / __builtin_sqrtf(var + eps);
		if (threadIdx.x == 0) {
			mean[r] = mu;
			rstd[r] = rs;
		}
		for (int j = threadIdx.x; j < cols; j += blockDim.x) {
			float o = (in[j] - mu) * rs;
			if (gain) o *= gain[j];
			if (bias) o += bias[j];
			out[j] = o;
		}
	}
}

// nm_layernorm_grad_x adds ∂L/∂x into dx, one block per row:
// dx = rstd·(d − mean(d) − x̂·mean(d·x̂)) with d = dy·gain and x̂ = (x − mean)·rstd.
extern "C" __global__ void nm_layernorm_grad_x(float *dx, const float *dy, const float *x, const float *mean, const float *rstd, const float *gain, int rows, int cols) {
	__shared__ float sh[32];
	for (int r = blockIdx.x; r < rows; r += gridDim.x) {
		long long base = (long long)r * cols;
		float m = mean[r], s = rstd[r];
		float s1 = 0.0f, s2 = 0.0f;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) {
			float xh = (x[base + j] - m) * s;
			float d = dy[base + j];
			if (gain) d *= gain[j];
			s1 += d;
			s2 += d * xh;
		}
		s1 = block_sum(s1, sh) / (float)cols;
		s2 = block_sum(s2, sh) / (float)cols;
		for (int j = threadIdx.x; j < cols; j += blockDim.x) {
			float xh = (x[base + j] - m) * s;
			float d = dy[base + j];
			if (gain) d *= gain[j];
			dx[base + j] += s * (d - s1 - xh * s2);
		}
	}
}

// nm_layernorm_grad_params adds Σ_rows dy·x̂ into dgain and Σ_rows dy into dbias (either may be null).
// Blocks are 32×8 over (ceil(cols/32), ceil(rows/chunk)): each block sums chunk rows of 32 columns and
// adds its partial sums atomically.
extern "C" __global__ void nm_layernorm_grad_params(float *dgain, float *dbias, const float *dy, const float *x, const float *mean, const float *rstd, int rows, int cols, int chunk) {
	__shared__ float sg[8][33];
	__shared__ float sb[8][33];
	int c = blockIdx.x * 32 + threadIdx.x;
	int r0 = blockIdx.y * chunk;
	int r1 = r0 + chunk < rows ? r0 + chunk : rows;
	float ag = 0.0f, ab = 0.0f;
	if (c < cols) {
		for (int r = r0 + threadIdx.y; r < r1; r += 8) {
			long long k = (long long)r * cols + c;
			float g = dy[k];
			ag += g * (x[k] - mean[r]) * rstd[r];
			ab += g;
		}
	}
	sg[threadIdx.y][threadIdx.x] = ag;
	sb[threadIdx.y][threadIdx.x] = ab;
	__syncthreads();
	if (threadIdx.y == 0 && c < cols) {
		for (int k = 1; k < 8; k++) {
			ag += sg[k][threadIdx.x];
			ab += sb[k][threadIdx.x];
		}
		if (dgain) atomicAdd(dgain + c, ag);
		if (dbias) atomicAdd(dbias + c, ab);
	}
}

// nm_embedding copies row idx[r] of the table into row r of d (n rows of dim).
extern "C" __global__ void nm_embedding(float *d, const float *table, const int *idx, int n, int dim) {
	long long total = (long long)n * dim;
	for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)blockDim.x * gridDim.x) {
		int r = (int)(i / dim), c = (int)(i - (long long)r * dim);
		d[i] = table[(long long)idx[r] * dim + c];
	}
}

// nm_embedding_grad adds row r of dy into row idx[r] of dtable (atomically: indices repeat).
extern "C" __global__ void nm_embedding_grad(float *dtable, const float *dy, const int *idx, int n, int dim) {
	long long total = (long long)n * dim;
	for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)blockDim.x * gridDim.x) {
		int r = (int)(i / dim), c = (int)(i - (long long)r * dim);
		atomicAdd(dtable + (long long)idx[r] * dim + c, dy[i]);
	}
}

// elementwise.cu: kernels of one element per thread (grid-stride loops): axpy, unary functions and
// their gradients, strided binary ops with broadcasting, gather/scatter, masked fill and AdamW.
#include "common.h"

// The operation codes are lib/nn's UnaryOp and BinaryOp values.
enum { U_NEG, U_EXP, U_LOG, U_SQRT, U_TANH, U_SIGMOID, U_RELU, U_GELU, U_POW, U_ADD, U_MUL, U_ABS, U_CLAMP };
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_EQ };

extern "C" __global__ void nm_axpy(float *d, const float *x, float alpha, int n) {
	GRID_STRIDE(i, n) { d[i] += alpha * x[i]; }
}

static __device__ __forceinline__ float unary_f(int op, float v, float p) {
	switch (op) {
	case U_NEG: return -v;
	case U_EXP: return nm_exp(v);
	case U_LOG: return nm_log(v);
	case U_SQRT: return __builtin_sqrtf(v);
	case U_TANH: return nm_tanh(v);
	case U_SIGMOID: return nm_sigmoid(v);
	case U_RELU: return v > 0.0f ? v : 0.0f;
	case U_GELU: return nm_gelu(v);
	case U_POW: return nm_pow(v, p);
	case U_ADD: return v + p;
	case U_MUL: return v * p;
	case U_ABS: return __builtin_fabsf(v);
	case U_CLAMP: return nm_max(v, p);
	}
	return NM_NAN;
}

extern "C" __global__ void nm_unary(int op, float *d, const float *x, float p, int n) {
	GRID_STRIDE(i, n) { d[i] = unary_f(op, x[i], p); }
}

// nm_unary_grad computes dx += dy·op'(x) given y = op(x, p).
extern "C" __global__ void nm_unary_grad(int op, float *dx, const float *x, const float *y, const float *dy, float p, int n) {
	GRID_STRIDE(i, n) {
		float g = dy[i];
		switch (op) {
		case U_NEG: dx[i] -= g; break;
		case U_EXP: dx[i] += g * y[i]; break;
		case U_LOG: dx[i] += g / x[i]; break;
		case U_SQRT: dx[i] += g * 0.5f / y[i]; break;
		case U_TANH: dx[i] += g * (1.0f - y[i] * y[i]); break;
		case U_SIGMOID: dx[i] += g * y[i] * (1.0f - y[i]); break;
		case U_RELU: if (x[i] > 0.0f) dx[i] += g; break;
		case U_GELU: dx[i] += g * nm_gelu_grad(x[i]); break;
		case U_POW: dx[i] += g * p * nm_pow(x[i], p - 1.0f); break;
		case U_ADD: dx[i] += g; break;
		case U_MUL: dx[i] += g * p; break;
		case U_ABS: if (x[i] > 0.0f) dx[i] += g; else if (x[i] < 0.0f) dx[i] -= g; break;
		case U_CLAMP: if (x[i] > p) dx[i] += g; break;
		}
	}
}

static __device__ __forceinline__ float binary_f(int op, float a, float b) {
	switch (op) {
	case B_ADD: return a + b;
	case B_SUB: return a - b;
	case B_MUL: return a * b;
	case B_DIV: return a / b;
	case B_EQ: return a == b ? 1.0f : 0.0f;
	}
	return NM_NAN;
}

// nm_binary_c is the contiguous case: d, a and b all hold n elements in the same order.
extern "C" __global__ void nm_binary_c(int op, float *d, const float *a, const float *b, int n) {
	GRID_STRIDE(i, n) { d[i] = binary_f(op, a[i], b[i]); }
}

// nm_binary_s reads a with s.sa and b with s.sb (0 on broadcast axes); d is contiguous.
extern "C" __global__ void nm_binary_s(int op, float *d, const float *a, const float *b, Strided s) {
	GRID_STRIDE(i, s.n) {
		int ja, jb;
		offsets(s, i, &ja, &jb);
		d[i] = binary_f(op, a[ja], b[jb]);
	}
}

// nm_gather writes (or adds, with acc) src[offset + strided index] into contiguous d.
extern "C" __global__ void nm_gather(float *d, const float *src, int offset, Strided s, int acc) {
	GRID_STRIDE(i, s.n) {
		int ja, jb;
		offsets(s, i, &ja, &jb);
		float v = src[offset + ja];
		if (acc) d[i] += v;
		else d[i] = v;
	}
}

// nm_scatter adds contiguous src into d[offset + strided index]; the strides never map two indices
// to one element, so no atomics are needed.
extern "C" __global__ void nm_scatter(float *d, const float *src, int offset, Strided s) {
	GRID_STRIDE(i, s.n) {
		int ja, jb;
		offsets(s, i, &ja, &jb);
		d[offset + ja] += src[i];
	}
}

// nm_masked_fill writes value where the mask (read with s.sb) is non-zero and x (read with s.sa) elsewhere.
extern "C" __global__ void nm_masked_fill(float *d, const float *x, const float *mask, Strided s, float value) {
	GRID_STRIDE(i, s.n) {
		int jx, jm;
		offsets(s, i, &jx, &jm);
		d[i] = mask[jm] != 0.0f ? value : x[jx];
	}
}

// nm_adamw is one AdamW step with decoupled weight decay; bc1 and bc2 are the bias corrections.
extern "C" __global__ void nm_adamw(float *p, const float *g, float *m, float *v, float lr, float b1, float b2,
                                    float eps, float wd, float bc1, float bc2, int n) {
	GRID_STRIDE(i, n) {
		float gi = g[i];
		float mi = b1 * m[i] + (1.0f - b1) * gi;
		float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
		m[i] = mi;
		v[i] = vi;
		float mhat = mi / bc1, vhat = vi / bc2;
		p[i] -= lr * (mhat / (__builtin_sqrtf(vhat) + eps) + wd * p[i]);
	}
}

// nm_dropout_mask writes scale with probability 1 − p, else 0, into mask[i] (nm_dropout_u's draw).
extern "C" __global__ void nm_dropout_mask(float *mask, int n, float p, float scale, unsigned long long seed) {
	GRID_STRIDE(i, n) mask[i] = nm_dropout_u(seed, i) >= p ? scale : 0.0f;
}

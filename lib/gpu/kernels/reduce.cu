// reduce.cu: sum and max along the middle axis of x viewed as [outer, n, inner].
#include "common.h"

enum { R_SUM, R_MAX };

// nm_reduce_rows handles inner == 1: one block per row of n values (blockDim.x a multiple of 32).
extern "C" __global__ void nm_reduce_rows(int op, float *d, const float *x, int rows, int n) {
	__shared__ float sh[32];
	for (int r = blockIdx.x; r < rows; r += gridDim.x) {
		const float *row = x + (long long)r * n;
		float acc = op == R_MAX ? -NM_INF : 0.0f;
		for (int j = threadIdx.x; j < n; j += blockDim.x) {
			acc = op == R_MAX ? nm_max(acc, row[j]) : acc + row[j];
		}
		acc = op == R_MAX ? block_max(acc, sh) : block_sum(acc, sh);
		if (threadIdx.x == 0) d[r] = acc;
	}
}

// nm_reduce_cols handles inner > 1 with 32×8 blocks: threadIdx.x walks 32 consecutive columns i
// (coalesced), threadIdx.y splits the n rows eight ways, and the eight partials meet in shared memory.
// Grid: (ceil(inner/32), min(outer, 65535)); blocks loop over o when outer is larger.
extern "C" __global__ void nm_reduce_cols(int op, float *d, const float *x, int outer, int n, int inner) {
	__shared__ float sh[8][33];
	int i = blockIdx.x * 32 + threadIdx.x;
	for (int o = blockIdx.y; o < outer; o += gridDim.y) {
		float acc = op == R_MAX ? -NM_INF : 0.0f;
		if (i < inner) {
			const float *base = x + (long long)o * n * inner + i;
			for (int j = threadIdx.y; j < n; j += 8) {
				float v = base[(long long)j * inner];
				acc = op == R_MAX ? nm_max(acc, v) : acc + v;
			}
		}
		sh[threadIdx.y][threadIdx.x] = acc;
		__syncthreads();
		if (threadIdx.y == 0 && i < inner) {
			for (int k = 1; k < 8; k++) acc = op == R_MAX ? nm_max(acc, sh[k][threadIdx.x]) : acc + sh[k][threadIdx.x];
			d[(long long)o * inner + i] = acc;
		}
		__syncthreads();
	}
}

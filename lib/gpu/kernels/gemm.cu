// gemm.cu: the fallback matrix product when cuBLAS is not there: batched, row-major,
// C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] with op a transpose or not, A[b] at b·strideA
// (0: shared), B[b] at b·strideB, C[b] at b·strideC. 64×64 tiles of C per 256-thread block
// (16×16 threads, 4×4 outputs each, strided so shared-memory reads do not conflict), k in steps of 16.
// Grid: (ceil(n/64), ceil(m/64), batch).
#include "common.h"

#define BM 64
#define BN 64
#define BK 16

extern "C" __global__ void nm_sgemm(int m, int n, int k, float alpha, const float *A, int lda, long long strideA, int transA,
                                    const float *B, int ldb, long long strideB, int transB, float beta, float *C, int ldc,
                                    long long strideC) {
	__shared__ float As[BK][BM + 1];
	__shared__ float Bs[BK][BN + 1];
	int b = blockIdx.z;
	A += b * strideA;
	B += b * strideB;
	C += b * strideC;
	int i0 = blockIdx.y * BM, j0 = blockIdx.x * BN;
	int tx = threadIdx.x & 15, ty = threadIdx.x >> 4, tid = threadIdx.x;
	float acc[4][4];
#pragma unroll
	for (int r = 0; r < 4; r++)
#pragma unroll
		for (int c = 0; c < 4; c++) acc[r][c] = 0.0f;

	for (int l0 = 0; l0 < k; l0 += BK) {
		// Load the 64×16 tile of op(A) and the 16×64 tile of op(B), 4 elements per thread, with the
		// thread-to-element mapping chosen so that consecutive threads read consecutive addresses.
#pragma unroll
		for (int q = 0; q < 4; q++) {
			int e = tid + q * 256;
			int i, l;
			float v = 0.0f;
			if (transA) { // A stored k×m: element (i, l) at A[l·lda + i]
				i = e & 63;
				l = e >> 6;
				if (i0 + i < m && l0 + l < k) v = A[(long long)(l0 + l) * lda + i0 + i];
			} else { // A stored m×k: element (i, l) at A[i·lda + l]
				l = e & 15;
				i = e >> 4;
				if (i0 + i < m && l0 + l < k) v = A[(long long)(i0 + i) * lda + l0 + l];
			}
			As[l][i] = v;
			int j;
			v = 0.0f;
			if (transB) { // B stored n×k: element (l, j) at B[j·ldb + l]
				l = e & 15;
				j = e >> 4;
				if (j0 + j < n && l0 + l < k) v = B[(long long)(j0 + j) * ldb + l0 + l];
			} else { // B stored k×n: element (l, j) at B[l·ldb + j]
				j = e & 63;
				l = e >> 6;
				if (j0 + j < n && l0 + l < k) v = B[(long long)(l0 + l) * ldb + j0 + j];
			}
			Bs[l][j] = v;
		}
		__syncthreads();
#pragma unroll
		for (int l = 0; l < BK; l++) {
			float a[4], bb[4];
#pragma unroll
			for (int r = 0; r < 4; r++) a[r] = As[l][ty + 16 * r];
#pragma unroll
			for (int c = 0; c < 4; c++) bb[c] = Bs[l][tx + 16 * c];
#pragma unroll
			for (int r = 0; r < 4; r++)
#pragma unroll
				for (int c = 0; c < 4; c++) acc[r][c] = __builtin_fmaf(a[r], bb[c], acc[r][c]);
		}
		__syncthreads();
	}
#pragma unroll
	for (int r = 0; r < 4; r++) {
		int i = i0 + ty + 16 * r;
		if (i >= m) continue;
#pragma unroll
		for (int c = 0; c < 4; c++) {
			int j = j0 + tx + 16 * c;
			if (j >= n) continue;
			float *p = C + (long long)i * ldc + j;
			*p = beta == 0.0f ? alpha * acc[r][c] : alpha * acc[r][c] + beta * *p;
		}
	}
}

// nm_sgemm_128 is nm_sgemm with 128×128 tiles of C, k in steps of 8 and 8×8 outputs per thread (twice
// the arithmetic per load), for products whose m and n are both at least 128. Grid:
// (ceil(n/128), ceil(m/128), batch), 256 threads.
extern "C" __global__ void nm_sgemm_128(int m, int n, int k, float alpha, const float *A, int lda, long long strideA,
                                        int transA, const float *B, int ldb, long long strideB, int transB, float beta,
                                        float *C, int ldc, long long strideC) {
	__shared__ float As[8][128 + 4];
	__shared__ float Bs[8][128 + 4];
	int b = blockIdx.z;
	A += b * strideA;
	B += b * strideB;
	C += b * strideC;
	int i0 = blockIdx.y * 128, j0 = blockIdx.x * 128;
	int tx = threadIdx.x & 15, ty = threadIdx.x >> 4, tid = threadIdx.x;
	float acc[8][8];
#pragma unroll
	for (int r = 0; r < 8; r++)
#pragma unroll
		for (int c = 0; c < 8; c++) acc[r][c] = 0.0f;

	for (int l0 = 0; l0 < k; l0 += 8) {
#pragma unroll
		for (int q = 0; q < 4; q++) {
			int e = tid + q * 256; // 0..1023 over the 128×8 tile of op(A) and the 8×128 tile of op(B)
			int i, l, j;
			float v = 0.0f;
			if (transA) { // A stored k×m
				i = e & 127;
				l = e >> 7;
				if (i0 + i < m && l0 + l < k) v = A[(long long)(l0 + l) * lda + i0 + i];
			} else { // A stored m×k
				l = e & 7;
				i = e >> 3;
				if (i0 + i < m && l0 + l < k) v = A[(long long)(i0 + i) * lda + l0 + l];
			}
			As[l][i] = v;
			v = 0.0f;
			if (transB) { // B stored n×k
				l = e & 7;
				j = e >> 3;
				if (j0 + j < n && l0 + l < k) v = B[(long long)(j0 + j) * ldb + l0 + l];
			} else { // B stored k×n
				j = e & 127;
				l = e >> 7;
				if (j0 + j < n && l0 + l < k) v = B[(long long)(l0 + l) * ldb + j0 + j];
			}
			Bs[l][j] = v;
		}
		__syncthreads();
#pragma unroll
		for (int l = 0; l < 8; l++) {
			float a[8], bb[8];
#pragma unroll
			for (int r = 0; r < 8; r++) a[r] = As[l][ty + 16 * r];
#pragma unroll
			for (int c = 0; c < 8; c++) bb[c] = Bs[l][tx + 16 * c];
#pragma unroll
			for (int r = 0; r < 8; r++)
#pragma unroll
				for (int c = 0; c < 8; c++) acc[r][c] = __builtin_fmaf(a[r], bb[c], acc[r][c]);
		}
		__syncthreads();
	}
#pragma unroll
	for (int r = 0; r < 8; r++) {
		int i = i0 + ty + 16 * r;
		if (i >= m) continue;
#pragma unroll
		for (int c = 0; c < 8; c++) {
			int j = j0 + tx + 16 * c;
			if (j >= n) continue;
			float *p = C + (long long)i * ldc + j;
			*p = beta == 0.0f ? alpha * acc[r][c] : alpha * acc[r][c] + beta * *p;
		}
	}
}

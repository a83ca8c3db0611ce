// shim.h: the few CUDA definitions the kernels need when clang compiles them for the NVPTX target
// with no CUDA toolkit installed (clang -x cuda --cuda-device-only -nocudainc -nocudalib -include shim.h).
// nvcc brings its own definitions, so the shim is empty there.
#ifndef NOTMAGIC_SHIM_H
#define NOTMAGIC_SHIM_H
#ifndef __NVCC__

#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))

// threadIdx, blockIdx, blockDim and gridDim from the __nvvm_read_ptx_sreg_* builtins
// (clang's own resource header, which needs no CUDA installation).
#include <__clang_cuda_builtin_vars.h>

// __syncthreads is a clang builtin for the NVPTX target.

static __device__ __forceinline__ float atomicAdd(float *p, float v) { return __nvvm_atom_add_gen_f(p, v); }

static __device__ __forceinline__ float __shfl_xor_sync(unsigned mask, float v, int lane) {
	return __nvvm_shfl_sync_bfly_f32(mask, v, lane, 0x1f);
}

static __device__ __forceinline__ float __int_as_float(int i) { return __builtin_bit_cast(float, i); }
static __device__ __forceinline__ int __float_as_int(float f) { return __builtin_bit_cast(int, f); }

#endif
#endif

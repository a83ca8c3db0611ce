// mathcheck.cpp: runs the kernels' device math (kernels/common.h) on the host, so that a machine
// without a GPU can check it against Go's math package (TestDeviceMathOnHost). It reads lines
// "name x p" and prints the float32 result's bits in hex, one per line.
#include <cstdio>
#include <cstring>
#include <cstdint>

#define __device__
#define __forceinline__ inline
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
#define NM_MATH_ONLY
#include "../kernels/common.h"

int main() {
	char name[32];
	float x, p;
	while (std::scanf("%31s %a %a", name, &x, &p) == 3) {
		float r;
		if (!std::strcmp(name, "exp")) r = nm_exp(x);
		else if (!std::strcmp(name, "expm1")) r = nm_expm1(x);
		else if (!std::strcmp(name, "log")) r = nm_log(x);
		else if (!std::strcmp(name, "tanh")) r = nm_tanh(x);
		else if (!std::strcmp(name, "sigmoid")) r = nm_sigmoid(x);
		else if (!std::strcmp(name, "erfc")) r = nm_erfc(x);
		else if (!std::strcmp(name, "gelu")) r = nm_gelu(x);
		else if (!std::strcmp(name, "gelu_grad")) r = nm_gelu_grad(x);
		else if (!std::strcmp(name, "pow")) r = nm_pow(x, p);
		else if (!std::strcmp(name, "max")) r = nm_max(x, p);
		else {
			std::fprintf(stderr, "unknown function %s\n", name);
			return 2;
		}
		std::printf("%08x\n", (unsigned)__float_as_int(r));
	}
	return 0;
}

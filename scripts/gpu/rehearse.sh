#!/usr/bin/env bash
# rehearse.sh — run the GPU check's test binary here, without a GPU, against lib/gpu's CUDA emulator
# (lib/gpu/testdata/emu/emu.cpp: the driver API and cuBLAS on the CPU, executing the kernels' CUDA C).
# It exercises exactly what check.sh will run on the GPU machine — the static out/gpu/gpu.test, its
# dlopen of a driver library, every GPU comparison test with NOTMAGIC_REQUIRE_GPU=1, and the timing
# test at a toy size — so a broken build or harness shows up before device time is spent.
# Needs clang++-16 and a prior scripts/gpu/build.sh. Takes about a minute.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/out/gpu"
[ -x "$bin/gpu.test" ] || { echo "rehearse.sh: run scripts/gpu/build.sh first" >&2; exit 2; }
lib="$root/out/gpu-emu/libnotmagic-cuda-emu.so"
mkdir -p "$(dirname "$lib")"
clang++-16 -std=c++20 -O2 -U_FORTIFY_SOURCE -shared -fPIC -o "$lib" "$root/lib/gpu/testdata/emu/emu.cpp"
export NOTMAGIC_LIBCUDA="$lib" NOTMAGIC_CUBLAS="$lib" NOTMAGIC_REQUIRE_GPU=1
cd "$root/lib/gpu"
"$bin/gpu.test" -test.count=1 -test.v -test.run 'TestAvailable|MatchesCPU|MatchCPU|TF32|BF16|FlashAttentionOnGPU|BadInputs|DropoutMaskOnGPU|DropoutAndClip' 2>&1 |
	grep -E '^(--- |FAIL|ok|PASS)|device:|relative error'
NOTMAGIC_GPU_BENCH=1 NOTMAGIC_BENCH_ITERS=12 NOTMAGIC_BENCH_BATCH=2 NOTMAGIC_BENCH_BLOCK=32 NOTMAGIC_BENCH_LAYERS=1 \
	NOTMAGIC_BENCH_EMBD=48 "$bin/gpu.test" -test.count=1 -test.run '^TestGPUTrainBench$' | grep '"summary"'
"$bin/notmagic" bench gpt --data "$bin/tinyshakespeare.txt" --device cuda --iters 12 --eval-iters 1 --block 16 --batch 2 \
	--layers 1 --heads 2 --embd 32 --dropout 0.2 | grep '"summary"'
"$bin/notmagic" bench gpt --data "$bin/tinyshakespeare.txt" --device cuda --iters 12 --eval-iters 1 --block 16 --batch 2 \
	--layers 1 --heads 2 --embd 32 --dropout 0.2 --precision bf16 --flash-attention | grep '"summary"'
echo "rehearse.sh: the GPU check's tests and notmagic bench gpt --device cuda pass on the emulator"

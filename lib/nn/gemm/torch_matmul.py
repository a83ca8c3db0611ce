#!/usr/bin/python3
"""Time torch.matmul on the shapes that lib/nn/gemm benchmarks, for the ratio table in PERF.md.

Run with Debian's PyTorch, one process per thread count (torch's intra-op pool is fixed per process):
    OMP_NUM_THREADS=1 /usr/bin/python3 lib/nn/gemm/torch_matmul.py --threads 1
    OMP_NUM_THREADS=2 /usr/bin/python3 lib/nn/gemm/torch_matmul.py --threads 2
It prints one JSON line per shape, in the format of gemm.Bench:
    {"impl": "torch", "m": .., "n": .., "k": .., "trans": "NN", "threads": .., "clock": "wall", "gflops": ..}
With --clock cpu (one thread only) it times with the thread's CPU time, like gemmbench -clock cpu,
so that other programs competing for the cores do not count.
"trans" names op(A) and op(B): "T" means the operand is stored transposed and read through a
transposed view (as autograd does for dX = dY·Wᵀ and dW = Xᵀ·dY), never copied.
"""
import argparse
import json
import time

import torch

SQUARES = [64, 128, 256, 512, 1024]
# (m, n, k) of the recipe's Linear layers (768 tokens, width 128): qkv, proj, fc, out, head.
RECIPE = [(768, 384, 128), (768, 128, 128), (768, 512, 128), (768, 128, 512), (768, 65, 128)]


def shapes():
    for s in SQUARES:
        yield s, s, s, "NN"
    for m, n, k in RECIPE:
        yield m, n, k, "NN"      # Y  = X·W       (m×k)(k×n)
        yield m, k, n, "NT"      # dX = dY·Wᵀ     (m×n)(n×k)
        yield k, n, m, "TN"      # dW = Xᵀ·dY     (k×m)(m×n)
    yield 64, 64, 32, "NT"       # attention scores q·kᵀ, one head (48 per step)
    yield 64, 32, 64, "NN"       # attention output p·v


def operand(rows, cols, trans):
    if trans:
        return torch.randn(cols, rows).t()
    return torch.randn(rows, cols)


def gflops(m, n, k, trans, min_time, clock):
    a = operand(m, k, trans[0] == "T")
    b = operand(k, n, trans[1] == "T")
    c = torch.empty(m, n)
    for _ in range(3):
        torch.matmul(a, b, out=c)
    reps, best = 1, float("inf")
    while True:
        t0 = clock()
        for _ in range(reps):
            torch.matmul(a, b, out=c)
        dt = clock() - t0
        if dt >= min_time / 25:
            break
        reps *= 2
    for _ in range(5):  # best of five runs: the machine is shared, the minimum is the least disturbed
        t0 = clock()
        for _ in range(reps):
            torch.matmul(a, b, out=c)
        best = min(best, (clock() - t0) / reps)
    return 2.0 * m * n * k / best / 1e9


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--min-time", type=float, default=0.5, help="seconds of timing per shape")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    p.add_argument("--intra-op", type=int, default=0,
                   help="torch.set_num_threads (default --threads); 1 with OPENBLAS_NUM_THREADS=N leaves "
                        "the threading to OpenBLAS, as shared/bench/RECIPE.md runs PyTorch")
    a = p.parse_args()
    if a.clock == "cpu" and a.threads != 1:
        p.error("--clock cpu measures single-threaded runs only")
    torch.set_num_threads(a.intra_op or a.threads)
    clock = time.thread_time if a.clock == "cpu" else time.perf_counter
    for m, n, k, trans in shapes():
        g = gflops(m, n, k, trans, a.min_time, clock)
        print(json.dumps({"impl": "torch", "m": m, "n": n, "k": k, "trans": trans,
                          "threads": a.threads, "clock": a.clock, "gflops": round(g, 2)}), flush=True)


if __name__ == "__main__":
    main()

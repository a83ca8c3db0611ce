#!/usr/bin/python3
"""Compare lib/nn/gemm with torch.matmul on this machine and print the ratio table (Markdown).

    /usr/bin/python3 lib/nn/gemm/compare.py [--rounds 2] [--time 0.5] [--threads 1,2] [--clock wall|cpu]

Run from the repository root. For each thread count it alternates `notmagic bench matmul`
and torch_matmul.py (OMP_NUM_THREADS set to the thread count) for --rounds rounds and keeps each
implementation's best figure per shape, so a burst of load from other programs hurts both alike.
With more than one thread PyTorch runs twice per round, with OMP_NUM_THREADS=N and with
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=N (the setting of shared/bench/RECIPE.md); the better counts.
--clock cpu times single-threaded runs by the thread's CPU time on both sides, for a machine
whose cores other programs are using.
"""
import argparse
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_lines(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def key(r):
    return (r["m"], r["n"], r["k"], r["trans"], r["threads"])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--time", type=float, default=0.5, help="seconds of timing per shape and run")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    a = p.parse_args()
    if a.clock == "cpu":
        a.threads = "1"
    subprocess.run(["go", "build", "-o", "/tmp/notmagic-bench", "."], check=True)
    best = {"go": {}, "torch": {}}
    kernel = "?"
    for t in [int(x) for x in a.threads.split(",")]:
        env = dict(os.environ, OMP_NUM_THREADS=str(t))
        for _ in range(a.rounds):
            for r in run_lines(["/tmp/notmagic-bench", "bench", "matmul", "-threads", str(t), "-time", f"{a.time}s", "-clock", a.clock]):
                kernel = r["kernel"]
                best["go"][key(r)] = max(best["go"].get(key(r), 0), r["gflops"])
            variants = [(env, [])]
            if t > 1:  # also the recipe's setting: OpenBLAS threads, one OpenMP thread
                variants.append((dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS=str(t)), ["--intra-op", "1"]))
            for venv, extra in variants:
                for r in run_lines([sys.executable, os.path.join(HERE, "torch_matmul.py"), "--threads", str(t),
                                    "--min-time", str(a.time), "--clock", a.clock] + extra, env=venv):
                    best["torch"][key(r)] = max(best["torch"].get(key(r), 0), r["gflops"])
    import torch
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; notmagic kernel {kernel}; torch {torch.__version__}; "
          f"{a.clock} clock, best of {a.rounds} rounds; load average {os.getloadavg()[0]:.1f}")
    print()
    print("| m×n×k | trans | threads | notmagic GFLOP/s | torch GFLOP/s | ratio |")
    print("|---|---|---|---|---|---|")
    for k in sorted(best["go"], key=lambda k: (k[4], list(best["go"]).index(k))):
        g, tt = best["go"][k], best["torch"].get(k)
        ratio = f"{g / tt:.2f}" if tt else "–"
        print(f"| {k[0]}×{k[1]}×{k[2]} | {k[3]} | {k[4]} | {g:.1f} | {tt if tt else '–'} | {ratio} |")


if __name__ == "__main__":
    main()

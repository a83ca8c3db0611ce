#!/usr/bin/env bash
# scripts/bench.sh — the project's CPU speed figures against PyTorch on this machine, in one go.
#
#   scripts/bench.sh [--iters N] [--rounds R] [--data FILE] [--skip-matmul] [--skip-gpt]
#
# Runs, back to back: lib/nn/gemm/compare.py (notmagic's SGEMM vs torch.matmul, 1 and 2 threads,
# alternating rounds), then `notmagic bench gpt` and shared/bench/torch_gpt.py on the RECIPE.md
# configuration, each under /usr/bin/time -v, and prints a Markdown ratio table (Go/PyTorch) of
# median ms/iter, wall seconds, tokens/s, best val loss and peak RSS, with the machine's description.
# --rounds R alternates R runs of each (Go, PyTorch, Go, …): the table then holds each figure's median
# over the rounds, and the per-round ms/iter ratios follow it (on a shared machine one run can be 10 %
# off; take rounds ≥ 3 for a figure to quote). Run from anywhere; needs Go and Debian's python3-torch
# (/usr/bin/python3). Default --iters 2000 --rounds 1 (about 2 × 2 minutes a round on 2 quiet cores);
# use --iters 200 for a smoke run (losses are then ≈ 2.4).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
iters=2000
rounds=1
data=""
matmul=1
gpt=1
while [ $# -gt 0 ]; do
	case "$1" in
	--iters) iters=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--data) data=$2; shift 2 ;;
	--skip-matmul) matmul=0; shift ;;
	--skip-gpt) gpt=0; shift ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
if [ -z "$data" ]; then
	for d in "$root/../shared/data/tinyshakespeare.txt" /work/shared/data/tinyshakespeare.txt; do
		[ -f "$d" ] && data=$d && break
	done
fi
torch_gpt=""
for f in "$root/../shared/bench/torch_gpt.py" /work/shared/bench/torch_gpt.py; do
	[ -f "$f" ] && torch_gpt=$f && break
done
if [ "$gpt" = 1 ] && { [ -z "$data" ] || [ ! -f "$data" ]; }; then
	echo "bench.sh: tinyshakespeare.txt not found; pass --data FILE" >&2; exit 2
fi
if [ "$gpt" = 1 ] && [ -z "$torch_gpt" ]; then
	echo "bench.sh: shared/bench/torch_gpt.py not found" >&2; exit 2
fi
[ -x /usr/bin/time ] || { echo "bench.sh: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/notmagic" .)

echo "## Machine"
echo
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores;" \
	"flags: $(grep -m1 -o -w -e avx512f -e avx2 -e fma /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "- Go: $(go version | cut -d' ' -f3), GEMM kernel: $("$tmp/notmagic" bench matmul -threads 1 -time 0.05s 64 2>/dev/null | grep -o '"kernel":"[a-z0-9]*"' | cut -d'"' -f4)"
echo "- PyTorch: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo 'not installed')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

if [ "$matmul" = 1 ]; then
	echo "## Matmul (GFLOP/s, best of alternating rounds)"
	echo
	(cd "$root" && /usr/bin/python3 lib/nn/gemm/compare.py --rounds 2 --threads 1,2)
	echo
fi

if [ "$gpt" = 1 ]; then
	cd "$tmp"
	for r in $(seq "$rounds"); do
		echo "round $r/$rounds: notmagic bench gpt --iters $iters ..." >&2
		/usr/bin/time -v -o "go$r.time" "$tmp/notmagic" bench gpt --data "$data" --iters "$iters" >"go$r.out" 2>"go$r.err" || {
			cat "go$r.err" >&2; exit 1; }
		echo "round $r/$rounds: torch_gpt.py --iters $iters ..." >&2
		OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 /usr/bin/time -v -o "torch$r.time" \
			/usr/bin/python3 "$torch_gpt" --data "$data" --iters "$iters" >"torch$r.out" 2>"torch$r.err" || {
			cat "torch$r.err" >&2; exit 1; }
	done
	/usr/bin/python3 - "$iters" "$rounds" <<'PY'
import json, re, statistics, sys

def summary(name):
    rows = [json.loads(l) for l in (open(name + ".out").read() + open(name + ".err").read()).splitlines() if l.startswith("{")]
    s = [r for r in rows if r.get("summary")]
    if not s:
        sys.exit(f"bench.sh: no summary line from {name}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(name + ".time").read())
    s[-1]["peak_rss_mb"] = int(rss.group(1)) / 1024 if rss else float("nan")
    return s[-1]

iters, rounds = sys.argv[1], int(sys.argv[2])
gos = [summary(f"go{r}") for r in range(1, rounds + 1)]
pts = [summary(f"torch{r}") for r in range(1, rounds + 1)]
go, pt = gos[0], pts[0]
what = "" if rounds == 1 else f", median of {rounds} alternating rounds"
print(f"## GPT recipe, {iters} iterations ({go['impl']}, {go['threads']} threads vs {pt['impl']}, {pt['threads']} thread(s){what})")
print()
print("| figure | Go | PyTorch | Go/PyTorch |")
print("|---|---:|---:|---:|")
for key, fmt in [("median_ms_per_iter", "{:.2f}"), ("wall_s", "{:.1f}"), ("tokens_per_s", "{:.0f}"),
                 ("best_val_loss", "{:.4f}"), ("peak_rss_mb", "{:.0f}")]:
    a = statistics.median(float(g[key]) for g in gos)
    b = statistics.median(float(p[key]) for p in pts)
    print(f"| {key} | {fmt.format(a)} | {fmt.format(b)} | {a / b:.3f} |")
if all("allocs_per_step" in g for g in gos):
    print()
    print("Go heap allocations per training step (allocs_per_step, every 50th step counted): " +
          ", ".join(f"{g['allocs_per_step']:g}" for g in gos))
if rounds > 1:
    print()
    print("ms/iter by round (Go / PyTorch = ratio): " + "; ".join(
        f"{g['median_ms_per_iter']:.2f} / {p['median_ms_per_iter']:.2f} = {g['median_ms_per_iter'] / p['median_ms_per_iter']:.3f}"
        for g, p in zip(gos, pts)))
    print()
    print("best val loss by round (Go / PyTorch): " + "; ".join(
        f"{g['best_val_loss']:.4f} / {p['best_val_loss']:.4f}" for g, p in zip(gos, pts)))
PY
fi

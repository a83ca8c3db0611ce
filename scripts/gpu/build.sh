#!/usr/bin/env bash
# build.sh — run on any machine with Go (no GPU, no CUDA needed): builds everything the GPU check
# needs into out/gpu/ (git-ignored), so that a GPU machine without Go or a network can run
# scripts/gpu/check.sh in one command. See scripts/gpu/README.md for the device invocation.
#
#   out/gpu/gpu.test          lib/gpu's test binary (op-by-op checks, GPT step, timing)
#   out/gpu/gpu-cgo.test      the same built with cgo, only used to diagnose a driver-loading failure
#   out/gpu/notmagic          the notmagic binary (notmagic bench gpt --device cuda)
#   out/gpu/tinyshakespeare.txt, out/gpu/torch_gpt.py   the benchmark's data and PyTorch reference
#                                                        (scripts/gpu/torch_gpt.py)
#
# Binaries are static Go (CGO_ENABLED=0: purego dlopens libcuda through its own loader shim), stripped.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/out/gpu"
shared="${NOTMAGIC_SHARED:-$root/../shared}"
rm -rf "$out"
mkdir -p "$out"
cd "$root"
export CGO_ENABLED=0
go vet ./lib/gpu/
go test -c -o "$out/gpu.test" -ldflags='-s -w' ./lib/gpu/
go build -o "$out/notmagic" -ldflags='-s -w' .
# A cgo build of the test binary, for diagnosis should the static one fail to load the driver there.
if command -v gcc >/dev/null; then
	CGO_ENABLED=1 go test -c -o "$out/gpu-cgo.test" -ldflags='-s -w' ./lib/gpu/
fi
# The PyTorch reference is shared/bench/torch_gpt.py with --precision and --flash-attention (scripts/gpu).
cp scripts/gpu/torch_gpt.py "$out/"
for f in "$shared/data/tinyshakespeare.txt"; do
	if [ -f "$f" ]; then
		cp "$f" "$out/"
	else
		echo "build.sh: $f not found (set NOTMAGIC_SHARED); the benchmark part of the check will be skipped" >&2
	fi
done
# Sanity checks that need no GPU: the test binary runs and skips, and the CLI starts.
(cd lib/gpu && "$out/gpu.test" -test.run 'TestAvailable|TestKernelEntries|TestRowMajorToCUBLAS' >/dev/null)
"$out/notmagic" version >/dev/null
du -sh "$out" | awk '{print "build.sh: out/gpu is " $1 " (the device tool carries at most 64 MiB)"}'
total=$(du -sm "$out" | cut -f1)
if [ "$total" -ge 64 ]; then
	echo "build.sh: out/gpu exceeds 64 MiB; the device tool cannot carry it" >&2
	exit 1
fi
echo 'build.sh: ready. On the GPU machine, from the repository root: bash scripts/gpu/check.sh   (carry: out/gpu)'

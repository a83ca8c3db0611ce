#!/usr/bin/env bash
# ptx.sh [OUTDIR] — regenerate the PTX of lib/gpu's kernels from their CUDA C sources.
#
# Needs only clang-16 (Debian's clang-16 package; no CUDA toolkit): clang compiles each
# lib/gpu/kernels/*.cu for the NVPTX target with the small shim.h standing in for the CUDA headers.
# The PTX targets sm_80 with PTX ISA 7.0, which any driver from CUDA 11.0 on JIT-compiles for its GPU.
# Without OUTDIR the files are written beside their sources (lib/gpu/kernels/*.ptx), where they are
# committed and embedded into the Go package; lib/gpu's TestPTXCurrent regenerates them into a temporary
# folder and compares.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
src="$here/lib/gpu/kernels"
out="${1:-$src}"
clang="${CLANG:-clang-16}"
if ! command -v "$clang" >/dev/null; then
	echo "ptx.sh: $clang not found (apt-get install clang-16, or set CLANG)" >&2
	exit 1
fi
mkdir -p "$out"
for cu in "$src"/*.cu; do
	name=$(basename "$cu" .cu)
	(cd "$src" && "$clang" -x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_80 \
		-Xclang -target-feature -Xclang +ptx70 -O3 -include shim.h -S "$name.cu" -o "$out/$name.ptx.tmp")
	# The compiler's exact version heads the file: another build of clang-16 may emit other bytes,
	# and TestPTXCurrent compares only PTX made by the same one.
	{ echo "// $("$clang" --version | head -1)"; cat "$out/$name.ptx.tmp"; } >"$out/$name.ptx"
	rm "$out/$name.ptx.tmp"
done

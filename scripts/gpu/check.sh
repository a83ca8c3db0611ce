#!/usr/bin/env bash
# check.sh — run on the GPU machine from the repository root, after scripts/gpu/build.sh filled
# out/gpu/ elsewhere. One command: device facts, lib/gpu's tests against the CPU backend with
# NOTMAGIC_REQUIRE_GPU=1 (a missing GPU fails instead of skipping), a timing of the recipe's GPU
# configuration from the test binary, `notmagic bench gpt --device cuda` and PyTorch's torch_gpt.py
# on the same card when PyTorch with CUDA is there, then a short table. Logs go to $OUT/gpu-check
# (the device tool brings $OUT back) or /tmp/gpu-check.
#
# Environment: ITERS (default 30) iterations for the timed runs; FULL=1 runs the whole recipe
# (5000 iterations, evals over 200 batches: best val loss ≤ 1.50 is the goal) instead of the quick
# timing (BENCH_TIMEOUT per benchmark: 180 s, 570 s with FULL=1); TORCH=0 skips PyTorch; TESTS=0
# skips the tests; NOTMAGIC_TF32=1 lets cuBLAS use TF32; MEMCAP=8G (say) times the dropout-0.2
# steps once more with the backend's device memory capped there (NOTMAGIC_GPU_MEMORY); the dropout-0.2
# steps are also timed with the FlashAttention kernels (NOTMAGIC_FLASH_ATTENTION=1) unless FLASH=0;
# MIXED=0 skips the trainers' second run in bf16 mixed precision with fused attention.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/out/gpu"
logs="${OUT:-/tmp}/gpu-check"
mkdir -p "$logs"
ITERS="${ITERS:-30}"
cd "$root"

if [ ! -x "$bin/gpu.test" ]; then
	echo "check.sh: $bin/gpu.test is missing: run scripts/gpu/build.sh first and carry out/gpu" >&2
	exit 2
fi

jget() { # jget KEY FILE: the last value of "KEY" in the JSON lines of FILE
	grep -o "\"$1\": *[^,}]*" "$2" 2>/dev/null | tail -1 | sed 's/^[^:]*: *//; s/"//g'
}

# cuBLAS: lib/gpu looks on the loader path and in the usual folders; where it sits elsewhere (a
# Python environment's nvidia-cublas wheel, say), find it once and point NOTMAGIC_CUBLAS at it.
if [ -z "${NOTMAGIC_CUBLAS:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.1[0-9]'; then
	found=$(timeout 30 find /usr/local /usr/lib /opt -name 'libcublas.so.1[0-9]' 2>/dev/null | sort -r | head -1)
	if [ -n "$found" ]; then
		export NOTMAGIC_CUBLAS="$found"
		echo "cuBLAS found at $found"
	else
		echo "no libcublas.so.1x on this machine: matrix products use the PTX GEMM"
	fi
fi

echo "== nvidia-smi"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 | tee "$logs/nvidia-smi.txt"
nvidia-smi >>"$logs/nvidia-smi.txt" 2>&1

tests_rc=skipped
if [ "${TESTS:-1}" != 0 ]; then
	echo "== lib/gpu tests (NOTMAGIC_REQUIRE_GPU=1)"
	(cd lib/gpu && NOTMAGIC_REQUIRE_GPU=1 timeout 200 "$bin/gpu.test" -test.v -test.count=1 -test.short -test.timeout 190s) >"$logs/tests.log" 2>&1
	tests_rc=$?
	grep -E '^(--- (PASS|FAIL|SKIP)|FAIL|ok|PASS|panic)|device: |relative error|loss cpu' "$logs/tests.log" | head -80
	if grep -q '^--- FAIL: TestAvailable' "$logs/tests.log" && [ -x "$bin/gpu-cgo.test" ]; then
		echo "== the static test binary cannot open the GPU; the cgo build says:"
		(cd lib/gpu && NOTMAGIC_REQUIRE_GPU=1 timeout 60 "$bin/gpu-cgo.test" -test.v -test.run '^TestAvailable$') 2>&1 | tee "$logs/tests-cgo.log" | tail -5
	fi
fi

# The backend's own speed with dropout 0, then the recipe's dropout 0.2 (masks drawn on the device).
bench_test() { # bench_test DROPOUT ITERS LOG [VAR=VALUE...]
	local d=$1 n=$2 log=$3
	shift 3
	(cd lib/gpu && env "$@" NOTMAGIC_REQUIRE_GPU=1 NOTMAGIC_GPU_BENCH=1 NOTMAGIC_BENCH_DROPOUT="$d" NOTMAGIC_BENCH_ITERS="$n" "${data_env[@]}" \
		timeout 150 "$bin/gpu.test" -test.run '^TestGPUTrainBench$' -test.v -test.count=1) >"$log" 2>&1
	grep '"summary"' "$log" || tail -20 "$log"
}
data_env=()
[ -f "$bin/tinyshakespeare.txt" ] && data_env=(NOTMAGIC_BENCH_DATA="$bin/tinyshakespeare.txt")
echo "== timing from the test binary (GPU configuration, dropout 0, $ITERS iterations)"
bench_test 0 "$ITERS" "$logs/bench-test.log"
echo "== timing from the test binary (GPU configuration, dropout 0.2, $ITERS iterations)"
bench_test 0.2 "$ITERS" "$logs/bench-test-dropout.log"
timings=("$logs/bench-test.log" "$logs/bench-test-dropout.log")
if [ "${FLASH:-1}" != 0 ]; then
	echo "== timing from the test binary (dropout 0.2, $ITERS iterations, flash attention: NOTMAGIC_FLASH_ATTENTION=1)"
	bench_test 0.2 "$ITERS" "$logs/bench-test-flash.log" NOTMAGIC_FLASH_ATTENTION=1
	timings+=("$logs/bench-test-flash.log")
fi
if [ -n "${MEMCAP:-}" ]; then
	echo "== timing from the test binary (dropout 0.2, $ITERS iterations, NOTMAGIC_GPU_MEMORY=$MEMCAP)"
	bench_test 0.2 "$ITERS" "$logs/bench-test-memcap.log" NOTMAGIC_GPU_MEMORY="$MEMCAP"
	timings+=("$logs/bench-test-memcap.log")
fi

gpucfg=(--block 256 --batch 64 --layers 6 --heads 6 --embd 384 --dropout 0.2 --min-lr 1e-4)
bt="${BENCH_TIMEOUT:-180}"
if [ "${FULL:-0}" = 1 ]; then
	run=(--iters 5000 --eval-iters 200)
	bt="${BENCH_TIMEOUT:-570}"
else
	run=(--iters "$ITERS" --eval-every 100000 --eval-iters 5)
fi
# The trainers in float32, then (unless MIXED=0) in bf16 mixed precision with fused attention: notmagic's
# --precision bf16 --flash-attention against PyTorch's autocast(bfloat16) and scaled_dot_product_attention.
variants=("")
[ "${MIXED:-1}" != 0 ] && variants+=("-bf16")
if [ -f "$bin/tinyshakespeare.txt" ]; then
	for sfx in "${variants[@]}"; do
		extra=()
		[ "$sfx" = -bf16 ] && extra=(--precision bf16 --flash-attention)
		echo "== notmagic bench gpt --device cuda ${run[*]} ${extra[*]}"
		timeout "$bt" "$bin/notmagic" bench gpt --data "$bin/tinyshakespeare.txt" --device cuda "${gpucfg[@]}" "${run[@]}" "${extra[@]}" >"$logs/bench-notmagic$sfx.log" 2>&1
		tail -3 "$logs/bench-notmagic$sfx.log"
		if [ "${TORCH:-1}" != 0 ] && python3 -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
			echo "== torch_gpt.py --device cuda ${run[*]} ${extra[*]}"
			timeout "$bt" python3 "$bin/torch_gpt.py" --data "$bin/tinyshakespeare.txt" --device cuda "${gpucfg[@]}" "${run[@]}" "${extra[@]}" >"$logs/bench-torch$sfx.log" 2>&1
			tail -3 "$logs/bench-torch$sfx.log"
		else
			echo "PyTorch with CUDA is not available here (or TORCH=0): no PyTorch comparison" | tee "$logs/bench-torch$sfx.log"
		fi
	done
fi
echo
echo "== summary (logs in $logs)"
printf '%-28s %s\n' "device (nvidia-smi)" "$(head -1 "$logs/nvidia-smi.txt")"
if [ "$tests_rc" = skipped ]; then
	printf '%-28s %s\n' "tests" "skipped (TESTS=0)"
else
	pass=$(grep -c '^--- PASS' "$logs/tests.log"); fail=$(grep -c '^--- FAIL' "$logs/tests.log"); skip=$(grep -c '^--- SKIP' "$logs/tests.log")
	failed=$(grep '^--- FAIL' "$logs/tests.log" | awk '{print $3}' | tr '\n' ' ')
	printf '%-28s %s\n' "tests (exit $tests_rc)" "PASS $pass, FAIL $fail, SKIP $skip ${failed:+(failed: $failed)}"
fi
for b in "${timings[@]}"; do
	label="timing, dropout $(jget dropout "$b")"
	case $b in *memcap*) label="$label, cap $MEMCAP" ;; *flash*) label="$label, flash" ;; esac
	if grep -q '"summary"' "$b"; then
		printf '%-28s %s ms/iter, %s tokens/s, MFU %s of FP32 peak, %s of TF32 peak (cuBLAS %s, TF32 %s); device memory peak %s MB, %s collections\n' "$label" \
			"$(jget median_ms_per_iter "$b")" "$(jget tokens_per_s "$b")" "$(jget mfu_vs_fp32_peak "$b")" "$(jget mfu_vs_tf32_peak "$b")" "$(jget cublas "$b")" "$(jget tf32 "$b")" \
			"$(jget device_peak_mb "$b")" "$(jget gcs "$b")"
	else
		printf '%-28s %s\n' "timing ($(basename "$b"))" "no result: $(grep -m1 -E 'FAIL|no GPU|panic|Error' "$b")"
	fi
done
for sfx in "${variants[@]}"; do
	for which in notmagic torch; do
		f="$logs/bench-$which$sfx.log"
		[ -f "$f" ] || continue
		if grep -q '"summary"' "$f"; then
			peak=$(jget device_peak_mb "$f")
			mfu=$(jget mfu_vs_bf16_peak "$f")
			printf '%-28s %s ms/iter, wall %s s, best val loss %s (%s)%s%s\n' "bench gpt: $which${sfx:- fp32}" \
				"$(jget median_ms_per_iter "$f")" "$(jget wall_s "$f")" "$(jget best_val_loss "$f")" "$(jget impl "$f")" "${peak:+; device memory peak $peak MB}" "${mfu:+; MFU $mfu of the bf16 peak}"
		else
			last=$(grep '"val_loss"' "$f" | tail -1)
			if [ -n "$last" ]; then # stopped by its timeout: what it reached
				bestv=$(grep -o '"val_loss": *[0-9.]*' "$f" | sed 's/.*: *//' | sort -g | head -1)
				printf '%-28s %s\n' "bench gpt: $which${sfx:- fp32}" "stopped by its timeout; last eval $last; best val loss so far $bestv"
			else
				printf '%-28s %s\n' "bench gpt: $which${sfx:- fp32}" "no result: $(tail -1 "$f")"
			fi
		fi
	done
	n=$(jget median_ms_per_iter "$logs/bench-notmagic$sfx.log"); t=$(jget median_ms_per_iter "$logs/bench-torch$sfx.log")
	if [ -n "$n" ] && [ -n "$t" ]; then
		printf '%-28s %s\n' "ms/iter notmagic/torch${sfx:- fp32}" "$(awk -v a="$n" -v b="$t" 'BEGIN{printf "%.2f", a/b}')"
	fi
done
[ "$tests_rc" = 0 ] || [ "$tests_rc" = skipped ]

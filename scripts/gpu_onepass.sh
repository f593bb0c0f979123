#!/usr/bin/env bash
# One GPU call for la2's one-pass plan (issue 4, flatness): GPU tests, verify against the float64
# reference, the one-pass plan checked bit for bit against the two-pass plan (LASUITE_LA2_ONE_PASS=0)
# at b1 h32 4k+5, where the one-pass plan runs; then the bench sweep and the two-pass plan's.
# Uses a prebuilt binary in $BUILD (default build-cuda). Files go to $OUT, the extras in one tarball.
set -uo pipefail
B=${BUILD:-build-cuda}
OUT=${OUT:-$PWD/gpu_out}
X=$OUT/extra
mkdir -p "$X"
log() { echo "== $* ($(date +%T))"; }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader

log tests
timeout 240 "$B/tests/lasuite_tests" --gtest_filter='*La2Cuda*' >"$OUT/tests.log" 2>&1
echo "tests rc=$?"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED" "$OUT/tests.log" | head -20

log verify
timeout 150 "$B/lasuite" verify --impl la2 --device cuda --dtype bf16,f16,f32 --json "$OUT/verify.json" >"$X/verify.log" 2>&1
echo "verify rc=$?"; grep -E "^verify:|FAIL" "$X/verify.log" | head

log "verify one pass (b1 h32 4k+5)"
for v in default:LASUITE_LA2_NONE=1 twopass:LASUITE_LA2_ONE_PASS=0; do
  env ${v#*:} timeout 120 "$B/lasuite" verify --impl la2 --device cuda --dtype bf16,f16 --skip-defaults \
    --long 4101 --long-batch 1 --long-heads 32 --dim 128 --sample-heads 3 --state --json "$X/vl_${v%%:*}.json" \
    >"$X/vl_${v%%:*}.log" 2>&1
  echo "verify ${v%%:*} rc=$?"; grep -E "^verify:|FAIL" "$X/vl_${v%%:*}.log" | head -4
done
for v in default; do
  echo "$v against two pass:"; python3 scripts/compare_verify.py "$X/vl_$v.json" "$X/vl_twopass.json" >"$X/cmp_$v.txt"
  echo "rc=$?"; head -4 "$X/cmp_$v.txt"
done

log bench
timeout 200 "$B/lasuite" bench --impl la2 --device cuda --seqlen ${SEQLEN:-1k,4k,16k,32k,64k,128k} --batch 1 --heads 32 \
  --dim 128 --dtype bf16 --mode fwd,bwd,fwdbwd --decay alibi --json "$OUT/bench.json" --csv "$OUT/bench.csv" >"$X/bench.log" 2>&1
echo "bench rc=$?"; grep -E "^\| la2" "$X/bench.log"

log variants
for v in ${VARIANTS:-twopass:LASUITE_LA2_ONE_PASS=0 bwdlate:LASUITE_LA2_BWD_EARLY=0}; do
  env ${v#*:} timeout 90 "$B/lasuite" bench --impl la2 --device cuda --seqlen 4k,128k --batch 1 --heads 32 --dim 128 \
    --dtype bf16 --mode fwd,bwd,fwdbwd --decay alibi --json "$X/bench_${v%%:*}.json" >"$X/bench_${v%%:*}.log" 2>&1
  echo "${v%%:*} (${v#*:}) rc=$?"; grep -E "^\| la2" "$X/bench_${v%%:*}.log"
done
tar -C "$OUT" -czf "$OUT/extra.tgz" extra && rm -rf "$X"
log end

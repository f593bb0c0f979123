#!/usr/bin/env bash
# Session 28 call 1: 54e30a5 (the two-output-warpgroup step's chunk products and output store through
# the wgmma step's own: output_products, stage_output_rows, store_staged_boxes; 6 bf16 cubins change at
# the same registers, the pingpong's identical) against 7f048d5 (.dev/s28/base). First the GPU tests
# session 27 left unrun (run6.sh there: the two-output-warpgroup tests, the plan options), then la2's GPU
# tests and CudaCheck; la2's verify (bf16 with the long cases, f16 and f32); b1 h32 d128 bf16 4k, 16k,
# 128k forward and forward+backward, 192 x 192 h21 4k and 128 x 256 h16 4k (the windowed steps whose
# cubins changed), both binaries alternated twice; the four sanitizers on the default's small cases
# until the call's deadline (the rest in call 2).
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s28/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
rm -rf /tmp/bld_base; (base_build .dev/s28/base) & BASE_PID=$!
timeout 60 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.TwoOutputWarpgroup*:La2Options.*' > $R/tests_two.txt 2>&1; el "two-output tests rc=$?"
grep -E "Failure|^\[  (PASSED|FAILED) |^\[       OK" $R/tests_two.txt | head -20
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 new $B/lasuite
wait $BASE_PID; el "base build"; ls -la $B/lasuite_base | cut -c1-60
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwd,fwdbwd --seqlen 4k,16k,128k"
BW="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 21 --dim 192 --mode fwd,fwdbwd --seqlen 4k"
BV="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 16 --dim 128 --dim-v 256 --mode fwd,fwdbwd --seqlen 4k"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && bin=$B/lasuite_base
  timeout 40 $bin $BN --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 20 $bin $BW --json $R/d192_${x}_r$round.json > $R/d192_${x}_r$round.log 2>&1
  timeout 20 $bin $BV --json $R/d128e256_${x}_r$round.json > $R/d128e256_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d192_${x}_r$round.log $R/d128e256_${x}_r$round.log | cut -c20-100
done; done; el "A/B done"
SAN_DEADLINE=540 sanitize_la2 new $B/lasuite
cut -c1-180 $R/sanitize.log 2>/dev/null | tail -14

#!/usr/bin/env bash
# Session 34, not run (no device was lent that session): the backward in windows of e
# (value_window_backward.patch over main; NOTES "Session 34" has the design and the prediction). One call:
# the patched build and main's beside it (for d = 128's kernels, whose code the patch leaves alone), the new
# GPU tests and the value-tile ones, verify of la2 at the window shapes (bf16 and f16, long cases with and
# without states), then the bench: 128 x 256 h16 forward+backward at 4k..128k, windows against three passes in
# one binary (backward=fused / three_passes / the windows' adds by atomics, window_adds=atomics), alternated twice;
# d = 128 h32 at 4k and 128k, patched against main.
# Run as `SESSION=sNN COMMIT=<commit> bash results/h200/scripts_s34/run1.sh`, with .dev/$SESSION/base made by
# `git archive HEAD CMakeLists.txt LICENSE README.md baselines cmake examples harness kernels plots reference
# scripts tests | tar -x -C .dev/$SESSION/base` (main, before the patch) and carried.
S34=results/h200/scripts_s34
patch -s -p1 < $S34/value_window_backward.patch || { echo "value_window_backward.patch does not apply"; exit 1; }
CALL=call1 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
build_beside .dev/$SESSION/base
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.BackwardInWindows*:La2CudaPlans.ContractionWindows*:La2CudaPlans.TmaMovesValueTiles:La2CudaPlans.FusedBackward*:CudaCheck*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|Expected|Which is|what" $R/tests.txt | head -20
for dims in "128 256" "96 200"; do
  set -- $dims
  timeout 90 $B/lasuite verify --device cuda --impl la2 --dtype bf16,f16 --long 4k,16k --long-heads 4 --dim $1 --dim-v $2 --json $R/verify_la2_${1}x${2}.json > $R/verify_la2_${1}x${2}.log 2>&1; el "verify ${1}x${2} rc=$?"; tail -n 2 $R/verify_la2_${1}x${2}.log
done
BENCH="bench --impl la2 --dtype bf16 --decay alibi --mode fwdbwd"
for round in 1 2; do
  [[ $round == 2 ]] && BENCH="$BENCH --no-ceilings"  # the floor column from round 1's rows
  for opt in backward=fused backward=three_passes window_adds=atomics; do
    x=${opt#*=}
    timeout 60 $B/lasuite $BENCH --dim 128 --dim-v 256 --heads 16 --seqlen 4k,16k,64k,128k --impl-option $opt --json $R/ab_128x256_${x}_r$round.json > $R/ab_128x256_${x}_r$round.log 2>&1; el "128x256 $opt r$round rc=$?"
    grep -E "^\| la2" $R/ab_128x256_${x}_r$round.log | cut -c1-120
  done
done
for round in 1 2; do
  for bin in lasuite lasuite_base; do
    timeout 60 $B/$bin bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --no-ceilings --seqlen 4k,128k --json $R/ab_d128_${bin}_r$round.json > $R/ab_d128_${bin}_r$round.log 2>&1; el "d128 $bin r$round rc=$?"
    grep -E "^\| la2" $R/ab_d128_${bin}_r$round.log | cut -c1-120
    # the value tiles' forward, whose windowed steps now read their window columns from the maps' fields
    timeout 60 $B/$bin bench --impl la2 --dtype bf16 --decay alibi --mode fwd --no-ceilings --seqlen 4k,128k --dim 128 --dim-v 256 --heads 16 --json $R/ab_fwd_128x256_${bin}_r$round.json > $R/ab_fwd_128x256_${bin}_r$round.log 2>&1; el "128x256 fwd $bin r$round rc=$?"
    grep -E "^\| la2" $R/ab_fwd_128x256_${bin}_r$round.log | cut -c1-120
  done
done

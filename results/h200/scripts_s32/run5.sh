#!/usr/bin/env bash
# Session 32 call 5: call 3's early refill mended (the two-output-warpgroup step prefetched a stage twice, so its
# barrier's bytes never matched and the dQ pass at 4k failed to launch; and the state warpgroup waited for the
# output warpgroup's P V before writing the next operand copy of S, which put the two chains end to end: the
# forward 10-14 % slower where it ran). Now the wait and the boxes come after the operand copy, before the
# meeting. Against .dev/s32/base (29aee95, d03e14c's kernels): la2's GPU tests, the A/B (b1 h32 d128 4k / 16k /
# 128k, 96 x 96 h42 4k / 16k, 128 x 256 h16 4k, forward and forward+backward, alternated twice), verify of la2.
# Run as `SESSION=s32 COMMIT=<commit> bash results/h200/scripts_s32/run5.sh`.
CALL=call5 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/s32/base > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; cat $R/base_build.txt
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|what" $R/tests.txt | head -10
BENCH="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for bin in base new; do
  exe=$B/lasuite; [[ $bin != new ]] && exe=$B/lasuite_$bin
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 4k,16k,128k --json $R/d128_${bin}_r$round.json > $R/d128_${bin}_r$round.log 2>&1
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96 --json $R/d96_${bin}_r$round.json > $R/d96_${bin}_r$round.log 2>&1
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 4k --heads 16 --dim 128 --dim-v 256 --json $R/d128_e256_${bin}_r$round.json > $R/d128_e256_${bin}_r$round.log 2>&1
  echo "== $bin round $round"; grep -hE "^\| la2|what" $R/d128_${bin}_r$round.log $R/d96_${bin}_r$round.log $R/d128_e256_${bin}_r$round.log | cut -c1-100
done; done; el "A/B done"
check_la2 default $B/lasuite

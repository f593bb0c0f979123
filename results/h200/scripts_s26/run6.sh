#!/usr/bin/env bash
# Session 26 call 6: output_warpgroups=2 (the row-order TMA output step at d = e = 128 with two output
# warpgroups taking alternate chunks, la2_pingpong_kernel.cuh). Its GPU test first (bit for bit against
# one_pass=off, and against the reference); b1 h32 d128 bf16 at 4k, 16k and 128k, forward and
# forward+backward: the default, one_pass=off and output_warpgroups=2, in one binary, twice; the four
# sanitizers on it (3 segments with a start state, bf16; one segment f16 with a partial chunk); la2's GPU
# tests.
CALL=call6 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s26/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 60 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.TwoOutputWarpgroupsMatchOne' > $R/tests_two.txt 2>&1; el "two test rc=$?"
grep -E "Failure|bytes differ|Expected|^\[  (PASSED|FAILED) " $R/tests_two.txt | head -20
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwd,fwdbwd --seqlen 4k,16k,128k"
for round in 1 2; do for x in default off two; do
  opt=""; [[ $x == off ]] && opt="--impl-option one_pass=off"; [[ $x == two ]] && opt="--impl-option output_warpgroups=2"
  timeout 40 $B/lasuite $BN $opt --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  echo "== $x round $round rc=$?"; grep -hE "^\| la2" $R/d128_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2 --impl-option output_warpgroups=2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool two_segments3 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool two_one_segment_f16 $B/lasuite $V --state --dtype f16 --long 190 --dim 128 --impl-option segments=1
done > /dev/null; el "sanitizers"; cat $R/sanitize.log 2>/dev/null | cut -c1-200 | tail -12
timeout 100 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -10

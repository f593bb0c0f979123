#!/usr/bin/env bash
# Session 26 call 1: value_windows=narrow (d = e = 128 as two value windows of 64, the forward and dQ
# passes on the paired 128 x 64 step, two blocks an SM) against the default (wide) in one binary: la2's
# GPU tests (NarrowValueWindows first); A/B at b1 h32 d128 bf16, forward 4k..128k and forward+backward
# 4k and 16k, alternated twice; the four sanitizers on the narrow path (one pass in 3 segments with a
# start state, and one segment with a partial chunk, f16); verify of la2 under the option.
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s26/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 60 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.NarrowValueWindows' > $R/tests_narrow.txt 2>&1; el "narrow test rc=$?"
grep -E "Failure|error|bytes differ|^\[  (PASSED|FAILED) " $R/tests_narrow.txt | head -20
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128"
for round in 1 2; do for x in wide narrow; do
  opt=""; [[ $x == narrow ]] && opt="--impl-option value_windows=narrow"
  timeout 60 $B/lasuite $BN --mode fwd --seqlen 4k,16k,64k,128k $opt --json $R/fwd_${x}_r$round.json > $R/fwd_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite $BN --mode fwdbwd --seqlen 4k,16k $opt --json $R/fwdbwd_${x}_r$round.json > $R/fwdbwd_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/fwd_${x}_r$round.log $R/fwdbwd_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2 --impl-option value_windows=narrow"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  (( $(date +%s) - T0 < 420 )) || { el "sanitizer $tool skipped: past 420 s"; break; }
  sanitizer_run $tool narrow_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool narrow_one_segment_f16 $B/lasuite $V --state --dtype f16 --long 190 --dim 128 --impl-option segments=1
done > /dev/null; el "sanitizers"; cat $R/sanitize.log 2>/dev/null | tail -10
timeout 90 $B/lasuite verify --device cuda --impl la2 --dtype bf16,f16 --long 16k --impl-option value_windows=narrow --json $R/verify_narrow.json > $R/verify_narrow.log 2>&1; el "verify narrow rc=$?"; tail -n 2 $R/verify_narrow.log
timeout 100 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20

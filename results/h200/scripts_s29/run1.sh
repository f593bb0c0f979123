#!/usr/bin/env bash
# Session 29 call 1: session 28's run8 (99c3eda: la2_pass.cu's host code as la2_pass_cuda.cpp and its scan
# kernel in la2_segment_scan.cu; 2cd7d43: the backward asks fused_states_first alone): la2's GPU tests and
# CudaCheck, la2's verify, memcheck on the scan kernel. Then options only, one binary: issue 16's 96 x 96
# h42 (read in place at 128) forward and forward+backward at 4k / 8k / 16k under the default (one pass),
# one_pass=off (two kernels; session 26: 3 % faster forward at 4k), and one_pass=off with states_halves=on
# (the states step as two blocks a segment, two blocks an SM: half the walk), alternated twice.
CALL=call1 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
sanitizer_run memcheck scan_kernel $B/lasuite $V --state --dtype bf16 --long 1500 --dim 128 --impl-option segments=8 --impl-option scan=kernel > /dev/null
el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -2
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,8k,16k --heads 42 --dim 96"
for round in 1 2; do for x in default two halves; do
  opt=()
  [[ $x == two ]] && opt=(--impl-option one_pass=off)
  [[ $x == halves ]] && opt=(--impl-option one_pass=off --impl-option states_halves=on)
  timeout 60 $B/lasuite $BN "${opt[@]}" --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d96_${x}_r$round.log | cut -c1-110
done; done; el "options done"

#!/usr/bin/env bash
# Session 29 call 3: 9d032ec (the dQ pass lets the early states step launch once each of its blocks has
# states_beside_dq chunks left, default 8): la2's GPU tests (the orders' bit-identity with the states step
# early, after, and ahead), la2's verify, the four sanitizers on dQ-first backwards with the late launch
# (whole segments and halves at d = 128 bf16, halves at d = 64 f16); then options only, one binary:
# forward+backward at b1 h32 d128 32k / 64k / 128k and d64 n64k under states_beside_dq = off, 2, 8 and 32,
# alternated twice.
CALL=call3 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
DQF="--impl-option backward_order=dq_first --impl-option segments=4 --impl-option states_beside_dq=2"
for tool in memcheck racecheck synccheck initcheck; do
  sanitizer_run $tool late_d128 $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 $DQF
  sanitizer_run $tool late_d128_halves $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 $DQF --impl-option states_halves=on
  sanitizer_run $tool late_d64_f16_halves $B/lasuite $V --state --dtype f16 --long 700 --dim 64 $DQF --impl-option states_halves=on
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -12
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd"
for round in 1 2; do for x in off 2 8 32; do
  opt=(--impl-option states_beside_dq=$x)
  timeout 60 $B/lasuite $BN "${opt[@]}" --seqlen 32k,64k,128k --heads 32 --dim 128 --json $R/d128_beside_${x}_r$round.json > $R/d128_beside_${x}_r$round.log 2>&1
  timeout 30 $B/lasuite $BN "${opt[@]}" --seqlen 64k --heads 32 --dim 64 --json $R/d64_beside_${x}_r$round.json > $R/d64_beside_${x}_r$round.log 2>&1
  echo "== beside $x round $round"; grep -hE "^\| la2" $R/d128_beside_${x}_r$round.log $R/d64_beside_${x}_r$round.log | cut -c1-110
done; done; el "options done"

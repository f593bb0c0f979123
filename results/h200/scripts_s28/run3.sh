#!/usr/bin/env bash
# Session 28 call 3: backward_order=states_first (the fused pass's states step ahead of the dQ pass, so each
# backward kernel starts where the one before ended its walk; host code only, the kernels are call 1's)
# against the default dq_first in one binary. The plan tests that name it (bit-identity of the two orders,
# every plan case against the reference) and the option refusals; la2's verify with it (bf16 with the long
# cases, f16 and f32); b1 h32 d128 bf16 forward+backward 4k, 8k, 16k, 64k, 128k and d64 n64k, alternated
# twice; memcheck and racecheck on it at small cases.
CALL=call3 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s28/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 200 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.FusedStatesStepBeforeDqPassBitIdentical:La2CudaPlans.EachOptionSetMakesItsPlan:La2CudaPlans.EveryPlanMatchesReference:La2Options.*' > $R/tests.txt 2>&1; el "plan tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|^\[       OK" $R/tests.txt | head -12
check_la2 states_first $B/lasuite --impl-option backward_order=states_first
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwdbwd --seqlen 4k,8k,16k,64k,128k"
BD="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 64 --mode fwdbwd --seqlen 64k"
for round in 1 2; do for x in dq_first states_first; do
  timeout 60 $B/lasuite $BN --impl-option backward_order=$x --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 20 $B/lasuite $BD --impl-option backward_order=$x --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d64_${x}_r$round.log | cut -c20-100
done; done; el "A/B done"
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck; do
  (( $(date +%s) - T0 < 540 )) || break
  sanitizer_run $tool states_first_d128 $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 --impl-option segments=3 --impl-option backward_order=states_first
  sanitizer_run $tool states_first_d64_scan_kernel $B/lasuite $V --state --dtype f16 --long 1500 --dim 64 --impl-option segments=8 --impl-option scan=kernel --impl-option backward_order=states_first
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -4

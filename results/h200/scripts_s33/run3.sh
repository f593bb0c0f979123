#!/usr/bin/env bash
# Session 33, not run: the call after run2.sh, for the patch it keeps (PATCHES="scan_round_trips.patch" or
# "scan_round_trips.patch scan_pairs.patch", applied in that order). la2's GPU tests, verify of la2 where run2.sh
# did not reach it, and the four sanitizers on small one-pass cases of the changed scan: d = 128 with a start
# state at three and four segments (one and two farther increments, the pairs' path), bf16 and f16; d = 64 one
# pass (one warpgroup's scan) with a state; 96 x 96 read in place (the narrow steps, strips apart); and
# session 32's states-in-halves cases (sanitize_la2), which keep scan_from.
# Run as `SESSION=sNN COMMIT=<commit> PATCHES="..." bash results/h200/scripts_s33/run3.sh`.
S33=results/h200/scripts_s33
for p in ${PATCHES:?set PATCHES}; do patch -s -p1 < $S33/$p || { echo "$p does not apply"; exit 1; }; done
CALL=call3 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|what" $R/tests.txt | head -10
[[ -n ${VERIFY:-} ]] && check_la2 kept $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 420 )) || { el "sanitizer $tool skipped: past 420 s"; break; }
  sanitizer_run $tool d128_one_pass_3seg_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 128 --impl-option segments=3 --impl-option one_pass=all
  sanitizer_run $tool d128_one_pass_4seg_f16 $B/lasuite $V --state --dtype f16 --long 900 --dim 128 --impl-option segments=4 --impl-option one_pass=all
  sanitizer_run $tool d64_one_pass_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 64 --impl-option segments=4 --impl-option one_pass=all
  sanitizer_run $tool d96_one_pass_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 96 --impl-option segments=3 --impl-option one_pass=all
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log
SAN_DEADLINE=540 sanitize_la2 halves $B/lasuite; tail -n 12 $R/sanitize.log | cut -c1-200

#!/usr/bin/env bash
# Session 34, not run: one call that verifies every patch a session keeps, together, on the tree they will land as,
# in place of scripts_s33/run3.sh and a call of this session's own (a call each: with run1.sh and scripts_s33/run2.sh
# the four would not fit one session's 30 minutes). PATCHES: the kept patches' paths, in the order they apply
# (e.g. "results/h200/scripts_s34/value_window_backward.patch results/h200/scripts_s33/scan_round_trips.patch";
# checked here: session 33's three apply over session 34's in their order). Builds, runs every la2 GPU test and
# CudaCheck, check_la2 (verify of la2: bf16 with the long cases, f16 and f32), then the four sanitizers on small
# cases of what each kept patch changed (the windows backward; one pass's scan), memcheck and racecheck first;
# past the deadline the rest are logged as skipped and want a call of their own: a patch is done only when all four
# ran clean on its cases. Run as `SESSION=sNN COMMIT=<commit> PATCHES="..." bash results/h200/scripts_s34/run_verify_kept.sh`.
for p in ${PATCHES:?set PATCHES}; do patch -s -p1 < $p || { echo "$p does not apply"; exit 1; }; done
CALL=${CALL:-call_verify} TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
build_beside
timeout 180 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 kept $B/lasuite
kept_cases() {  # tool: the kept patches' cases
  local tool=$1 V=$SAN_VERIFY
  if [[ $PATCHES == *value_window_backward* ]]; then
    sanitizer_run $tool w128x256_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 128 --dim-v 256 --impl-option segments=3
    sanitizer_run $tool w96x200_f16_one_pass $B/lasuite $V --state --dtype f16 --long 700 --dim 96 --dim-v 200 --impl-option segments=3 --impl-option one_pass=all
    sanitizer_run $tool w128x256_130_rows_atomics $B/lasuite $V --state --dtype bf16 --long 130 --dim 128 --dim-v 256 --impl-option window_adds=atomics
  fi
  if [[ $PATCHES == *scan_* || $PATCHES == *publish_release* ]]; then
    sanitizer_run $tool d128_one_pass_4seg_f16 $B/lasuite $V --state --dtype f16 --long 900 --dim 128 --impl-option segments=4 --impl-option one_pass=all
    sanitizer_run $tool d64_one_pass_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 64 --impl-option segments=4 --impl-option one_pass=all
    sanitizer_run $tool d96_one_pass_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 96 --impl-option segments=3 --impl-option one_pass=all
  fi
}
SAN_TIMEOUT=45 SAN_DEADLINE=540 sanitize_four kept_cases; cut -c1-200 $R/sanitize.log

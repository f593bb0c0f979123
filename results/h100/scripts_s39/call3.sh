#!/usr/bin/env bash
# Session 39, call 3 (H100, warm; run inline as one line, written out here): main at ec65c35, the four sanitizers on
# la2's default plan at d = 128 bf16 (one pass) and the states step in halves at d = 64 f16, small cases with a state.
export SESSION=s39 COMMIT=ec65c35 CALL=call3 TARGETS="lasuite"
source scripts/device_call_prelude.sh
build_beside
V=$SAN_VERIFY
cases() {
  sanitizer_run $1 d128_default_bf16 $B/lasuite $V --state --dtype bf16 --long 999 --dim 128
  sanitizer_run $1 d64_halves_f16 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=3 --impl-option states_halves=on
}
SAN_TOOLS="memcheck synccheck racecheck initcheck" SAN_TIMEOUT=60 SAN_DEADLINE=380 sanitize_four cases
cut -c1-200 $R/sanitize.log

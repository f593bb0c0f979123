#!/usr/bin/env bash
# Session 37, not run: the calls that verify aligned_handovers.patch where run1.sh found it worth keeping: the
# sanitizers on small cases of every kind of block the patch touched, then verify of la2 (check_la2: bf16 with the
# long cases, f16 and f32; CHECK=no leaves it out): synccheck and racecheck on all seven (one pass with the strips apart, d = 128;
# one pass at d = 64, two blocks an SM; a packed batch's ragged grid; the two-output-warpgroup step, forward; 192,
# whose states step copies in warpgroup 0 alone; the states step split over both warpgroups, in halves; d = 64 in two
# passes, its states step paced by the state warpgroup), memcheck and initcheck on the first three. A sanitizer run
# of a small case takes about 35 s and check_la2 up to 290 s, so they want two calls, one after the other on the GPU
# (verify's long cases beside the sanitizers could run past verify's own time limit):
#   CALL=call2 TOOLS="synccheck racecheck" CHECK=no SESSION=sNN COMMIT=<commit> bash results/h200/scripts_s37/run2.sh
#   CALL=call3 TOOLS="memcheck initcheck" SESSION=sNN COMMIT=<commit> bash results/h200/scripts_s37/run2.sh
# A case not started by 540 s (300 s where check_la2 follows) is logged as skipped in sanitize.log.
patch -s -p1 < results/h200/scripts_s37/aligned_handovers.patch || { echo "the patch does not apply"; exit 1; }
CALL=${CALL:-call2} TARGETS="lasuite"
source scripts/device_call_prelude.sh
build_beside
handover_cases() {  # tool: synccheck and racecheck take all seven cases, the others the first three
  local tool=$1 V=$SAN_VERIFY
  sanitizer_run $tool d128_one_pass_bf16 $B/lasuite $V --state --dtype bf16 --long 999 --dim 128 --impl-option segments=4 --impl-option one_pass=all
  sanitizer_run $tool d64_one_pass_f16 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=4 --impl-option one_pass=all
  sanitizer_run $tool d128_ragged_bf16 $B/lasuite $V --state --dtype bf16 --packed 0,15,100,300 --dim 128
  [[ $tool == synccheck || $tool == racecheck ]] || return 0
  sanitizer_run $tool d128_pingpong_fwd $B/lasuite $V --state --dtype bf16 --long 900 --dim 128 --impl-option output_warpgroups=2 --impl-option one_pass=off
  sanitizer_run $tool d192_bf16 $B/lasuite $V --state --dtype bf16 --long 300 --dim 192 --impl-option segments=3
  sanitizer_run $tool d128_halves_bf16 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3 --impl-option states_halves=on
  sanitizer_run $tool d64_two_passes_f16 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=3 --impl-option one_pass=off
}
SAN_TOOLS=${TOOLS:-synccheck racecheck memcheck initcheck} SAN_TIMEOUT=60 \
  SAN_DEADLINE=$([[ ${CHECK:-yes} == no ]] && echo 540 || echo 300) sanitize_four handover_cases
cut -c1-200 $R/sanitize.log
if [[ ${CHECK:-yes} != no ]]; then check_la2 handovers $B/lasuite; fi

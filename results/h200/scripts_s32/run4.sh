#!/usr/bin/env bash
# Session 32 call 4: the four sanitizers on small cases of every path call 3's change touched (forward and dQ
# steps at d = 128 in one and two passes, the reverse plain step of three passes, a packed batch, 96 read in
# place, 128 x 256 windows, d = 64 bf16 and a packed batch at d = 64 f16).
# Run as `SESSION=s32 COMMIT=<commit> bash results/h200/scripts_s32/run4.sh`.
CALL=call4 TARGETS="lasuite"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 540 )) || { el "sanitizer $tool skipped: past 540 s"; break; }
  sanitizer_run $tool d128_one_pass $B/lasuite $V --state --dtype bf16 --long 700 --dim 128 --impl-option segments=2
  sanitizer_run $tool d128_two_passes_dq_one_wg $B/lasuite $V --state --dtype bf16 --long 700 --dim 128 --impl-option segments=2 --impl-option one_pass=off --impl-option output_warpgroups=1
  sanitizer_run $tool d128_three_passes $B/lasuite $V --state --dtype f16 --long 500 --dim 128 --impl-option backward=three_passes
  sanitizer_run $tool packed_d128 $B/lasuite verify --device cuda --skip-defaults --impl la2 --long-heads 2 --dtype bf16 --dim 128 --packed 300,1,15,0,270
  sanitizer_run $tool d96_in_place $B/lasuite $V --state --dtype bf16 --long 400 --dim 96
  sanitizer_run $tool d128_e256 $B/lasuite $V --state --dtype bf16 --long 400 --dim 128 --dim-v 256
  sanitizer_run $tool d64_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 64 --impl-option segments=3
  sanitizer_run $tool packed_d64_f16 $B/lasuite verify --device cuda --skip-defaults --impl la2 --long-heads 2 --dtype f16 --dim 64 --packed 300,1,15,0,270
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log

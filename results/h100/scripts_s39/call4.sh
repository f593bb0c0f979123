#!/usr/bin/env bash
# Session 39, call 4 (H100, warm; run inline as one line, written out here): main at ec65c35, the four sanitizers on
# four more kinds of block (a packed batch's ragged grid, the two-output-warpgroup forward, 192 in value windows,
# d = 64 f16 in two passes), then issue 14's 1M case verified (b1 h16 d128 bf16 with a state, two sampled heads) and
# its bench row (forward, forward+backward, with ceilings): results/h200/scripts_s37/verify_1m.sh's commands.
export SESSION=s39 COMMIT=ec65c35 CALL=call4 TARGETS="lasuite"
source scripts/device_call_prelude.sh
build_beside
V=$SAN_VERIFY
cases() {
  sanitizer_run $1 d128_ragged_bf16 $B/lasuite $V --state --dtype bf16 --packed 0,15,100,300 --dim 128
  sanitizer_run $1 d128_pingpong_fwd $B/lasuite $V --state --dtype bf16 --long 900 --dim 128 --impl-option output_warpgroups=2 --impl-option one_pass=off
  sanitizer_run $1 d192_bf16 $B/lasuite $V --state --dtype bf16 --long 300 --dim 192 --impl-option segments=3
  sanitizer_run $1 d64_two_passes_f16 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=3 --impl-option one_pass=off
}
SAN_TOOLS="memcheck synccheck racecheck initcheck" SAN_TIMEOUT=60 SAN_DEADLINE=120 sanitize_four cases
cut -c1-200 $R/sanitize.log
timeout 240 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 1M --long-heads 16 --state \
  --time-limit 220 --json $R/verify_la2_bf16_1M_state.json > $R/verify_la2_bf16_1M_state.log 2>&1
el "verify 1M rc=$?"; tail -n 3 $R/verify_la2_bf16_1M_state.log
BENCH_DEADLINE=380 bench_row rec_d128_h16_n1m $B/lasuite --seqlen 1M --heads 16 --dim 128

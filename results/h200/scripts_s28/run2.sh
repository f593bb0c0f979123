#!/usr/bin/env bash
# Session 28 call 2, at call 1's code: the four sanitizers on the kernels whose cubins 54e30a5 changed and
# call 1's default cases did not reach (the windowed steps of 192 x 192 and 128 x 256, small cases) and on
# the two-output-warpgroup step (the dQ pass's, output_warpgroups=dq; the forward's, output_warpgroups=2);
# then the record (with the machine's ceilings): b1 h32 d128 4k..128k, b8 n8k, d64 n64k, and issue 16's
# head-dim shapes (96 x 96 h42, 192 x 192 h21, 256 x 256 h16, 128 x 256 h16) at 4k..128k.
CALL=call2 TARGETS="lasuite"
source results/h200/scripts_s28/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool d192_windows $B/lasuite $V --state --dtype bf16 --long 300 --dim 192 --impl-option segments=2
  sanitizer_run $tool d128_e256_windows $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --dim-v 256 --impl-option segments=2
  sanitizer_run $tool dq_two_outputs $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 --impl-option segments=3 --impl-option output_warpgroups=dq
  sanitizer_run $tool fwd_two_outputs $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 --impl-option segments=3 --impl-option output_warpgroups=2
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -16
BR="bench --impl la2 --dtype bf16 --decay alibi"
timeout 70 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "rec d128 rc=$?"
timeout 30 $B/lasuite $BR --no-ceilings --mode fwd,fwdbwd --seqlen 8k --batch 8 --heads 32 --dim 128 --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 30 $B/lasuite $BR --no-ceilings --mode fwd,fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/rec_d64.json > $R/rec_d64.log 2>&1
grep -hE "^\| la2" $R/rec_d128.log $R/rec_b8.log $R/rec_d64.log | cut -c1-150; el "record done"
for shape in "96 96 42" "192 192 21" "256 256 16" "128 256 16"; do
  set -- $shape
  (( $(date +%s) - T0 < 560 )) || { el "d$1 e$2 skipped"; continue; }
  timeout 60 $B/lasuite $BR --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 \
    --json $R/rec_d$1_e$2_h$3.json > $R/rec_d$1_e$2_h$3.log 2>&1; el "rec d$1 e$2 h$3 rc=$?"
  grep -hE "^\| la2" $R/rec_d$1_e$2_h$3.log | cut -c1-150
done

#!/usr/bin/env bash
# Session 31 call 5: the record on this session's kernels (dc26ee9's: the narrow steps' state at 96 columns, the
# one-pass own increment in two strips where the scan's strips are apart), with ceilings (fraction_of_floor),
# 4k..128k, forward and forward+backward: 96 x 96 h42 and b1 h32 d128.
# Run as `SESSION=s31 COMMIT=<commit> bash results/h200/scripts_s31/run5.sh`.
CALL=call5 TARGETS="lasuite"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
for s in "96 42" "128 32"; do set -- $s
  timeout 120 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads $2 --dim $1 \
    --json $R/rec_d$1_h$2.json > $R/rec_d$1_h$2.log 2>&1; el "la2 d$1 h$2 rc=$?"
  grep -hE "^\| la2" $R/rec_d$1_h$2.log | cut -c1-150
done

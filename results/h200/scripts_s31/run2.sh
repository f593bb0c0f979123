#!/usr/bin/env bash
# Session 31 call 2: the record of 96 x 96 h42 on 877b31c's kernels (the narrow steps' state at 96 columns),
# with ceilings (fraction_of_floor), 4k..128k, forward and forward+backward, twice; then fla's chunk kernel
# (external runner, .ext from scripts/prepare_external.sh carried) at the same shape in the same call.
# Run as `SESSION=s31 COMMIT=<commit> bash results/h200/scripts_s31/run2.sh`.
CALL=call2 TARGETS="lasuite"
source scripts/device_call_prelude.sh
export TRITON_CACHE_DIR=/tmp/triton_cache
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
H="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 42 --dim 96"
for round in 1 2; do
  timeout 100 $B/lasuite $H --json $R/rec_d96_h42_r$round.json > $R/rec_d96_h42_r$round.log 2>&1; el "la2 96 x 96 round $round rc=$?"
  grep -hE "^\| la2" $R/rec_d96_h42_r$round.log | cut -c1-150
done
grep -hiE "copy|gemm|ceiling" $R/rec_d96_h42_r1.log | head -4
timeout $(( 570 - ($(date +%s) - T0) )) python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk \
  --seqlen 4k,16k,64k,128k --heads 42 --dim 96 --mode fwd,fwdbwd --git-commit ${COMMIT} --json $R/fla_d96_h42.json \
  > $R/fla_d96_h42.log 2>&1; el "fla d96 rc=$?"
grep -E "agree|\] ext" $R/fla_d96_h42.log | tail -10 | cut -c1-160

#!/usr/bin/env bash
# Session 26 call 5: where the d = 128 kernels' warps wait at 4k (for the next design: more warps in flight
# without more instructions a chunk). ncu's warp-state statistics with every stall reason, at b1 h32 d128
# n4k bf16: the forward's one-pass output step, and in a forward+backward the dQ pass's output step and
# the fused pass's dual step.
CALL=call5 TARGETS="lasuite"
source results/h200/scripts_s26/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
B4="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --seqlen 4k --warmup 1 --repeats 3 --min-time 0"
M="regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio"
timeout 100 ncu --kernel-name-base demangled --kernel-name regex:"la2_wgmma_kernel" --launch-skip 1 --launch-count 1 \
  --section WarpStateStats --section SchedulerStats --metrics "$M" --print-details all $B/lasuite $B4 --mode fwd > $R/ncu_fwd4k.txt 2>&1; el "ncu fwd rc=$?"
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"la2_wgmma_kernel" --launch-skip 4 --launch-count 4 \
  --section WarpStateStats --section SchedulerStats --metrics "$M" --print-details all $B/lasuite $B4 --mode fwdbwd > $R/ncu_fwdbwd4k.txt 2>&1; el "ncu fwdbwd rc=$?"
for f in $R/ncu_fwd4k.txt $R/ncu_fwdbwd4k.txt; do
  grep -E "la2_wgmma_kernel<|Duration|Warp Cycles Per Issued|stalled_(barrier|long_scoreboard|wait|math|short_scoreboard|mio|lg_throttle|dispatch|membar|sleeping|branch|no_instruction|tex|selected|not_selected|misc|drain|imc)" $f | cut -c1-150 | head -60
done

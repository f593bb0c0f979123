#!/usr/bin/env bash
# Session 26 call 7: why output_warpgroups=2 was no faster (call 6): ncu of one forward at b1 h32 d128 n4k
# bf16 under one_pass=off, with one output warpgroup and with two: both kernels of each (the states
# step and the output step), duration, throughput and stall reasons.
CALL=call7 TARGETS="lasuite"
source results/h200/scripts_s26/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
B4="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --seqlen 4k --mode fwd --warmup 1 --repeats 3 --min-time 0 --impl-option one_pass=off"
M="regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio"
for x in one two; do
  opt=""; [[ $x == two ]] && opt="--impl-option output_warpgroups=2"
  timeout 50 ncu --kernel-name-base demangled --kernel-name regex:"la2_(wgmma|pingpong)_kernel" --launch-skip 2 --launch-count 2 \
    --section SpeedOfLight --section WarpStateStats --metrics "$M" --print-details all $B/lasuite $B4 $opt > $R/ncu_$x.txt 2>&1; el "ncu $x rc=$?"
  grep -E "kernel<|Duration|Warp Cycles Per Issued|stalled_(barrier|long_scoreboard|wait|gmma|no_instruction|dispatch_stall|short_scoreboard)_" $R/ncu_$x.txt | cut -c1-120
done

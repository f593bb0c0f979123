#!/usr/bin/env bash
# Session 26 call 2: why value_windows=narrow lost (call 1: forward 18-24 % slower at 4k..128k). ncu on
# one forward at b1 h32 d128 n16k bf16, the output kernel of each plan (wide: the native 128 x 128 TMA
# step; narrow: the paired 128 x 64 one): speed of light, compute and memory workloads, warp states,
# occupancy. And the option at 128 x 256 h16 (windows of 64 at two blocks an SM against windows of 128),
# forward and forward+backward at 4k and 16k, alternated twice.
CALL=call2 TARGETS="lasuite"
source results/h200/scripts_s26/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BF="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwd --seqlen 16k --warmup 1 --repeats 3 --min-time 0"
for x in wide narrow; do
  opt=""; [[ $x == narrow ]] && opt="--impl-option value_windows=narrow"
  timeout 100 ncu --kernel-name-base demangled --kernel-name regex:"la2_wgmma_kernel" --launch-skip 1 --launch-count 1 \
    --section SpeedOfLight --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis --section WarpStateStats \
    --section SchedulerStats --section Occupancy --section LaunchStats $B/lasuite $BF $opt > $R/ncu_$x.txt 2>&1; el "ncu $x rc=$?"
  grep -E "la2_wgmma_kernel|Duration|Compute \(SM\) Throughput|Memory Throughput|DRAM Throughput|L1/TEX Hit|L2 Hit|Shared|Issue Slots Busy|Executed Ipc A|Registers Per|Achieved Occupancy|Block Limit|No Eligible|Local" $R/ncu_$x.txt | head -30
done
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 16 --dim 128 --dim-v 256"
for round in 1 2; do for x in wide narrow; do
  opt=""; [[ $x == narrow ]] && opt="--impl-option value_windows=narrow"
  timeout 40 $B/lasuite $BN --mode fwd,fwdbwd --seqlen 4k,16k $opt --json $R/d128x256_${x}_r$round.json > $R/d128x256_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128x256_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"

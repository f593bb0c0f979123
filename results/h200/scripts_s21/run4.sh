#!/usr/bin/env bash
# Session 21 call 4: why the fused pass's dK on the state warpgroup (d9c9dee, reverted) ran no faster:
# ncu on one forward+backward at b1 h32 d128 n128k bf16, the tree at d9c9dee (.dev/s21/new) against
# d070932's (.dev/s21/base, the kernels kept): every la2 kernel's duration, and the dense dual step's
# scheduler, warp-state and pipe sections.
CALL=call4 TARGETS="lasuite"
source results/h200/scripts_s21/prelude.sh
base_build $ROOT/.dev/s21/base > $R/base_build.log 2>&1 &
(cmake -S .dev/s21/new -B /tmp/bld_new -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake_new.log 2>&1 && ninja -C /tmp/bld_new lasuite > $R/ninja_new.log 2>&1); el "new built rc=$?"
wait; el "base built"; ls $B/lasuite_base /tmp/bld_new/lasuite || exit 1
BW="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --seqlen 128k --heads 32 --dim 128 --warmup 1 --repeats 1 --min-time 0"
for x in new base; do
  bin=/tmp/bld_new/lasuite; [[ $x == base ]] && bin=$B/lasuite_base
  timeout 80 ncu --kernel-name-base demangled --kernel-name regex:la2_ --launch-count 8 --section SpeedOfLight $bin $BW > $R/ncu_all_$x.txt 2>&1; el "ncu all $x rc=$?"
  grep -E "la2_wgmma_kernel|la2_chunk|Duration" $R/ncu_all_$x.txt | sed -E 's/\(std::conditional.*//' | cut -c1-140
  timeout 90 ncu --kernel-name-base demangled --kernel-name regex:"true, false, true, 1>" --launch-count 1 --section SpeedOfLight --section SchedulerStats \
    --section WarpStateStats --section ComputeWorkloadAnalysis --section Occupancy $bin $BW > $R/ncu_dual_$x.txt 2>&1; el "ncu dual $x rc=$?"
done
for x in new base; do echo "== $x"; grep -E "Duration|Issue Slots Busy|Eligible Warps|No Eligible|Executed Ipc A|Stall|Tensor|Pipe|One or More" $R/ncu_dual_$x.txt | head -30 | cut -c1-120; done

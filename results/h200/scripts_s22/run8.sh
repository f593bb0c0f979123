#!/usr/bin/env bash
# Session 22 call 8: where d64 n64k (bar 60, at 54.6-55.5) and b1 h16 d128 n1M (bar 56, at 53.8-55.8)
# spend their forward+backward: ncu's duration and DRAM share of every la2 kernel (ncu's clocks), 45d5ea0's
# kernels, and each row's plan (segments) from a bench run of one forward+backward.
CALL=call8 TARGETS="lasuite"
source results/h200/scripts_s22/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BW="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --warmup 1 --repeats 1 --min-time 0"
timeout 90 ncu --kernel-name-base demangled --kernel-name regex:"la2_|segment_scan" --launch-count 16 --section SpeedOfLight --section LaunchStats \
  $B/lasuite $BW --seqlen 64k --heads 32 --dim 64 > $R/ncu_d64_64k.txt 2>&1; el "ncu d64 rc=$?"
grep -E "la2_wgmma_kernel|la2_chunk|scan_kernel|Duration|DRAM Through|Grid Size" $R/ncu_d64_64k.txt | sed -E 's/\(conditional.*\) \(/ (/' | cut -c1-120 | tail -24
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"la2_|segment_scan" --launch-count 9 --section SpeedOfLight --section LaunchStats \
  $B/lasuite $BW --seqlen 1M --heads 16 --dim 128 --warmup 0 > $R/ncu_1M.txt 2>&1; el "ncu 1M rc=$?"
grep -E "la2_wgmma_kernel|la2_chunk|scan_kernel|Duration|DRAM Through|Grid Size" $R/ncu_1M.txt | sed -E 's/\(conditional.*\) \(/ (/' | cut -c1-120
# The 1M ncu above failed (bench refuses --warmup 0); it was rerun inline on the same warm machine as
#   ncu ... --launch-count 9 --section SpeedOfLight --section LaunchStats $B/lasuite bench ... --mode fwdbwd \
#     --warmup 1 --repeats 1 --min-time 0 --seqlen 1M --heads 16 --dim 128 > $R/ncu_1M.txt
# and $R tarred into $OUT (call8_logs_45d5ea0.tgz holds both reports).

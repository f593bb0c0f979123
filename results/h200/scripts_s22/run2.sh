#!/usr/bin/env bash
# Session 22 call 2, run on call 1's warm machine (its builds in /tmp/bld), given inline: call 1's ncu
# filter matched no kernel (ncu names template arguments "(bool)0"), so the states step's ncu again,
# 9282716 (new) against 5c2ca38 (base). Files: ncu_states_{new,base}.txt.
B=/tmp/bld; R=/tmp/r2; mkdir -p $R
BW="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --seqlen 128k --heads 32 --dim 128 --warmup 1 --repeats 1 --min-time 0"
for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && bin=$B/lasuite_base
  timeout 70 ncu --kernel-name-base demangled --kernel-name regex:'\(bool\)0, \(bool\)0, \(bool\)0, \(int\)0>' --launch-count 1 --section SpeedOfLight --section WarpStateStats --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats --section SchedulerStats $bin $BW > $R/ncu_states_$x.txt 2>&1
  echo "ncu $x rc=$?"
done
cp $R/* $OUT/

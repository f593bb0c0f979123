#!/usr/bin/env bash
# Session 40: ncu's per-instruction warp-stall sampling of the backward's three kernels at b1 h32 d128 bf16 4k and
# 16k (the fused pass's states step, the dQ pass, the dual output step: the states-first order of both lengths),
# one kernel a report with its duration and DRAM throughput (SpeedOfLight, added after call 2's H100 run), each summarised by scripts/ncu_stall_summary.py (the reasons' shares, the 40 most-sampled
# SASS instructions). Session 33 took the forward's (results/h200/s33/call1_fwd_{4k,16k}_stalls_*.txt); the
# backward is 70 % of the 4k forward+backward (ncu durations: states 18.3, dQ 39.5, dual 60.5 of 171 us) and no
# stall profile of it was taken. The timed run's kernels follow the warm-up's four (forward, states step, dQ pass,
# dual step), and the timed forward is the fifth launch. Run as `SESSION=sNN COMMIT=<commit> bash results/h200/scripts_s40/profile_backward.sh`.
CALL=${CALL:-call_profile} TARGETS="lasuite"
source scripts/device_call_prelude.sh
# A warm machine's tree may still hold the A/B's patch (run1.sh applies it in place): profile main.
if patch -R -p1 --dry-run -s < results/h200/scripts_s37/aligned_handovers.patch > /dev/null 2>&1; then
  patch -R -p1 -s < results/h200/scripts_s37/aligned_handovers.patch; el "aligned_handovers.patch taken back out"
fi
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"
BENCH1="$B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --warmup 1 --repeats 1 --min-time 0 --mode fwdbwd"
profile() {  # name, launches to skip (one taken), bench arguments
  local name=$1 skip=$2; shift 2
  (( $(date +%s) - T0 < ${PROFILE_DEADLINE:-500} )) || { el "profile $name skipped: past ${PROFILE_DEADLINE:-500} s"; return; }
  timeout 90 ncu --clock-control none --kernel-name regex:la2_ --launch-skip $skip --launch-count 1 \
    --section SpeedOfLight --section WarpStateStats --section SourceCounters --import-source yes \
    -o $R/$name $BENCH1 "$@" > $R/ncu_$name.log 2>&1; el "ncu $name rc=$?"
  ncu -i $R/$name.ncu-rep --page details > $R/${name}_details.txt 2>&1
  ncu -i $R/$name.ncu-rep --page source --csv --print-source sass > $R/${name}_sass.csv 2> $R/${name}_sass.err
  python3 scripts/ncu_stall_summary.py $R/${name}_sass.csv > $R/${name}_stalls.txt 2>&1
  el "$name: $(grep -m1 -oE 'la2_[a-z_]+<[^(]{0,110}' $R/${name}_details.txt), $(grep -m1 -E '^ +Duration' $R/${name}_details.txt | tr -s ' '), $(grep -m1 -E '^ +DRAM Throughput' $R/${name}_details.txt | tr -s ' ')"
  head -16 $R/${name}_stalls.txt; gzip -f $R/${name}_sass.csv; rm -f $R/$name.ncu-rep
}
for n in 4k 16k; do
  profile bwd_states_$n 5 --seqlen $n
  profile bwd_dq_$n 6 --seqlen $n
  profile bwd_dual_$n 7 --seqlen $n
done

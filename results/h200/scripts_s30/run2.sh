#!/usr/bin/env bash
# Session 30 call 2: what skipping the zero k-steps at d = 96 would buy, before plumbing a compile-time
# count: a probe tree (.dev/s30/probe: 8ff996c with Q K^T, Q S, X V^T and X S^T at 6 k-steps in every
# kernel 128 wide, so only 96 x 96 is right) against 8ff996c (90dbf19's kernels), 96 x 96 h42 at 4k and
# 16k, forward and forward+backward, alternated twice, after la2's verify of the probe at d = 96. Then
# session 29's run6: ncu of 128 x 256 h16 forward+backward at 16k (issue 16's backward past 128).
# Run as `SESSION=s30 COMMIT=8ff996c bash results/h200/scripts_s30/run2.sh`.
CALL=call2 TARGETS="lasuite"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/s30/probe > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"
wait; el "probe built"; cat $R/base_build.txt
echo "serialised wgmma notes (C7515/C7520): main $(grep -cE 'C75(15|20)' $R/ninja.log) probe $(grep -cE 'C75(15|20)' $R/ninja_base.log)"
timeout 120 $B/lasuite_base verify --device cuda --skip-defaults --impl la2 --dtype bf16 --dim 96 --long 300,4k --state \
  > $R/verify_probe_d96.log 2>&1; el "probe verify d96 rc=$?"; tail -n 1 $R/verify_probe_d96.log
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96"
for round in 1 2; do for bin in main probe; do
  exe=$B/lasuite; [[ $bin == probe ]] && exe=$B/lasuite_base
  timeout 60 $exe $BN --json $R/d96_${bin}_r$round.json > $R/d96_${bin}_r$round.log 2>&1
  echo "== d96 $bin round $round"; grep -hE "^\| la2" $R/d96_${bin}_r$round.log | cut -c1-110
done; done; el "A/B done"
timeout 200 ncu --clock-control none --cache-control none --kernel-name-base demangled --kernel-name regex:"la2_|tile" \
  --launch-skip 0 --launch-count 80 \
  --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sector_hit_rate.pct \
  $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 16 --dim 128 --dim-v 256 --seqlen 16k \
  --mode fwdbwd --warmup 1 --repeats 1 --min-time 0 > $R/ncu_d128_e256.txt 2>&1; el "ncu d128 e256 rc=$?"
grep -E "^  void|^  la2|duration|bytes_read|bytes_write|hit_rate" $R/ncu_d128_e256.txt | sed -E 's/\(conditional.*//; s/\(std::conditional.*//; s/<__nv_bfloat16, //' | cut -c1-100 | head -60

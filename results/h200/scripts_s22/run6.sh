#!/usr/bin/env bash
# Session 22 call 6: where short sequences lose (forward+backward at 4k is at 22 M tokens/s, 128k at 27):
# the plan options at b1 h32 d128 bf16 forward+backward, 4k and 16k (and one_pass=all at 64k, 128k),
# alternated twice, on 45d5ea0's kernels; ncu's duration of every la2 kernel in one forward+backward at 4k.
CALL=call6 TARGETS="lasuite"
source results/h200/scripts_s22/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --heads 32 --dim 128"
for round in 1 2; do
  for opt in default one_pass=all segments=2 segments=3 segments=6 segments=8 scan=kernel; do
    o=(); [[ $opt != default ]] && o=(--impl-option $opt)
    timeout 30 $B/lasuite $BN --seqlen 4k,16k "${o[@]}" --json $R/short_${opt/=/_}_r$round.json > $R/short_${opt/=/_}_r$round.log 2>&1
    echo "== $opt round $round"; grep -hE "^\| la2" $R/short_${opt/=/_}_r$round.log | cut -c1-100
  done
  for opt in default one_pass=all; do
    o=(); [[ $opt != default ]] && o=(--impl-option $opt)
    timeout 30 $B/lasuite $BN --seqlen 64k,128k "${o[@]}" --json $R/long_${opt/=/_}_r$round.json > $R/long_${opt/=/_}_r$round.log 2>&1
    echo "== $opt round $round"; grep -hE "^\| la2" $R/long_${opt/=/_}_r$round.log | cut -c1-100
  done
done; el "sweep done"
timeout 60 ncu --kernel-name-base demangled --kernel-name regex:"la2_|segment_scan" --launch-count 10 --section SpeedOfLight \
  $B/lasuite $BN --seqlen 4k --warmup 1 --repeats 1 --min-time 0 > $R/ncu_4k.txt 2>&1; el "ncu 4k rc=$?"
grep -E "la2_wgmma_kernel|la2_chunk|scan|Duration|DRAM Through" $R/ncu_4k.txt | sed -E 's/\(conditional.*\) \(/ (/' | cut -c1-130

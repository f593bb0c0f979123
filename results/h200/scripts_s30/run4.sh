#!/usr/bin/env bash
# Session 30 call 4: 96 x 96 h42 at 4k (issue 16's forward bar, 0.48 of the floor after 9425c14) under
# plans other than the default, one binary (d98544c's kernels), forward and forward+backward, alternated
# three times: one_pass=off (two kernels; session 29: +3 % forward, -2 % forward+backward), with scan=kernel,
# segments=2 (one pass, 84 blocks), one_pass=off with segments=4; the default with the ceilings once (the
# fraction). Run as `SESSION=s30 COMMIT=<commit> bash results/h200/scripts_s30/run4.sh`.
CALL=call4 TARGETS="lasuite"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --heads 42 --dim 96 --seqlen 4k"
timeout 60 $B/lasuite $BN --json $R/d96_default_ceilings.json > $R/d96_default_ceilings.log 2>&1
echo "== default, with ceilings"; grep -hE "^\| la2" $R/d96_default_ceilings.log | cut -c1-130
for round in 1 2 3; do for x in default two two_scan_kernel seg2 two_seg4; do
  opt=()
  [[ $x == two ]] && opt=(--impl-option one_pass=off)
  [[ $x == two_scan_kernel ]] && opt=(--impl-option one_pass=off --impl-option scan=kernel)
  [[ $x == seg2 ]] && opt=(--impl-option segments=2)
  [[ $x == two_seg4 ]] && opt=(--impl-option one_pass=off --impl-option segments=4)
  timeout 60 $B/lasuite $BN --no-ceilings "${opt[@]}" --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d96_${x}_r$round.log | cut -c1-110
done; done; el "options done"

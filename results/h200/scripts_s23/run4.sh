#!/usr/bin/env bash
# Session 23 call 4 (options only, no code change): the forward as a states step in halves and its
# outputs (one_pass=off states_halves=on) against the default one-kernel forward and against two kernels
# with whole segments (one_pass=off states_halves=off); forward and forward+backward at b1 h32 d128
# 16k, 64k, 128k and the forward at b1 h16 d128 1M, alternated twice. (states_halves=on also halves the
# fused pass's states step at 16k, where auto does not: call 1 measured that 0.6 % slower.)
CALL=call4 TARGETS="lasuite"
source results/h200/scripts_s23/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in default two_halves two_whole; do
  opt=""; [[ $x == two_halves ]] && opt="--impl-option one_pass=off --impl-option states_halves=on"
  [[ $x == two_whole ]] && opt="--impl-option one_pass=off --impl-option states_halves=off"
  timeout 60 $B/lasuite $BN --mode fwd,fwdbwd --seqlen 16k,64k,128k --heads 32 --dim 128 $opt --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 30 $B/lasuite $BN --mode fwd --seqlen 1M --heads 16 --dim 128 $opt --json $R/1M_${x}_r$round.json > $R/1M_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/{d128,1M}_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"

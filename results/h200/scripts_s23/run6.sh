#!/usr/bin/env bash
# Session 23 call 6 (options only, 66ab75e's plans and 12dd961's kernels): the states step in halves
# where auto does not take it: d64 h32 n64k forward+backward (the fused pass's 7 x 32 states blocks,
# halves of 64 chunks; and the forward's too with one_pass=off); 96 x 96 h42 forward at 4k and 16k
# (issue 16's 0.5 of the floor missed at 4k) under segments=2 and 4, one_pass=off, and the forward's
# halves asked; alternated twice.
CALL=call6 TARGETS="lasuite"
source results/h200/scripts_s23/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do
  for x in default on on_two; do
    opt=""; [[ $x == on ]] && opt="--impl-option states_halves=on"; [[ $x == on_two ]] && opt="--impl-option states_halves=on --impl-option one_pass=off"
    timeout 30 $B/lasuite $BN --mode fwd,fwdbwd --seqlen 64k --heads 32 --dim 64 $opt --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
    echo "== d64 $x round $round"; grep -hE "^\| la2" $R/d64_${x}_r$round.log | cut -c1-100
  done
  for x in default s2 s4 two two_halves; do
    opt=""; [[ $x == s2 ]] && opt="--impl-option segments=2"; [[ $x == s4 ]] && opt="--impl-option segments=4"
    [[ $x == two ]] && opt="--impl-option one_pass=off"; [[ $x == two_halves ]] && opt="--impl-option one_pass=off --impl-option states_halves=on"
    timeout 30 $B/lasuite $BN --mode fwd --seqlen 4k,16k --heads 42 --dim 96 $opt --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
    echo "== d96 $x round $round"; grep -hE "^\| la2" $R/d96_${x}_r$round.log | cut -c1-120
  done
done; el "done"

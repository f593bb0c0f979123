#!/usr/bin/env bash
# Session 19 call 5: the cost model's multi-wave factor (the working tree): its default split against
# the previous default (segments=N for every pass, what 951605b chose), alternated twice, at the shapes
# where the pick changes: d96 h42 128k (forward and dQ 3 segments, the fused pass 22), b1 h16 d128 1M
# (8 and 33), h24 d128 128k (5 and 11).
CALL=call5 TARGETS="lasuite"
source results/h200/scripts_s19/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do
  for opt in default 22; do o=$([[ $opt == default ]] || echo "--impl-option segments=$opt")
    timeout 60 $B/lasuite $BN --heads 42 --dim 96 --seqlen 128k $o --json $R/d96_${opt}_r$round.json > $R/d96_${opt}_r$round.log 2>&1
    echo "d96 h42 $opt round $round"; grep -hE "^\| la2" $R/d96_${opt}_r$round.log | cut -c1-100; done
  for opt in default 33; do o=$([[ $opt == default ]] || echo "--impl-option segments=$opt")
    timeout 90 $B/lasuite $BN --heads 16 --dim 128 --seqlen 1M $o --json $R/1M_${opt}_r$round.json > $R/1M_${opt}_r$round.log 2>&1
    echo "h16 1M $opt round $round"; grep -hE "^\| la2" $R/1M_${opt}_r$round.log | cut -c1-100; done
  for opt in default 11; do o=$([[ $opt == default ]] || echo "--impl-option segments=$opt")
    timeout 60 $B/lasuite $BN --heads 24 --dim 128 --seqlen 128k $o --json $R/h24_${opt}_r$round.json > $R/h24_${opt}_r$round.log 2>&1
    echo "h24 128k $opt round $round"; grep -hE "^\| la2" $R/h24_${opt}_r$round.log | cut -c1-100; done
  el "round $round"
done

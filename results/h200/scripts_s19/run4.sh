#!/usr/bin/env bash
# Session 19 call 4: the cost model's split where one wave and several are near in its cost (951605b):
# its pick against the one-wave split, alternated twice, by --impl-option segments: d96 h42 128k
# (picks 22 segments, 7 waves; 3 is one wave, one pass), b1 h16 d128 n1M forward+backward (33, 4 waves,
# against 8), h24 d128 128k (11, 2 waves, against 5).
CALL=call4 TARGETS="lasuite"
source results/h200/scripts_s19/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do
  for s in 22 3; do
    timeout 60 $B/lasuite $BN --mode fwd,fwdbwd --heads 42 --dim 96 --seqlen 128k --impl-option segments=$s --json $R/d96_s${s}_r$round.json > $R/d96_s${s}_r$round.log 2>&1
    echo "d96 h42 segments=$s round $round"; grep -hE "^\| la2" $R/d96_s${s}_r$round.log | cut -c1-100
  done
  for s in 33 8; do
    timeout 90 $B/lasuite $BN --mode fwd,fwdbwd --heads 16 --dim 128 --seqlen 1M --impl-option segments=$s --json $R/1M_s${s}_r$round.json > $R/1M_s${s}_r$round.log 2>&1
    echo "h16 1M segments=$s round $round"; grep -hE "^\| la2" $R/1M_s${s}_r$round.log | cut -c1-100
  done
  for s in 11 5; do
    timeout 60 $B/lasuite $BN --mode fwd,fwdbwd --heads 24 --dim 128 --seqlen 128k --impl-option segments=$s --json $R/h24_s${s}_r$round.json > $R/h24_s${s}_r$round.log 2>&1
    echo "h24 128k segments=$s round $round"; grep -hE "^\| la2" $R/h24_s${s}_r$round.log | cut -c1-100
  done
  el "round $round"
done

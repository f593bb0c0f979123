#!/usr/bin/env bash
# Session 23 call 3: b1 h16 d128 n1M forward+backward at the default plan (33 segments for the fused
# pass, several waves, no halves) against 8 segments (one wave; its states step in halves by default)
# and 8 segments without halves, alternated twice; the record of issue 14's shapes (b1 h32 d128 4k..128k,
# b8 n8k, d64 n64k, b1 h16 1M; forward and forward+backward, with ceilings); verify of the 1M case with
# a state (session 22's call 9 ran out of time for it). Builds only if call 1's build is not there.
CALL=call3 TARGETS="lasuite"
source results/h200/scripts_s23/prelude.sh
[[ -x $B/lasuite ]] || { ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; }
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do
  for x in default s8 s8_whole; do
    opt=""; [[ $x == s8 ]] && opt="--impl-option segments=8"; [[ $x == s8_whole ]] && opt="--impl-option segments=8 --impl-option states_halves=off"
    timeout 40 $B/lasuite $BN --mode fwdbwd --seqlen 1M --heads 16 --dim 128 $opt --json $R/1M_${x}_r$round.json > $R/1M_${x}_r$round.log 2>&1
    echo "== $x round $round"; grep -hE "^\| la2" $R/1M_${x}_r$round.log | cut -c1-100
  done
done; el "1M A/B done"
BR="bench --impl la2 --dtype bf16 --decay alibi"
timeout 60 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "rec d128 rc=$?"
timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 8k --batch 8 --heads 32 --dim 128 --json $R/rec_b8.json > $R/rec_b8.log 2>&1; el "rec b8 rc=$?"
timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/rec_d64.json > $R/rec_d64.log 2>&1; el "rec d64 rc=$?"
timeout 50 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 1M --heads 16 --dim 128 --json $R/rec_1M.json > $R/rec_1M.log 2>&1; el "rec 1M rc=$?"
grep -hE "^\| la2" $R/rec_*.log | cut -c1-140
timeout 240 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 1M --long-heads 16 --state --json $R/verify_la2_bf16_1M_state.json > $R/verify_la2_bf16_1M_state.log 2>&1; el "verify 1M state rc=$?"; tail -n 3 $R/verify_la2_bf16_1M_state.log

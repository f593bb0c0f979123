#!/usr/bin/env bash
# Session 23 call 5: the forward as a states step in halves and its outputs where a half walks 256
# chunks (66ab75e, a plan rule; the kernels are call 1's). la2's GPU tests; verify of la2 bf16 at b1 h32
# d128 n128k (2 sampled heads: the plan is the 32 heads', the forward's and the fused pass's states
# steps in halves), with and without a state; the default against states_halves=off (the one-kernel
# forward, whole states steps) at b1 h32 d128 128k and b1 h16 d128 1M, forward and forward+backward,
# alternated twice; the record of issue 14's shapes with ceilings.
CALL=call5 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s23/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
timeout 120 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 128k --long-heads 32 --json $R/verify_la2_bf16_128k_h32.json > $R/verify_la2_bf16_128k_h32.log 2>&1; el "verify 128k h32 rc=$?"; tail -n 1 $R/verify_la2_bf16_128k_h32.log
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in default whole; do
  opt=""; [[ $x == whole ]] && opt="--impl-option states_halves=off"
  timeout 40 $B/lasuite $BN --mode fwd,fwdbwd --seqlen 128k --heads 32 --dim 128 $opt --json $R/128k_${x}_r$round.json > $R/128k_${x}_r$round.log 2>&1
  timeout 50 $B/lasuite $BN --mode fwd,fwdbwd --seqlen 1M --heads 16 --dim 128 $opt --json $R/1M_${x}_r$round.json > $R/1M_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/{128k,1M}_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
BR="bench --impl la2 --dtype bf16 --decay alibi"
timeout 60 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "rec d128 rc=$?"
timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 8k --batch 8 --heads 32 --dim 128 --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/rec_d64.json > $R/rec_d64.log 2>&1
grep -hE "^\| la2" $R/rec_*.log | cut -c1-140; el "record done"

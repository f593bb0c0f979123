#!/usr/bin/env bash
# Session 21 call 5: call 4's ncu had the fused pass's states step (96 blocks: 32 heads x 3 segments, on
# 132 SMs) at 0.69 ms and 48 % of DRAM, ahead of the dual output step's later segments. The cost model now
# splits that step as far as one wave of it holds (states_split 2 at b1 h32 d128). A/B in one binary: the
# default plan against `--impl-option states_split=1` (the plans before), forward+backward, alternated
# twice; then la2's plan tests and verify (bf16 with 128k, the new plan's path). Trimmed to the device time left.
CALL=call5 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s21/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd"
for round in 1 2; do for split in auto 1; do
  timeout 40 $B/lasuite $BN --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --impl-option states_split=$split --json $R/d128_split${split}_r$round.json > $R/d128_split${split}_r$round.log 2>&1
  timeout 30 $B/lasuite $BN --seqlen 1M --heads 16 --dim 128 --impl-option states_split=$split --json $R/1M_split${split}_r$round.json > $R/1M_split${split}_r$round.log 2>&1
  echo "== states_split=$split round $round"; grep -hE "^\| la2" $R/{d128,1M}_split${split}_r$round.log | cut -c1-100
done; done; el "A/B done"
timeout 60 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.*' > $R/tests.txt 2>&1; el "plan tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head
timeout 70 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --long 128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify rc=$?"; tail -n 1 $R/verify_la2_bf16_long.log

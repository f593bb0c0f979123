#!/usr/bin/env bash
# Session 21 call 5: call 4's ncu had the fused pass's states step (96 blocks: 32 heads x 3 segments, on
# 132 SMs) at 0.69 ms and 48 % of DRAM, ahead of the dual output step's later segments. Does splitting it
# (`--impl-option states_split=2` / 4: 192 / 384 blocks, each a half / quarter of a segment) shorten the
# backward? The option splits every pass's states step, so the forward becomes two kernels: timed as
# `--mode bwd` (the dQ pass reads the forward's segment data in the forward's split), alternated twice.
CALL=call5 TARGETS="lasuite"
source results/h200/scripts_s21/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode bwd"
for round in 1 2; do for split in auto 2 4; do
  timeout 40 $B/lasuite $BN --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --impl-option states_split=$split --json $R/bwd_d128_split${split}_r$round.json > $R/bwd_d128_split${split}_r$round.log 2>&1
  timeout 30 $B/lasuite $BN --batch 8 --seqlen 8k --heads 32 --dim 128 --impl-option states_split=$split --json $R/bwd_b8_split${split}_r$round.json > $R/bwd_b8_split${split}_r$round.log 2>&1
  timeout 30 $B/lasuite $BN --seqlen 1M --heads 16 --dim 128 --impl-option states_split=$split --json $R/bwd_1M_split${split}_r$round.json > $R/bwd_1M_split${split}_r$round.log 2>&1
  echo "== states_split=$split round $round"; grep -hE "^\| la2" $R/bwd_{d128,b8,1M}_split${split}_r$round.log | cut -c1-100
done; done; el "done"

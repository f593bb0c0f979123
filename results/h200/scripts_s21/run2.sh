#!/usr/bin/env bash
# Session 21 call 2: the record of the session's kernels with ceilings (issue 14's shapes: b1 h32 d128
# 4k..128k, b8 n8k, d64 n64k, b1 h16 d128 n1M forward+backward; the packed 256k batch and 96 x 96 h42,
# whose backward runs the changed fused pass too), after la2's verify (bf16 with 16k and 128k, f16, f32).
CALL=call2 TARGETS="lasuite"
source results/h200/scripts_s21/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
check_la2 new $B/lasuite
BR="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd"
timeout 90 $B/lasuite $BR --heads 32 --dim 128 --seqlen 4k,16k,64k,128k --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "d128 rc=$?"
timeout 40 $B/lasuite $BR --heads 32 --dim 64 --seqlen 64k --json $R/rec_d64.json > $R/rec_d64.log 2>&1
timeout 40 $B/lasuite $BR --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwdbwd --heads 16 --dim 128 --seqlen 1M --json $R/rec_d128_h16_1M.json > $R/rec_d128_h16_1M.log 2>&1
el "dense"
grep -hE "^\| la2" $R/rec_d128.log $R/rec_d64.log $R/rec_b8.log $R/rec_d128_h16_1M.log | cut -c1-150
timeout 60 $B/lasuite $BR --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --json $R/rec_packed.json > $R/rec_packed.log 2>&1; el "packed rc=$?"
grep -hE "^\| la2" $R/rec_packed.log | cut -c1-150
left=$(( 585 - ($(date +%s) - T0) ))
timeout $left $B/lasuite $BR --heads 42 --dim 96 --seqlen 4k,16k,64k,128k --json $R/rec_d96_e96_h42.json > $R/rec_d96_e96_h42.log 2>&1; el "d96 rc=$?"
grep -hE "^\| la2" $R/rec_d96_e96_h42.log | cut -c1-150

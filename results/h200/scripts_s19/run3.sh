#!/usr/bin/env bash
# Session 19 call 3: the record of the session's kernels with ceilings: b1 h32 d128 4k..128k, b8 n8k,
# d64 n64k, b1 h16 d128 n1M forward+backward, the head-dim bar shapes (96 x 96 h42, 192 x 192 h21,
# 256 x 256 h16, 128 x 256 h16) at 4k..128k, 72 x 120 h32, and the packed 256k batch.
CALL=call3 TARGETS="lasuite"
source results/h200/scripts_s19/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BR="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd"
timeout 90 $B/lasuite $BR --heads 32 --dim 128 --seqlen 4k,16k,64k,128k --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "d128 rc=$?"
timeout 40 $B/lasuite $BR --heads 32 --dim 64 --seqlen 64k --json $R/rec_d64.json > $R/rec_d64.log 2>&1
timeout 40 $B/lasuite $BR --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwdbwd --heads 16 --dim 128 --seqlen 1M --json $R/rec_d128_h16_1M.json > $R/rec_d128_h16_1M.log 2>&1
timeout 60 $B/lasuite $BR --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --json $R/rec_packed.json > $R/rec_packed.log 2>&1
el "dense and packed"
grep -hE "^\| la2" $R/rec_d128.log $R/rec_d64.log $R/rec_b8.log $R/rec_d128_h16_1M.log $R/rec_packed.log | cut -c1-150
for s in "96 96 42" "72 120 32" "192 192 21" "256 256 16" "128 256 16"; do
  set -- $s
  timeout 100 $B/lasuite $BR --heads $3 --dim $1 --dim-v $2 --seqlen 4k,16k,64k,128k --json $R/rec_d$1_e$2_h$3.json > $R/rec_d$1_e$2_h$3.log 2>&1
  el "d$1 e$2 rc=$?"; grep -hE "^\| la2" $R/rec_d$1_e$2_h$3.log | cut -c1-150
done

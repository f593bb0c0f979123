#!/usr/bin/env bash
# Session 28 call 5, at call 4's code (backward_order=auto the default): the record rows with the machine's
# ceilings, b1 h32 d128 bf16 4k..128k forward and forward+backward, and b1 h16 d128 n1M forward+backward.
CALL=call5 TARGETS="lasuite"
source results/h200/scripts_s28/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"
BR="bench --impl la2 --dtype bf16 --decay alibi"
timeout 70 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 4k,8k,16k,32k,64k,128k --heads 32 --dim 128 --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "rec d128 rc=$?"
timeout 120 $B/lasuite $BR --no-ceilings --mode fwdbwd --seqlen 1M --heads 16 --dim 128 --json $R/rec_1m.json > $R/rec_1m.log 2>&1; el "rec 1M rc=$?"
grep -hE "^\| la2" $R/rec_d128.log $R/rec_1m.log | cut -c1-140

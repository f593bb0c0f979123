#!/usr/bin/env bash
# Session 20 call 2: the record of issue 16's head-dim shapes on 4a97e53 (value tiles by TMA), with
# ceilings, 4k..128k, and fla's chunk kernel (external runner, .ext carried) beside it in the same call
# at 96 x 96 h42 and 192 x 192 h21, the two shapes never measured beside la2 in one call. The Triton
# cache comes back in $OUT.
CALL=call2 TARGETS="lasuite"
source results/h200/scripts_s20/prelude.sh
export TRITON_CACHE_DIR=/tmp/triton_cache TRITON_CACHE_AUTOTUNING=1
finish() { tar czf $OUT/s20_$CALL.tgz -C /tmp res_$CALL; tar czf $OUT/triton_cache.tgz -C /tmp triton_cache 2>/dev/null; }
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
H="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k"
for s in "96 96 42" "192 192 21" "256 256 16" "128 256 16" "72 120 32"; do set -- $s
  f=rec_d$1_e$2_h$3
  timeout 90 $B/lasuite $H --heads $3 --dim $1 --dim-v $2 --json $R/$f.json > $R/$f.log 2>&1; el "la2 $1 x $2 h$3 rc=$?"
  grep -hE "^\| la2" $R/$f.log | cut -c1-140
done
fla() { timeout $4 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 \
    --mode fwd,fwdbwd --git-commit ${COMMIT} --json $R/fla_d$1_e$2_h$3.json > $R/fla_d$1_e$2_h$3.log 2>&1; el "fla d$1 e$2 rc=$?"
  grep -E "agree|\] ext" $R/fla_d$1_e$2_h$3.log | tail -10 | cut -c1-160; }
fla 96 96 42 210
fla 192 192 21 $(( 585 - ($(date +%s) - T0) ))

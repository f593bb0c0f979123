#!/usr/bin/env bash
# Session 20 call 3: issue 16's remaining peer rows beside la2 (4a97e53's kernels) in one call: the packed
# 256k batch (31 seeded log-uniform sequences, h32 d128; fla with the same lengths as cu_seqlens) and
# 256 x 256 h16 and 128 x 256 h16, 4k..128k, fla's chunk kernel from the external runner (.ext carried).
CALL=call3 TARGETS="lasuite"
source results/h200/scripts_s20/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --packed loguniform:1..64k,total=256k,seed=7 \
  --heads 32 --dim 128 --json $R/la2_packed_256k.json > $R/la2_packed_256k.log 2>&1; el "la2 packed rc=$?"
python3 -c "
import json; d=json.load(open('$R/la2_packed_256k.json'))
for r in d['rows']: print(r['mode'], r['packed'][:60], 'tok/s', r.get('tokens_per_s'), 'equal', r.get('equal_length_tokens_per_s'))"
H="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k"
for s in "256 256 16" "128 256 16"; do set -- $s
  timeout 60 $B/lasuite $H --heads $3 --dim $1 --dim-v $2 --json $R/la2_d$1_e$2_h$3.json > $R/la2_d$1_e$2_h$3.log 2>&1; el "la2 $1 x $2 rc=$?"
  grep -hE "^\| la2" $R/la2_d$1_e$2_h$3.log | cut -c1-110
done
LENGTHS="75,1,21802,642,151,16,179,38,4,98,3,41997,26401,15731,14504,437,17244,37,959,4442,1774,3,46,110,22236,42209,2,91,22066,100,28746"
timeout 240 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --packed $LENGTHS --heads 32 --dim 128 \
  --mode fwd,fwdbwd --no-check --no-ceilings --git-commit ${COMMIT} --json $R/fla_packed_256k.json > $R/fla_packed.log 2>&1; el "fla packed rc=$?"
grep -E "\] ext" $R/fla_packed.log | cut -c1-160
fla() { timeout $4 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 \
    --mode fwd,fwdbwd --git-commit ${COMMIT} --json $R/fla_d$1_e$2_h$3.json > $R/fla_d$1_e$2_h$3.log 2>&1; el "fla d$1 e$2 rc=$?"
  grep -E "agree|\] ext" $R/fla_d$1_e$2_h$3.log | tail -10 | cut -c1-160; }
fla 256 256 16 170
fla 128 256 16 $(( 585 - ($(date +%s) - T0) ))

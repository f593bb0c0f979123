#!/usr/bin/env bash
# Session 21 call 3: issue 16's packed bar's missing peer row: fla's cu_seqlens forward+backward on the
# packed 256k batch (31 seeded log-uniform sequences, h32 d128, bf16; the lengths la2's
# loguniform:1..64k,total=256k,seed=7 draws), beside la2 on the same batch in the same call. fla's first
# call at a shape compiles and tunes its varlen kernels (it ran past 240 s in session 20), so it has the
# call's remaining time; its Triton cache comes back in $OUT.
CALL=call3 TARGETS="lasuite"
source results/h200/scripts_s21/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --packed loguniform:1..64k,total=256k,seed=7 \
  --heads 32 --dim 128 --json $R/la2_packed_256k.json > $R/la2_packed_256k.log 2>&1; el "la2 packed rc=$?"
python3 -c "
import json; d=json.load(open('$R/la2_packed_256k.json'))
for r in d['rows']: print(r['mode'], r['packed'][:60], 'tok/s', r.get('tokens_per_s'), 'equal', r.get('equal_length_tokens_per_s'))"
LENGTHS="75,1,21802,642,151,16,179,38,4,98,3,41997,26401,15731,14504,437,17244,37,959,4442,1774,3,46,110,22236,42209,2,91,22066,100,28746"
export TRITON_CACHE_DIR=/tmp/triton_cache
timeout $(( 570 - ($(date +%s) - T0) )) python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --packed $LENGTHS \
  --heads 32 --dim 128 --mode fwdbwd,fwd --no-check --no-ceilings --git-commit ${COMMIT} --json $R/fla_packed_256k.json > $R/fla_packed.log 2>&1
el "fla packed rc=$?"; grep -E "\] ext" $R/fla_packed.log | cut -c1-160
tar czf $OUT/triton_cache.tgz -C /tmp triton_cache 2>/dev/null; ls -la $OUT/triton_cache.tgz

#!/usr/bin/env bash
# Session 12 call 5: fla's chunk kernel forward+backward at the two head-dim bar shapes call 4 left
# (192 x 192 h21, 128 x 256 h16), 16k and 128k, to set beside la2's rows of call 3.
set -uo pipefail
R=/tmp/res; mkdir -p $R
finish() { tar czf $OUT/s12_call5.tgz -C /tmp res; }
trap finish EXIT
export TRITON_CACHE_DIR=$PWD/build_triton_cache
fla() { timeout $4 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --seqlen 16k,128k --heads $3 --dim $1 --dim-v $2 \
    --mode fwdbwd --git-commit ${COMMIT} --json $R/fla_d$1_e$2_h$3_fwdbwd.json > $R/fla_d$1_e$2_h$3_fwdbwd.log 2>&1; echo "fla d$1 e$2 rc=$? $(date +%T)"
  grep -E "agree|\] ext" $R/fla_d$1_e$2_h$3_fwdbwd.log | tail -3 | cut -c1-160; }
fla 192 192 21 150
[[ $SECONDS -lt 160 ]] && fla 128 256 16 120

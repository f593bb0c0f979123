#!/usr/bin/env bash
# Session 13 call 2: fla's chunk kernel forward and forward+backward at the head-dim bar shapes past
# 128 (192 x 192 h21, 256 x 256 h16, 128 x 256 h16), 4k..128k, in the same call as la2's rows at those
# shapes (51b3989, the value-tiled passes); then f32 at 128k without decay, where call 1 saw
# 128 x 256 (the head-dim tiles: value tiles are 16-bit only) just past the tolerance, beside the
# native 128 x 128. The Triton cache goes back in $OUT (the next call may carry it).
set -uo pipefail
R=/tmp/res; mkdir -p $R; N=/tmp/n; mkdir -p $N
finish() { tar czf $OUT/s13_call2.tgz -C /tmp res; tar czf $OUT/triton_cache.tgz build_triton_cache 2>/dev/null; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s13/n/lasuite.gz > $N/lasuite; chmod +x $N/lasuite
export LASUITE_GIT_COMMIT=${COMMIT} TRITON_CACHE_DIR=$PWD/build_triton_cache
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
H="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k"
for s in "192 192 21" "256 256 16" "128 256 16"; do set -- $s
  timeout 60 $N/lasuite $H --heads $3 --dim $1 --dim-v $2 --json $R/la2_d$1_e$2_h$3.json > $R/la2_d$1_e$2_h$3.log 2>&1; el "la2 $1x$2 rc=$?"
  grep -hE "^\| la2" $R/la2_d$1_e$2_h$3.log | cut -c1-120
done
fla() { timeout $4 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 \
    --mode fwd,fwdbwd --git-commit ${COMMIT} --json $R/fla_d$1_e$2_h$3.json > $R/fla_d$1_e$2_h$3.log 2>&1; el "fla d$1 e$2 rc=$?"
  grep -E "agree|\] ext" $R/fla_d$1_e$2_h$3.log | tail -10 | cut -c1-160; }
fla 192 192 21 170
fla 256 256 16 160
fla 128 256 16 150
for s in "128 128" "128 256"; do set -- $s
  timeout 45 $N/lasuite verify --device cuda --impl la2 --skip-defaults --no-state --dtype f32 --long 128k --long-heads 4 --dim $1 --dim-v $2 --json $R/verify_f32_$1x$2.json > $R/verify_f32_$1x$2.log 2>&1; el "verify f32 $1x$2 rc=$?"
  grep -E "^\| la2" $R/verify_f32_$1x$2.log | cut -c1-130
done

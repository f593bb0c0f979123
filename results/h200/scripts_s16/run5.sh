#!/usr/bin/env bash
# Session 16 call 5: 91971a0 = "own": a warpgroup waits for and fences only the chunks it
# copied; its bf16 kernels with 5472da0's la2_wgmma_kernel.cuh ("keys", the kernels verified in call 3).
# Verify of la2 (bf16, f16, f32) and the four sanitizers on own, then own against keys alternated
# twice (trimmed to fit the session's last 4 minutes of device time).
set -uo pipefail
R=/tmp/res5; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/s16_call5.tgz -C /tmp res5; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
ROOT=$PWD B=/tmp/bld
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
ninja -C $B lasuite > $R/ninja.log 2>&1; el "build rc=$?"
OBJ=CMakeFiles/lasuite_objs.dir/kernels/lightning2/la2_chunk_bf16.cu.o
CMD=$(cd $B && ninja -t commands lasuite | grep -F -- "-c $ROOT/kernels/lightning2/la2_chunk_bf16.cu")
LINK=$(cd $B && ninja -t commands lasuite | tail -1)
c=${CMD//-gencode=arch=compute_80,code=sm_80/}; c=${c/ -I$ROOT / -I$ROOT/.dev/s16/keys -I$ROOT }; c=${c//$OBJ/v_keys.o}
l=${LINK//$OBJ/v_keys.o}; l=${l/-o lasuite /-o lasuite_keys }
(cd $B && bash -c "$c" > $R/variant_keys.log 2>&1 && bash -c "$l" >> $R/variant_keys.log 2>&1 || echo "variant failed") &
N=$B/lasuite
timeout 100 $N verify --device cuda --impl la2 --dtype bf16,f16,f32 --json $R/verify_la2.json > $R/verify_la2.log 2>&1; el "verify rc=$?"; tail -1 $R/verify_la2.log
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40
source scripts/sanitizer_run.sh
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool d128_fused_segments3 $N $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool d128_e256_value_tiles $N $V --state --dtype f16 --long 300 --dim 128 --dim-v 256
done > /dev/null; el "sanitizers"; cut -c1-130 $R/sanitize.log
wait; cp $N $B/lasuite_own
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in keys own; do
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/b8_${x}_r$round.log | cut -c1-100
done; done; el "bench done"

#!/usr/bin/env bash
# Session 16 call 2. Built here: the working tree (2222f98: the decay table, 433f2fd; each output row
# to global memory by one bulk copy, 43e5857; the state warpgroup's refills while its products run,
# 1fb83d8; the key decays formed once, 2222f98: "keys"), and its bf16 kernels with la2_wgmma_kernel.cuh
# of c007a7d ("table": the decay table alone), 43e5857 ("bulk") and 1fb83d8 ("refill").
# la2's GPU tests, verify of la2 (bf16 with 16k and 128k and a packed batch, f16, f32), the four
# sanitizers on small cases of the changes (fused, in place at d = 96, value tiles, packed, and the
# mma.sync kernel in f32 for the table), then the four builds alternated twice, and the TMA probe
# (tma_probe.cu).
set -uo pipefail
R=/tmp/res2; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/s16_call2.tgz -C /tmp res2; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
ROOT=$PWD B=/tmp/bld
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
ninja -C $B lasuite lasuite_tests > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
OBJ=CMakeFiles/lasuite_objs.dir/kernels/lightning2/la2_chunk_bf16.cu.o
CMD=$(cd $B && ninja -t commands lasuite | grep -F -- "-c $ROOT/kernels/lightning2/la2_chunk_bf16.cu")
LINK=$(cd $B && ninja -t commands lasuite | tail -1)
variant() {  # name, include dir ahead of the tree, extra defines
  local c=${CMD//-gencode=arch=compute_80,code=sm_80/}
  c=${c/ -I$ROOT / -I$2 -I$ROOT $3 }
  c=${c//$OBJ/v_$1.o}
  local l=${LINK//$OBJ/v_$1.o}
  l=${l/-o lasuite /-o lasuite_$1 }
  (cd $B && bash -c "$c" > $R/variant_$1.log 2>&1 && bash -c "$l" >> $R/variant_$1.log 2>&1) || echo "variant $1 failed"; tail -5 $R/variant_$1.log
}
for v in table bulk refill; do variant $v $ROOT/.dev/s16/$v "" & done
(nvcc -arch=sm_90a -std=c++17 results/h200/scripts_s16/tma_probe.cu -o /tmp/tma_probe -lcuda > $R/tma_probe_build.log 2>&1) &
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
wait; el "variant and probe built"
timeout 20 /tmp/tma_probe > $R/tma_probe.txt 2>&1; cat $R/tma_probe.txt
N=$B/lasuite
timeout 150 $N verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify bf16 rc=$?"; tail -1 $R/verify_la2_bf16_long.log
timeout 90 $N verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32.json > $R/verify_la2_f16_f32.log 2>&1; el "verify f16 f32 rc=$?"; tail -1 $R/verify_la2_f16_f32.log
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45
source scripts/sanitizer_run.sh
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool d128_fused_segments3 $N $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool d96_in_place $N $V --state --dtype bf16 --long 300 --dim 96
  sanitizer_run $tool d128_e256_value_tiles $N $V --state --dtype f16 --long 300 --dim 128 --dim-v 256
  sanitizer_run $tool packed_d64 $N $V --dtype bf16 --dim 64 --packed 0,15,100,65,1 --long 70
  sanitizer_run $tool f32_d64_mma $N $V --state --dtype f32 --long 300 --dim 64
done; el "sanitizers done"
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
cp $N $B/lasuite_keys
for round in 1 2; do for x in table bulk refill keys; do
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --heads 32 --dim 64 --seqlen 64k --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/b8_${x}_r$round.log $R/d64_${x}_r$round.log | cut -c1-100
done; done; el "bench done"

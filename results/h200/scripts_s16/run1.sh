#!/usr/bin/env bash
# Session 16 call 1. Built here: the working tree (the decay table with zeros before lambda^0: the
# mask and the key decays without compare and select), its bf16 kernels with 347c33c's three la2
# headers ("base"), and its bf16 kernels with ablate.patch (LA2_ABLATE bits: 1 mask, 2 key decays,
# 4 S decay, 8 output stores to global, 16 tile copies, 32 S operand copy, 64 row decay; a timing
# experiment only, its outputs are wrong). Then la2's GPU tests (La2CudaPlans.* covers 2ba7f09),
# verify of la2, the table against base alternated twice, and the ablations.
set -uo pipefail
R=/tmp/res1; rm -rf $R; mkdir -p $R
finish() { tar czf $OUT/s16_call1.tgz -C /tmp res1; }
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
  (cd $B && bash -c "$c" > $R/variant_$1.log 2>&1 && bash -c "$l" >> $R/variant_$1.log 2>&1) || echo "variant $1 failed"
}
variant base $ROOT/.dev/s16/head "" &
for v in 1 2 4 8 16 32 64 103 24; do variant a$v $ROOT/.dev/s16/abl -DLA2_ABLATE=$v & done
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
wait; el "variants built"; ls $B/lasuite_* | tr '\n' ' '; echo
timeout 150 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify bf16 rc=$?"; tail -1 $R/verify_la2_bf16_long.log
timeout 90 $B/lasuite verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32.json > $R/verify_la2_f16_f32.log 2>&1; el "verify f16 f32 rc=$?"; tail -1 $R/verify_la2_f16_f32.log
cp $B/lasuite $B/lasuite_table
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in base table; do
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/b8_${x}_r$round.log | cut -c1-100
done; done; el "bench done"
for v in 1 2 4 8 16 32 64 103 24; do
  timeout 40 $B/lasuite_a$v $BN --heads 32 --dim 128 --seqlen 4k,128k --json $R/abl_a${v}.json > $R/abl_a$v.log 2>&1
  echo "== a$v"; grep -hE "^\| la2" $R/abl_a$v.log | cut -c1-100
done; el "ablations done"

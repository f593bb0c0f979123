#!/usr/bin/env bash
# Session 16 call 3. Built here: the working tree (03cda4d = "pf2": the decay table, the key decays
# formed once, and each refill prefetching into L2 the chunk two past its copies), its bf16 and f16
# kernels with 5472da0's la2_wgmma_kernel.cuh ("keys": no L2 prefetch), and its bf16 kernels with
# c007a7d's ("table") and with the prefetch 1 and 4 chunks ahead ("pf1", "pf4"). la2's GPU tests,
# verify of la2 and the four sanitizers on both pf2 and keys (one of them is the session's last
# kernel), then the five builds alternated twice.
set -uo pipefail
R=/tmp/res3; rm -rf $R; mkdir -p $R/san $R/san_keys
finish() { tar czf $OUT/s16_call3.tgz -C /tmp res3; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
ROOT=$PWD B=/tmp/bld
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
ninja -C $B lasuite lasuite_tests > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
LINK=$(cd $B && ninja -t commands lasuite | tail -1)
variant() {  # name, include dir ahead of the tree, the element types whose kernels it rebuilds
  local l=${LINK/-o lasuite /-o lasuite_$1 } ty
  for ty in $3; do
    local obj=CMakeFiles/lasuite_objs.dir/kernels/lightning2/la2_chunk_$ty.cu.o
    local c=$(cd $B && ninja -t commands lasuite | grep -F -- "-c $ROOT/kernels/lightning2/la2_chunk_$ty.cu")
    c=${c//-gencode=arch=compute_80,code=sm_80/}
    c=${c/ -I$ROOT / -I$2 -I$ROOT }
    c=${c//$obj/v_$1_$ty.o}
    l=${l//$obj/v_$1_$ty.o}
    (cd $B && bash -c "$c" >> $R/variant_$1.log 2>&1) || { echo "variant $1 failed"; tail -5 $R/variant_$1.log; return; }
  done
  (cd $B && bash -c "$l" >> $R/variant_$1.log 2>&1) || { echo "variant $1 link failed"; tail -5 $R/variant_$1.log; }
}
variant keys $ROOT/.dev/s16/keys "bf16 f16" &
for v in table pf1 pf4; do variant $v $ROOT/.dev/s16/$v bf16 & done
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
wait; el "variants built"; ls $B/lasuite_* | tr '\n' ' '; echo
cp $B/lasuite $B/lasuite_pf2
source scripts/sanitizer_run.sh
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
for x in pf2 keys; do
  N=$B/lasuite_$x
  timeout 150 $N verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long_$x.json > $R/verify_la2_bf16_long_$x.log 2>&1; el "$x verify bf16 rc=$?"; tail -1 $R/verify_la2_bf16_long_$x.log
  timeout 90 $N verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32_$x.json > $R/verify_la2_f16_f32_$x.log 2>&1; el "$x verify f16 f32 rc=$?"; tail -1 $R/verify_la2_f16_f32_$x.log
  LOGS=$R/san; [[ $x == keys ]] && LOGS=$R/san_keys
  SUMMARY=$R/sanitize_$x.log SAN_TIMEOUT=45
  for tool in memcheck initcheck racecheck synccheck; do
    sanitizer_run $tool d128_fused_segments3 $N $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
    sanitizer_run $tool d96_in_place $N $V --state --dtype bf16 --long 300 --dim 96
    sanitizer_run $tool d128_e256_value_tiles $N $V --state --dtype f16 --long 300 --dim 128 --dim-v 256
    sanitizer_run $tool packed_d64 $N $V --dtype bf16 --dim 64 --packed 0,15,100,65,1 --long 70
  done > /dev/null; el "$x sanitizers"; cut -c1-130 $R/sanitize_$x.log
done
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in table keys pf1 pf2 pf4; do
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --heads 32 --dim 64 --seqlen 64k --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/b8_${x}_r$round.log $R/d64_${x}_r$round.log | cut -c1-100
done; done; el "bench done"

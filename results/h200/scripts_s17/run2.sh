#!/usr/bin/env bash
# Session 17 call 2: the own increment split over both warpgroups (d = 128, one pass; "split", the
# working tree) against the kernel without it ("nosplit": 6f55c59's la2_wgmma_kernel.cuh) and an
# ablation of 6f55c59 with no products in the increment phase ("noinc": wrong outputs, times only).
# la2's GPU tests, verify of la2 and the four sanitizers on split, then the three alternated twice.
set -uo pipefail
R=/tmp/res2; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/s17_call2.tgz -C /tmp res2; }
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
for v in nosplit noinc; do variant $v $ROOT/.dev/s17/$v bf16 & done
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|bytes differ" $R/tests.txt | head -20
wait; el "variants built"; ls $B/lasuite_* | tr '\n' ' '; echo
cp $B/lasuite $B/lasuite_split
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in split nosplit noinc; do
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/b8_${x}_r$round.log | cut -c1-100
done; done; el "bench done"
timeout 60 $B/lasuite_split $BN --heads 42 --dim 96 --seqlen 4k,128k --json $R/d96_split.json > $R/d96_split.log 2>&1
timeout 60 $B/lasuite_nosplit $BN --heads 42 --dim 96 --seqlen 4k,128k --json $R/d96_nosplit.json > $R/d96_nosplit.log 2>&1
grep -hE "^\| la2" $R/d96_split.log $R/d96_nosplit.log | cut -c1-100; el "d96 done"
timeout 150 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify bf16 rc=$?"; tail -1 $R/verify_la2_bf16_long.log
timeout 100 $B/lasuite verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32.json > $R/verify_la2_f16_f32.log 2>&1; el "verify f16 f32 rc=$?"; tail -1 $R/verify_la2_f16_f32.log
source scripts/sanitizer_run.sh
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool d128_segments3 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool d128_f16_segments4_first_last $B/lasuite $V --state --dtype f16 --long 500 --dim 128 --impl-option segments=4 --impl-option inc_order=first_last
  sanitizer_run $tool d96_in_place_segments3 $B/lasuite $V --state --dtype bf16 --long 300 --dim 96 --impl-option segments=3
done > /dev/null; el "sanitizers"; cut -c1-140 $R/sanitize.log

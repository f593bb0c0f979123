#!/usr/bin/env bash
# Session 17 call 3: where a pass's time goes between its blocks. "tl": 45f17ce's kernels with each
# block's state warpgroup printing %globaltimer at its start, after its own increment (one pass), after
# its scan and at its end (a diagnostic build, .dev/s17/tl), run once a shape. Then the one-pass plan
# against two passes (one_pass=off), alternated twice.
set -uo pipefail
R=/tmp/res3; rm -rf $R; mkdir -p $R
finish() { tar czf $OUT/s17_call3.tgz -C /tmp res3; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
ROOT=$PWD B=/tmp/bld
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
ninja -C $B lasuite > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
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
variant tl $ROOT/.dev/s17/tl bf16; el "variant built"
ONE="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --warmup 1 --repeats 1 --min-time 0"
for n in 4k 16k 128k; do for m in fwd fwdbwd; do
  timeout 60 $B/lasuite_tl $ONE --mode $m --heads 32 --dim 128 --seqlen $n > $R/tl_d128_${n}_$m.txt 2>&1
  timeout 60 $B/lasuite_tl $ONE --mode $m --heads 32 --dim 128 --seqlen $n --impl-option one_pass=off > $R/tl_d128_${n}_${m}_two.txt 2>&1
done; done
timeout 60 $B/lasuite_tl $ONE --mode fwdbwd --heads 42 --dim 96 --seqlen 128k > $R/tl_d96_128k_fwdbwd.txt 2>&1
el "timelines"; wc -l $R/tl_*.txt | tail -1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in auto off; do
  timeout 60 $B/lasuite $BN --impl-option one_pass=$x --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_onepass_${x}_r$round.json > $R/d128_onepass_${x}_r$round.log 2>&1
  echo "== one_pass=$x round $round"; grep -hE "^\| la2" $R/d128_onepass_${x}_r$round.log | cut -c1-100
done; done; el "bench done"

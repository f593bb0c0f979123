#!/usr/bin/env bash
# Session 18's device calls share this: sourced by runN.sh after it sets CALL (its name) and TARGETS
# (what ninja builds). Makes $R (its files, tarred into $OUT on exit), el (elapsed-time log lines), the
# build in $B with LASUITE_GIT_COMMIT=$COMMIT, and variant: a second lasuite binary whose la2 kernels
# compile with another directory's headers ahead of the tree's.
set -uo pipefail
R=/tmp/res_$CALL; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/s18_$CALL.tgz -C /tmp res_$CALL; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
ROOT=$PWD B=/tmp/bld
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
LINK=$(cd $B && ninja -t commands lasuite 2>/dev/null | tail -1)
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

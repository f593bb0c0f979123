#!/usr/bin/env bash
# Session 25 call 5: is 256 x 256's forward+backward slower with the blocked segment data (call 1: 1.5 %
# at 16k, once)? 4d304fd against f77cf1d's kernels (.dev/s25/base), 256 x 256 h16 and 192 x 192 h21 at
# 4k and 16k, forward and forward+backward, alternated three times (ptxas: 4 bytes of spill new in the
# 256 x 64 reverse TMA step, 12-20 bytes gone from the 192 x 64 output steps).
CALL=call5 TARGETS="lasuite"
source results/h200/scripts_s25/prelude.sh
rm -rf /tmp/bld_base
base_build $ROOT/.dev/s25/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2 3; do for x in blocked base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=f77cf1d; }
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 16 --dim 256 --json $R/d256_${x}_r$round.json > $R/d256_${x}_r$round.log 2>&1
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 21 --dim 192 --json $R/d192_${x}_r$round.json > $R/d192_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d256_${x}_r$round.log $R/d192_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"

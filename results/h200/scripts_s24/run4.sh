#!/usr/bin/env bash
# Session 24 call 4: the scan's two strips summed apart (the output warpgroup strip 1, the state
# warpgroup strip 0) at d = 128. la2's GPU tests; verify of la2 (bf16 with the 16k and 128k cases, f16,
# f32); A/B against 663a669's kernels (.dev/s24/base, the sources of 3b89136's kernels) built in the same
# call, alternated twice: b1 h32 d128 forward and forward+backward 4k..128k; once: 96 x 96 h42 and
# 128 x 256 h16 (in place and value tiles, whose 128-wide kernels take the split too) at 4k and 16k.
CALL=call4 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s24/prelude.sh
base_build $ROOT/.dev/s24/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|differ|rror" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in split base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=663a669; }
  timeout 60 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
for x in split base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=663a669; }
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96 --json $R/d96_${x}.json > $R/d96_${x}.log 2>&1
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 16 --dim 128 --dim-v 256 --json $R/d128e256_${x}.json > $R/d128e256_${x}.log 2>&1
  echo "== $x"; grep -hE "^\| la2" $R/d96_${x}.log $R/d128e256_${x}.log | cut -c1-100
done; el "shapes done"
export LASUITE_GIT_COMMIT=$COMMIT
check_la2 split $B/lasuite

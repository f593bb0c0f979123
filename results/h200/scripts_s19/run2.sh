#!/usr/bin/env bash
# Session 19 call 2: the ragged grid's TMA steps as kernels of their own (kTmaRagged), so that the dense
# ones are call 1's base code again ("new", the working tree) against aee6cd2 ("base"), alternated
# twice: b1 h32 d128 4k/16k/128k, d64 n64k (call 1 measured 366b740 0.6-1.3 % slower than base there),
# the packed 256k batch and d96 h42; la2's GPU tests; verify and the four sanitizers on new.
CALL=call2 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s19/prelude.sh
base_build $ROOT/.dev/s19/base &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|differ|rror" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_* | tr '\n' ' '; echo
cp $B/lasuite $B/lasuite_new
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in new base; do
  [[ $x == base ]] && export LASUITE_GIT_COMMIT=aee6cd2 || export LASUITE_GIT_COMMIT=$COMMIT  # the files' provenance
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --heads 32 --dim 64 --seqlen 64k --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d64_${x}_r$round.log | cut -c1-100
done; done; el "dense A/B done"
for x in new base; do
  [[ $x == base ]] && export LASUITE_GIT_COMMIT=aee6cd2 || export LASUITE_GIT_COMMIT=$COMMIT
  timeout 60 $B/lasuite_$x $BN --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --json $R/packed_${x}.json > $R/packed_${x}.log 2>&1
  timeout 60 $B/lasuite_$x $BN --heads 42 --dim 96 --seqlen 4k,128k --json $R/d96_${x}.json > $R/d96_${x}.log 2>&1
  echo "== $x"; grep -hE "^\| la2" $R/packed_${x}.log $R/d96_${x}.log | cut -c1-100
done; el "packed and d96 done"
export LASUITE_GIT_COMMIT=$COMMIT
check_la2 new $B/lasuite_new
cut -c1-150 $R/sanitize.log

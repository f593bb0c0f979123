#!/usr/bin/env bash
# Session 20 call 1: the windowed TMA steps (value tiles' passes, both directions) and the ragged steps'
# tail test from n. la2's GPU tests; verify; A/B of loads=tma against loads=cp_async in one binary,
# alternated twice, at issue 16's wide shapes (192 x 192 h21, 256 x 256 h16, 128 x 256 h16); the packed
# 256k batch against 7d83e10 (built from its sources in .dev/s20/base); the sanitizers.
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s20/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
base_build $ROOT/.dev/s20/base > $R/base_build.log 2>&1 &
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|differ|rror" $R/tests.txt | head -20
check_la2 new $B/lasuite
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k,128k"
for round in 1 2; do for loads in tma cp_async; do
  for s in "192 192 21" "256 256 16" "128 256 16"; do set -- $s
    f=d$1_e$2_h$3_${loads}_r$round
    timeout 60 $B/lasuite $BN --heads $3 --dim $1 --dim-v $2 --impl-option loads=$loads --json $R/$f.json > $R/$f.log 2>&1
  done
  echo "== $loads round $round"; grep -hE "^\| la2" $R/d*_${loads}_r$round.log | cut -c1-100
done; done; el "wide A/B done"
wait; el "base built"; ls $B/lasuite_base
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=7d83e10; } || export LASUITE_GIT_COMMIT=$COMMIT
  timeout 60 $bin bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --packed loguniform:1..64k,total=256k,seed=7 \
    --heads 32 --dim 128 --json $R/packed_${x}_r$round.json > $R/packed_${x}_r$round.log 2>&1
  echo "== packed $x $round"; grep -hE "^\| la2" $R/packed_${x}_r$round.log | cut -c1-120
done; done; el "packed A/B done"
export LASUITE_GIT_COMMIT=$COMMIT
sanitize_la2 new $B/lasuite
cut -c1-150 $R/sanitize.log

#!/usr/bin/env bash
# Session 21 call 1: the fused dK/dV pass's second output (dK) computed by the state warpgroup at
# d = e = 128. A/B against d070932 (built from its sources in .dev/s21/base), alternated twice:
# forward+backward at b1 h32 d128 4k..128k, b8 n8k, and d64 n64k (a kernel this change leaves alone: the
# machine's control); la2's GPU tests (with 0daf602's and d070932's plan tests, not yet run on a GPU); verify
# of the default cases with backward=three_passes (0daf602's narrow reverse passes); the sanitizers.
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s21/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
base_build $ROOT/.dev/s21/base > $R/base_build.log 2>&1 &
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|differ|rror" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=d070932; } || export LASUITE_GIT_COMMIT=$COMMIT
  timeout 60 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 30 $bin $BN --mode fwdbwd --batch 8 --seqlen 8k --heads 32 --dim 128 --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  timeout 30 $bin $BN --mode fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/{d128,b8,d64}_${x}_r$round.log | cut -c1-110
done; done; el "A/B done"
export LASUITE_GIT_COMMIT=$COMMIT
timeout 90 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --impl-option backward=three_passes --json $R/verify_la2_bf16_three_passes.json > $R/verify_la2_bf16_three_passes.log 2>&1; el "verify three_passes rc=$?"; tail -n 1 $R/verify_la2_bf16_three_passes.log
SAN_DEADLINE=540 sanitize_la2 new $B/lasuite
cut -c1-160 $R/sanitize.log

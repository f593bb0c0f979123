#!/usr/bin/env bash
# Session 24 call 5: the split scan kept out of the dual step (call 4: forward 4k 2.4 % faster, but
# forward+backward 1-1.4 % slower at 4k, 16k and 128k, the forward equal there: the dual step). A/B against
# 663a669's kernels (.dev/s24/base) alternated twice, b1 h32 d128 and 96 x 96 h42; la2's GPU tests; verify
# of la2 bf16 with the long cases; the four sanitizers on small cases of the split scan (one pass with a
# start state in three segments, two passes f16 with a state, 128 x 64 in place with a state).
CALL=call5 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s24/prelude.sh
base_build $ROOT/.dev/s24/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in split base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=663a669; }
  timeout 60 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96 --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d96_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
export LASUITE_GIT_COMMIT=$COMMIT
timeout 150 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify bf16 rc=$?"; tail -n 1 $R/verify_la2_bf16_long.log
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 540 )) || { el "sanitizer $tool skipped: past 540 s"; break; }
  sanitizer_run $tool one_pass_d128_state $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3 --impl-option one_pass=all
  sanitizer_run $tool two_pass_d128_f16_state $B/lasuite $V --state --dtype f16 --long 250 --dim 128 --impl-option segments=3 --impl-option one_pass=off
  sanitizer_run $tool d128_e64_state $B/lasuite $V --state --dtype bf16 --long 200 --dim 128 --dim-v 64 --impl-option segments=2
done > /dev/null; el "sanitizers"; cat $R/sanitize.log

#!/usr/bin/env bash
# Session 25 call 4: the scan's flag waits as one type (4d304fd; its bf16 cubin differs from 3640e1a's)
# against 3640e1a's kernels (.dev/s25/b3640). la2's GPU tests; A/B at b1 h32 d128 4k and 16k and at
# 256 x 256 h16 4k and 16k (where call 1 had forward+backward 1.5 % slower at 16k, once), forward and
# forward+backward, alternated twice; 96 x 96 h42 at 4k with one_pass=off beside the default (options
# only); verify of la2 (bf16 with the long cases, f16, f32); the four sanitizers on the one-pass scan at
# d = 128 (strips apart) and 96 read in place (one warpgroup's scan), both with a start state.
CALL=call4 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s25/prelude.sh
rm -rf /tmp/bld_base
base_build $ROOT/.dev/s25/b3640 > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in wait base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=3640e1a; }
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 16 --dim 256 --json $R/d256_${x}_r$round.json > $R/d256_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d256_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
export LASUITE_GIT_COMMIT=$COMMIT
for x in default two; do
  opt=""; [[ $x == two ]] && opt="--impl-option one_pass=off"
  timeout 30 $B/lasuite $BN --mode fwd,fwdbwd --seqlen 4k --heads 42 --dim 96 $opt --json $R/d96_${x}.json > $R/d96_${x}.log 2>&1
  echo "== d96 $x"; grep -hE "^\| la2" $R/d96_${x}.log | cut -c1-100
done
check_la2 wait $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  (( $(date +%s) - T0 < 540 )) || { el "sanitizer $tool skipped: past 540 s"; break; }
  sanitizer_run $tool one_pass_d128 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool one_pass_d96 $B/lasuite $V --state --dtype bf16 --long 300 --dim 96 --impl-option segments=3
done > /dev/null; el "sanitizers"; cat $R/sanitize.log 2>/dev/null | tail -10

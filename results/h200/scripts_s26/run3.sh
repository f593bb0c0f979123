#!/usr/bin/env bash
# Session 26 call 3: the one-pass scan starting from the block's own increment held in registers (d = 128:
# strip 1 handed to the output warpgroup through shared memory) instead of reading it back, against
# ff3d33c's kernels (.dev/s26/base). A/B at b1 h32 d128 bf16 4k and 16k and d64 4k, forward and
# forward+backward, alternated twice; la2's GPU tests; the four sanitizers on one pass at d = 128 with and
# without a start state and at d = 64 f16; verify of la2 (bf16 with the long cases, f16, f32).
CALL=call3 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s26/prelude.sh
rm -rf /tmp/bld_base
base_build $ROOT/.dev/s26/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=ff3d33c; }
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 30 $bin $BN --mode fwd,fwdbwd --seqlen 4k --dim 64 --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d64_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
export LASUITE_GIT_COMMIT=$COMMIT
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|bytes differ" $R/tests.txt | head -20
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  (( $(date +%s) - T0 < 400 )) || { el "sanitizer $tool skipped: past 400 s"; break; }
  sanitizer_run $tool one_pass_d128_state $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool one_pass_d128 $B/lasuite $V --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool one_pass_d64_f16 $B/lasuite $V --state --dtype f16 --long 300 --dim 64 --impl-option segments=3
done > /dev/null; el "sanitizers"; cat $R/sanitize.log 2>/dev/null | tail -12
check_la2 new $B/lasuite

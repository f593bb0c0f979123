#!/usr/bin/env bash
# Session 25 call 1: the segment data in 8 x 8 blocks (3640e1a) against f77cf1d's kernels (.dev/s25/base,
# session 24's record). la2's GPU tests; A/B at b1 h32 d128 forward and forward+backward 4k..128k,
# alternated twice; d64 h32 n64k and 256 x 256 h16 (where ptxas gave 4 bytes of spill) and 96 x 96 h42
# once each; verify of la2 (bf16 with the long cases, f16, f32); the four sanitizers on small cases of
# every reader and writer of the segment data, as far as the call's time goes.
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s25/prelude.sh
base_build $ROOT/.dev/s25/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in blocked base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=f77cf1d; }
  timeout 60 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log | cut -c1-100
done; done; el "A/B d128 done"
for x in blocked base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=f77cf1d; }
  timeout 30 $bin $BN --mode fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/d64_${x}.json > $R/d64_${x}.log 2>&1
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 16 --dim 256 --json $R/d256_${x}.json > $R/d256_${x}.log 2>&1
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96 --json $R/d96_${x}.json > $R/d96_${x}.log 2>&1
  echo "== $x"; grep -hE "^\| la2" $R/d64_${x}.log $R/d256_${x}.log $R/d96_${x}.log | cut -c1-100
done; el "A/B shapes done"
export LASUITE_GIT_COMMIT=$COMMIT
check_la2 blocked $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  (( $(date +%s) - T0 < 540 )) || { el "sanitizer $tool skipped: past 540 s"; break; }
  sanitizer_run $tool one_pass_d128 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool scan_kernel_d128 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3 --impl-option scan=kernel --impl-option one_pass=off
  sanitizer_run $tool mma_f16_d64 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=3 --impl-option kernel=mma
done > /dev/null; el "sanitizers"; cat $R/sanitize.log 2>/dev/null | tail -15

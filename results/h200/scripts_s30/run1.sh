#!/usr/bin/env bash
# Session 30 call 1: c486af8 (the wgmma output step skips the k-steps of Q K^T and Q S past a contraction
# read in place; 90dbf19's backward line with it): la2's GPU tests and CudaCheck, la2's verify (its
# defaults read 72, 96, 100 in place), then A/B against 90dbf19 (carried in .dev/s30/base): 96 x 96 h42
# and d128 h32 at 4k and 16k, forward and forward+backward, alternated twice; 96 x 96 4k under
# one_pass=off on the new binary; then the four sanitizers on small in-place cases (d = 96 forward and
# backward, d = 72 f16 one pass off). Run as `SESSION=s30 COMMIT=c486af8 bash results/h200/scripts_s30/run1.sh`.
CALL=call1 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/s30/base > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED|spill" $R/ninja.log | cut -c1-200 | head
wait; el "base built"; cat $R/base_build.txt
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k"
for round in 1 2; do for bin in base new; do
  exe=$B/lasuite; [[ $bin == base ]] && exe=$B/lasuite_base
  for shape in "96 42" "128 32"; do set -- $shape
    timeout 60 $exe $BN --heads $2 --dim $1 --json $R/d$1_${bin}_r$round.json > $R/d$1_${bin}_r$round.log 2>&1
    echo "== d$1 $bin round $round"; grep -hE "^\| la2" $R/d$1_${bin}_r$round.log | cut -c1-110
  done
done; done; el "A/B done"
timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k --heads 42 --dim 96 \
  --impl-option one_pass=off --json $R/d96_two_new.json > $R/d96_two_new.log 2>&1
echo "== d96 one_pass=off new"; grep -hE "^\| la2" $R/d96_two_new.log | cut -c1-110
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 530 )) || { el "sanitizer $tool skipped: past 530 s"; break; }
  sanitizer_run $tool d96_in_place $B/lasuite $V --state --dtype bf16 --long 300 --dim 96 --impl-option segments=3
  sanitizer_run $tool d72_f16_two_passes $B/lasuite $V --state --dtype f16 --long 200 --dim 72 --impl-option segments=2 --impl-option one_pass=off
done > /dev/null; el "sanitizers"; cut -c1-220 $R/sanitize.log

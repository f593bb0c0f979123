#!/usr/bin/env bash
# Session 31 call 1: 877b31c (the narrow steps' state warpgroup at READ columns of S): build (serialised-wgmma
# notes counted), la2's GPU tests and CudaCheck, la2's verify, the four sanitizers on small narrow cases (one
# pass, two kernels, 72 x 88 f16), then 96 x 96 h42 at 4k and 16k, forward and forward+backward, against
# e729306 (.dev/s31/base), alternated twice; and the new build with one_pass=off at 4k.
# Run as `SESSION=s31 COMMIT=<commit> bash results/h200/scripts_s31/run1.sh`.
CALL=call1 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/s31/base > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; cat $R/base_build.txt
echo "serialised wgmma notes (C7515/C7520): $(grep -cE 'C75(15|20)' $R/ninja.log)"
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 360 )) || { el "sanitizer $tool skipped: past 360 s"; break; }
  sanitizer_run $tool d96_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 96 --impl-option segments=3
  sanitizer_run $tool d96_two_kernels $B/lasuite $V --state --dtype bf16 --long 300 --dim 96 --impl-option segments=3 --impl-option one_pass=off
  sanitizer_run $tool d72_e88_f16 $B/lasuite $V --state --dtype f16 --long 190 --dim 72 --dim-v 88 --impl-option segments=2
done > /dev/null; el "sanitizers"; cut -c1-220 $R/sanitize.log
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96"
for round in 1 2; do for bin in base new; do
  exe=$B/lasuite; [[ $bin == base ]] && exe=$B/lasuite_base
  timeout 60 $exe $BN --json $R/d96_${bin}_r$round.json > $R/d96_${bin}_r$round.log 2>&1
  echo "== d96 $bin round $round"; grep -hE "^\| la2" $R/d96_${bin}_r$round.log | cut -c1-110
done; done; el "A/B done"
BN4="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k --heads 42 --dim 96"
for round in 1 2; do
  timeout 40 $B/lasuite $BN4 --impl-option one_pass=off --json $R/d96_new_two_kernels_r$round.json > $R/d96_new_two_kernels_r$round.log 2>&1
  echo "== d96 new one_pass=off round $round"; grep -hE "^\| la2" $R/d96_new_two_kernels_r$round.log | cut -c1-110
done; el "done"

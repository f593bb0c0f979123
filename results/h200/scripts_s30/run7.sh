#!/usr/bin/env bash
# Session 30 call 7: 9b78ac7 (the dual step's outputs at 96 columns too): build (serialised-wgmma notes
# counted), la2's GPU tests and CudaCheck, la2's verify, the four sanitizers on small narrow cases, then
# 96 x 96 h42 at 4k and 16k, forward and forward+backward, against 560ff99 (.dev/s30/base), alternated twice.
# Run as `SESSION=s30 COMMIT=<commit> bash results/h200/scripts_s30/run7.sh`.
CALL=call7 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/s30/base > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; cat $R/base_build.txt
echo "serialised wgmma notes (C7515/C7520): $(grep -cE 'C75(15|20)' $R/ninja.log)"
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 330 )) || { el "sanitizer $tool skipped: past 330 s"; break; }
  sanitizer_run $tool d96_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 96 --impl-option segments=3
  sanitizer_run $tool d72_e88_f16 $B/lasuite $V --state --dtype f16 --long 190 --dim 72 --dim-v 88 --impl-option segments=2
done > /dev/null; el "sanitizers"; cut -c1-220 $R/sanitize.log
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96"
for round in 1 2; do for bin in base new; do
  exe=$B/lasuite; [[ $bin == base ]] && exe=$B/lasuite_base
  timeout 60 $exe $BN --json $R/d96_${bin}_r$round.json > $R/d96_${bin}_r$round.log 2>&1
  echo "== d96 $bin round $round"; grep -hE "^\| la2" $R/d96_${bin}_r$round.log | cut -c1-110
done; done; el "A/B done"

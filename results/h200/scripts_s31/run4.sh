#!/usr/bin/env bash
# Session 31 call 4: 747f849 (one pass: the own increment's last tiles on the output warpgroup in the windowed
# steps too: 192 x 64, 256 x 64, 128 x 128 and 128 x 64 windows): build (serialised-wgmma notes counted), la2's
# GPU tests and CudaCheck, la2's verify (its defaults hold 192 and 256), the four sanitizers on small one-pass
# windowed cases, then 192 x 192 h21, 256 x 256 h16, 128 x 256 h16 at 4k and 16k, forward and forward+backward,
# against f2ff728 (.dev/s31/base, dc26ee9's kernels), alternated twice.
# Run as `SESSION=s31 COMMIT=<commit> bash results/h200/scripts_s31/run4.sh`.
CALL=call4 TARGETS="lasuite lasuite_tests"
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
  sanitizer_run $tool d192_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 192 --impl-option segments=3
  sanitizer_run $tool d256_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 256 --impl-option segments=3
  sanitizer_run $tool d128_e256_f16_one_pass $B/lasuite $V --state --dtype f16 --long 250 --dim 128 --dim-v 256 --impl-option segments=4
done > /dev/null; el "sanitizers"; cut -c1-220 $R/sanitize.log
for round in 1 2; do for bin in base new; do
  exe=$B/lasuite; [[ $bin == base ]] && exe=$B/lasuite_base
  for s in "192 192 21" "256 256 16" "128 256 16"; do set -- $s
    timeout 60 $exe bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k --heads $3 --dim $1 --dim-v $2 \
      --json $R/d$1_e$2_${bin}_r$round.json > $R/d$1_e$2_${bin}_r$round.log 2>&1
    echo "== $1 x $2 $bin round $round"; grep -hE "^\| la2" $R/d$1_e$2_${bin}_r$round.log | cut -c1-110
  done
done; done; el "A/B done"

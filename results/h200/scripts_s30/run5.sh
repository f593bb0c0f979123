#!/usr/bin/env bash
# Session 30 call 5: the review's mends (host and test code: the narrow test now asserts the launched kernel)
# with la2's GPU tests and CudaCheck; then a probe of the N side at 96 (.dev/s30/probe2: this tree with the
# forward's and dQ's output products Q S and P V at N = 96, wgmma m64n96k16 with an MN-major B of one and a
# half 128-byte swizzle atoms, 48 accumulators, the staged rows stored as two boxes clipped by the map; right
# at 96 x 96 only): la2's verify of the probe at d = 96 (whether the hardware reads such a B as intended), then
# 96 x 96 h42 at 4k and 16k, forward and forward+backward, this tree against the probe, alternated twice.
# Run as `SESSION=s30 COMMIT=<commit> bash results/h200/scripts_s30/run5.sh`.
CALL=call5 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/s30/probe2 > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "probe built"; cat $R/base_build.txt
echo "serialised wgmma notes (C7515/C7520): main $(grep -cE 'C75(15|20)' $R/ninja.log) probe $(grep -cE 'C75(15|20)' $R/ninja_base.log)"
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
timeout 120 $B/lasuite_base verify --device cuda --skip-defaults --impl la2 --dtype bf16,f16 --dim 96 --long 300,4k --state \
  > $R/verify_probe_d96.log 2>&1; el "probe verify d96 rc=$?"; tail -n 1 $R/verify_probe_d96.log
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96"
for round in 1 2; do for bin in main probe; do
  exe=$B/lasuite; [[ $bin == probe ]] && exe=$B/lasuite_base
  timeout 60 $exe $BN --json $R/d96_${bin}_r$round.json > $R/d96_${bin}_r$round.log 2>&1
  echo "== d96 $bin round $round"; grep -hE "^\| la2" $R/d96_${bin}_r$round.log | cut -c1-110
done; done; el "A/B done"

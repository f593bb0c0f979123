#!/usr/bin/env bash
# Session 33 call 2 (the device stopped answering during it and no other was lent: not run; for the next
# session). scan_round_trips.patch (beside this script, made against 1fd7068's kernels, which main keeps) takes
# the chain of round trips out of one pass's scan: a block after the first adds its own increment from the
# registers that summed it (no read-back of what it just stored) and waits for the farther increments' flags
# all at once (one round trip, not one each before its increment), the same sums in the same order; the
# windowed steps keep scan_from. Locally (nvcc 13, sm_90a): no spill beyond the baseline's 64 x 64 dual step,
# registers within 5 of before in every 128 x 128 kernel. Predicted: the d128 forward 1.7-3.4 % faster at 4k
# (1-2 us off the last segment's block), 0.5-1 % at 16k, 128k unchanged (two kernels there);
# forward+backward 0.6-1.2 % at 4k; d64 n64k within 0.5 %.
# This call applies the patch on the device and builds it as "new", the tree as committed as "base" (carried
# as .dev/s33/base: `git archive HEAD CMakeLists.txt LICENSE README.md baselines cmake examples harness kernels
# plots reference scripts tests | tar -x -C .dev/s33/base`), then la2's GPU tests on the patch, the A/B (b1 h32
# d128 4k / 16k / 128k, 96 x 96 h42 4k, d64 n64k, b8 n8k, forward and forward+backward, alternated twice) and
# verify of la2. The sanitizers on the patch need a call of their own (sanitize_la2 and the one-pass cases of
# scripts_s32/run6.sh). Run as `SESSION=sNN COMMIT=<commit> bash results/h200/scripts_s33/run2.sh` (carry .dev/sNN).
git apply results/h200/scripts_s33/scan_round_trips.patch || { echo "the patch does not apply"; exit 1; }
CALL=call2 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/$SESSION/base > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
echo "serialised wgmma notes (C7515/C7519/C7520): $(grep -cE 'C75(15|19|20)' $R/ninja.log)"
grep -E "spill" $R/ninja.log | grep -v " 0 bytes spill" | cut -c1-160 | head
wait; el "base built"; cat $R/base_build.txt
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*:CudaBackend*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|what" $R/tests.txt | head -10
BENCH="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for bin in base new; do
  exe=$B/lasuite; [[ $bin != new ]] && exe=$B/lasuite_$bin
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 4k,16k,128k --json $R/d128_${bin}_r$round.json > $R/d128_${bin}_r$round.log 2>&1
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 4k --heads 42 --dim 96 --json $R/d96_${bin}_r$round.json > $R/d96_${bin}_r$round.log 2>&1
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 64k --dim 64 --json $R/d64_${bin}_r$round.json > $R/d64_${bin}_r$round.log 2>&1
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 8k --batch 8 --json $R/b8_${bin}_r$round.json > $R/b8_${bin}_r$round.log 2>&1
  echo "== $bin round $round"; grep -hE "^\| la2|what" $R/d128_${bin}_r$round.log $R/d96_${bin}_r$round.log $R/d64_${bin}_r$round.log $R/b8_${bin}_r$round.log | cut -c1-100
done; done; el "A/B done"
check_la2 default $B/lasuite

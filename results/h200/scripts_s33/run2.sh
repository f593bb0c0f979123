#!/usr/bin/env bash
# Session 33 call 2, not run (the device stopped answering during its build and no other machine was lent): for
# the next session, before any other kernel change. Two patches beside this script, made against 1fd7068's
# kernels (e632093's, which main keeps), reviewed (no bug found) and built here (nvcc 13, sm_90a: no spill beyond
# the baseline's 64 x 64 dual step), never run:
#  - scan_round_trips.patch ("p1"): one pass's scan without its chain of round trips. A block after the first
#    adds its own increment from the registers that summed it (no read-back of what it just stored) and waits
#    for the farther increments' flags all at once (one round trip, not one each before its increment); the
#    same sums in the same order. Predicted: d128 forward 1.7-3.4 % faster at 4k, 0.5-1 % at 16k, 128k
#    unchanged (two kernels there); forward+backward 0.6-1.2 % at 4k; d64 n64k within 0.5 %.
#  - scan_pairs.patch ("p2", on top of p1): the farther increments loaded two at a time where one strip of S is
#    summed (d = 128 apart, d = 64), one round trip for two terms. Predicted: on top of p1, the d128 forward
#    0.5-1 % faster at 4k (the last of four segments has two farther increments), nothing measurable elsewhere.
# Builds main as `base` (carried as .dev/$SESSION/base: `git archive HEAD CMakeLists.txt LICENSE README.md
# baselines cmake examples harness kernels plots reference scripts tests | tar -x -C .dev/$SESSION/base`), p1
# (`lasuite_p1`, /tmp/bld_p1) and p1 + p2 (the prelude's build, $B); la2's GPU tests on p1 + p2 (among them
# OnePassBitIdenticalToTwoPasses and TmaReadsNarrowerWidthsInPlace, which compare the new path against
# scan_from's bit for bit); the A/B, alternated twice; verify of la2 on p1 + p2. The sanitizers on the patch
# kept want run3.sh. Run as `SESSION=sNN COMMIT=<commit> bash results/h200/scripts_s33/run2.sh` (carry .dev/sNN).
S33=results/h200/scripts_s33
rm -rf /tmp/p1_tree && mkdir -p /tmp/p1_tree && cp -r CMakeLists.txt LICENSE README.md baselines cmake examples harness kernels plots reference scripts tests /tmp/p1_tree/
patch -s -p1 -d /tmp/p1_tree < $S33/scan_round_trips.patch || { echo "p1 does not apply"; exit 1; }
patch -s -p1 < $S33/scan_round_trips.patch && patch -s -p1 < $S33/scan_pairs.patch || { echo "p1 + p2 do not apply"; exit 1; }
CALL=call2 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/$SESSION/base > $R/base_build.txt 2>&1 &
(cmake -S /tmp/p1_tree -B /tmp/bld_p1 -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake_p1.log 2>&1 &&
 ninja -C /tmp/bld_p1 lasuite > $R/ninja_p1.log 2>&1 && cp /tmp/bld_p1/lasuite $B/lasuite_p1 || echo "p1 build failed") > $R/p1_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
echo "serialised wgmma notes (C7515/C7519/C7520): $(grep -cE 'C75(15|19|20)' $R/ninja.log)"
grep -h "spill" $R/ninja.log | grep -v " 0 bytes spill" | cut -c1-160 | head
wait; el "base and p1 built"; cat $R/base_build.txt $R/p1_build.txt
for x in base p1; do [[ -x $B/lasuite_$x ]] || { echo "no lasuite_$x (was .dev/$SESSION/base carried?): the A/B cannot run"; exit 1; }; done
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*:CudaBackend*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|what" $R/tests.txt | head -10
BENCH="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for bin in base p1 p2; do
  exe=$B/lasuite_$bin; [[ $bin == p2 ]] && exe=$B/lasuite
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 4k,16k --json $R/d128_${bin}_r$round.json > $R/d128_${bin}_r$round.log 2>&1
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 4k --heads 42 --dim 96 --json $R/d96_${bin}_r$round.json > $R/d96_${bin}_r$round.log 2>&1
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 64k --dim 64 --json $R/d64_${bin}_r$round.json > $R/d64_${bin}_r$round.log 2>&1
  timeout 60 $exe $BENCH --mode fwd,fwdbwd --seqlen 8k --batch 8 --json $R/b8_${bin}_r$round.json > $R/b8_${bin}_r$round.log 2>&1
  echo "== $bin round $round"; grep -hE "^\| la2|what" $R/d128_${bin}_r$round.log $R/d96_${bin}_r$round.log $R/d64_${bin}_r$round.log $R/b8_${bin}_r$round.log | cut -c1-100
done; done; el "A/B done"
(( $(date +%s) - T0 < 300 )) && check_la2 p1p2 $B/lasuite || el "verify skipped: past 300 s (run3.sh has it)"

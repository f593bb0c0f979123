#!/usr/bin/env bash
# Session 22 call 3: the states-only step moving K and V by TMA (45d5ea0). A/B against 5c2ca38 (its
# sources in .dev/s22/base): ncu of the fused pass's states step in one forward+backward at b1 h32 d128
# n128k; forward and forward+backward at b1 h32 d128 4k..128k, b1 h16 d128 1M (the forward's states step
# too), d64 n64k, alternated twice; la2's GPU tests (the plan test's new bit identity under TMA).
CALL=call3 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s22/prelude.sh
base_build $ROOT/.dev/s22/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; ls $B/lasuite_base || exit 1
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|differ|rror" $R/tests.txt | head -20
BW="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --seqlen 128k --heads 32 --dim 128 --warmup 1 --repeats 1 --min-time 0"
for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && bin=$B/lasuite_base
  timeout 60 ncu --kernel-name-base demangled --kernel-name regex:'\(bool\)0, \(bool\)0, \(bool\)0, \(int\)[03]>' --launch-count 1 --section SpeedOfLight \
    --section WarpStateStats --section SchedulerStats --section Occupancy $bin $BW > $R/ncu_states_$x.txt 2>&1; el "ncu states $x rc=$?"
  grep -E "la2_wgmma|Duration|DRAM Throughput|Registers Per|Issued Warp|Warp Cycles Per Issued" $R/ncu_states_$x.txt | head -8 | cut -c1-120
done
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=5c2ca38; } || export LASUITE_GIT_COMMIT=$COMMIT
  timeout 60 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 1M --heads 16 --dim 128 --json $R/1M_${x}_r$round.json > $R/1M_${x}_r$round.log 2>&1
  timeout 30 $bin $BN --mode fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/{d128,1M,d64}_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"

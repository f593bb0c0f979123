#!/usr/bin/env bash
# Session 23 call 1: the fused pass's states step in halves adding into one slot (ad5249b). la2's GPU
# tests (session 22's unrun TmaReadsNarrowerWidthsInPlace one_pass=off case, the new halves tests); ncu
# of the fused pass's states step at b1 h32 d128 n128k: halves, whole (states_halves=off) and 31e6afe
# (its sources in .dev/s23/base); forward+backward at b1 h32 d128 4k..128k and d64 n64k, the three
# alternated twice; and halves asked at 4k and 16k (states_halves=on), where auto does not take them.
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s23/prelude.sh
base_build $ROOT/.dev/s23/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|differ|rror" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_base || exit 1
BW="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --seqlen 128k --heads 32 --dim 128 --warmup 1 --repeats 1 --min-time 0"
for x in halves whole base; do
  bin=$B/lasuite; opt=""; [[ $x == base ]] && bin=$B/lasuite_base; [[ $x == whole ]] && opt="--impl-option states_halves=off"
  timeout 60 ncu --kernel-name-base demangled --kernel-name regex:'\(bool\)0, \(bool\)0, \(bool\)0, \(int\)[03]>' --launch-count 1 --section SpeedOfLight \
    --section LaunchStats $bin $BW $opt > $R/ncu_states_$x.txt 2>&1; el "ncu states $x rc=$?"
  grep -E "la2_wgmma|Duration|DRAM Throughput|Grid Size|Registers Per" $R/ncu_states_$x.txt | head -6 | cut -c1-120
done
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in halves whole base; do
  bin=$B/lasuite; opt=""; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=31e6afe; }; [[ $x == whole ]] && opt="--impl-option states_halves=off"
  timeout 60 $bin $BN --mode fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 $opt --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 30 $bin $BN --mode fwdbwd --seqlen 64k --heads 32 --dim 64 $opt --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/{d128,d64}_${x}_r$round.log | cut -c1-100
done
  export LASUITE_GIT_COMMIT=$COMMIT  # halves asked where auto does not take them (session 21's split lost there)
  timeout 30 $B/lasuite $BN --mode fwdbwd --seqlen 4k,16k --heads 32 --dim 128 --impl-option states_halves=on --json $R/d128_on_r$round.json > $R/d128_on_r$round.log 2>&1
  echo "== on round $round"; grep -hE "^\| la2" $R/d128_on_r$round.log | cut -c1-100
done; el "A/B done"

#!/usr/bin/env bash
# Session 24 call 6: the split scan only in the plain output steps of the kernel's own widths (call 5 had
# 96 x 96 forward+backward 1-1.5 % slower with it in the windowed kernels). la2's GPU tests; verify of la2
# (bf16 with the long cases, f16, f32); A/B against 663a669's kernels (.dev/s24/base), b1 h32 d128
# alternated twice, 96 x 96 h42 once; then the record rows (with ceilings) at b1 h32 d128, b8 n8k, d64 n64k.
CALL=call6 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s24/prelude.sh
base_build $ROOT/.dev/s24/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in split base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=663a669; }
  timeout 60 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  [[ $round == 1 ]] && timeout 40 $bin $BN --mode fwd,fwdbwd --seqlen 4k,16k --heads 42 --dim 96 --json $R/d96_${x}.json > $R/d96_${x}.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $( [[ $round == 1 ]] && echo $R/d96_${x}.log ) | cut -c1-100
done; done; el "A/B done"
export LASUITE_GIT_COMMIT=$COMMIT
check_la2 split $B/lasuite
BR="bench --impl la2 --dtype bf16 --decay alibi"
timeout 60 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "rec d128 rc=$?"
timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 8k --batch 8 --heads 32 --dim 128 --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/rec_d64.json > $R/rec_d64.log 2>&1
grep -hE "^\| la2" $R/rec_*.log | cut -c1-140; el "record done"

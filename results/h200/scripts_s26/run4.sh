#!/usr/bin/env bash
# Session 26 call 4: la2's GPU tests on the restored kernels (4d304fd's; the one-pass bit-identity test
# now also at d = 64 and without a start state); options only, one binary: one_pass=off beside the
# default at issue 16's head-dim shapes (96 x 96 h42 at 4k..128k; 192 x 192 h21, 256 x 256 h16 and
# 128 x 256 h16 at 4k and 16k), forward and forward+backward, alternated twice.
CALL=call4 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s26/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|bytes differ" $R/tests.txt | head -20
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in default two; do
  opt=""; [[ $x == two ]] && opt="--impl-option one_pass=off"
  timeout 60 $B/lasuite $BN --seqlen 4k,16k,64k,128k --heads 42 --dim 96 $opt --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite $BN --seqlen 4k,16k --heads 21 --dim 192 $opt --json $R/d192_${x}_r$round.json > $R/d192_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite $BN --seqlen 4k,16k --heads 16 --dim 256 $opt --json $R/d256_${x}_r$round.json > $R/d256_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite $BN --seqlen 4k,16k --heads 16 --dim 128 --dim-v 256 $opt --json $R/d128x256_${x}_r$round.json > $R/d128x256_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d96_${x}_r$round.log $R/d192_${x}_r$round.log $R/d256_${x}_r$round.log $R/d128x256_${x}_r$round.log | cut -c1-110
done; done; el "options done"

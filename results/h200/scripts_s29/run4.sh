#!/usr/bin/env bash
# Session 29 call 4: f08c783 (states_beside_dq=auto, the default: 32 chunks at d = e = 64, off elsewhere;
# kernels as 9d032ec's, verified in call 3): la2's GPU tests and verify; the d64 n64k forward+backward under
# the default against states_beside_dq=off, alternated twice; then the record rows with the machine's
# ceilings: b1 h32 d128 4k..128k forward and forward+backward, b8 n8k, d64 n64k, b1 h16 n1M forward+backward.
CALL=call4 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --seqlen 64k --heads 32 --dim 64"
for round in 1 2; do for x in auto off; do
  timeout 30 $B/lasuite $BN --impl-option states_beside_dq=$x --json $R/d64_beside_${x}_r$round.json > $R/d64_beside_${x}_r$round.log 2>&1
  echo "== d64 beside $x round $round"; grep -hE "^\| la2" $R/d64_beside_${x}_r$round.log | cut -c1-110
done; done; el "d64 A/B done"
BR="bench --impl la2 --dtype bf16 --decay alibi"
timeout 70 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "rec d128 rc=$?"
timeout 30 $B/lasuite $BR --no-ceilings --mode fwd,fwdbwd --seqlen 8k --batch 8 --heads 32 --dim 128 --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 30 $B/lasuite $BR --no-ceilings --mode fwd,fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/rec_d64.json > $R/rec_d64.log 2>&1
grep -hE "^\| la2" $R/rec_d128.log $R/rec_b8.log $R/rec_d64.log | cut -c1-140; el "record done"
(( $(date +%s) - T0 < 450 )) && { timeout 120 $B/lasuite $BR --no-ceilings --mode fwdbwd --seqlen 1M --heads 16 --dim 128 --json $R/rec_1m.json > $R/rec_1m.log 2>&1; el "rec 1M rc=$?"; grep -hE "^\| la2" $R/rec_1m.log | cut -c1-140; }

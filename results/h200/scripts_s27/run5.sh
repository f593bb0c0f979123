#!/usr/bin/env bash
# Session 27 call 5: WgmmaBlock::set_up (a7b4c3d: the block set-up both wgmma kernels wrote out, one
# member; 12 cubins change at the same sizes and registers) against af3ec5e (.dev/s27/base). la2's GPU
# tests; la2's verify (bf16 with the long cases, f16 and f32); b1 h32 d128 bf16 4k, 16k, 128k forward and
# forward+backward, and 192 x 192 h21 4k (a windowed step), both binaries alternated twice; the four
# sanitizers on small cases (the states step in halves beside the fused pass's and the forward's states
# steps; the dQ pass on the two-output-warpgroup step).
CALL=call5 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s27/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
rm -rf /tmp/bld_base; base_build .dev/s27/base; el "base build"
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 new $B/lasuite
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwd,fwdbwd --seqlen 4k,16k,128k"
BW="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 21 --dim 192 --mode fwd,fwdbwd --seqlen 4k"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && bin=$B/lasuite_base
  timeout 40 $bin $BN --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 20 $bin $BW --json $R/d192_${x}_r$round.json > $R/d192_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d192_${x}_r$round.log | cut -c20-100
done; done; el "A/B done"
SAN_DEADLINE=500 sanitize_la2 new $B/lasuite
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck; do
  (( $(date +%s) - T0 < 520 )) || break
  sanitizer_run $tool dq_two_outputs $B/lasuite verify --device cuda --skip-defaults --impl la2 --long-heads 2 --state --dtype bf16 --long 1000 --dim 128 --impl-option segments=3
done > /dev/null; el "sanitizers"; cut -c1-180 $R/sanitize.log 2>/dev/null | tail -16

#!/usr/bin/env bash
# Session 15 call 5 (3a0125d = n6: the state warpgroup refills the outputs' chunks in every output step
# up to a contraction of 128; the n5 patch of call 4 less the 192 x 64 and 256 x 64 kernels). Correctness
# first: la2's GPU tests, the four sanitizers on the windowed 128-wide kernels (d = 96 in place, 128 x 256
# in value tiles) and on native one-pass and fused cases, verify of la2 (bf16 with 16k and 128k, f16,
# f32); then n6 against 8ecdd27 (n3) at d = 96 h42 and 128 x 256 h16 (not measured in call 4; predicted
# 1-3 % faster, as at d = 128) and d = 128 h32, alternated twice.
set -uo pipefail
R=/tmp/res5; rm -rf $R; mkdir -p $R/san /tmp/n3 /tmp/n6/tests
finish() { tar czf $OUT/s15_call5.tgz -C /tmp res5; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s15/n3/lasuite.gz > /tmp/n3/lasuite; gunzip -c .dev/s15/n6/lasuite.gz > /tmp/n6/lasuite
gunzip -c .dev/s15/n6/lasuite_tests.gz > /tmp/n6/tests/lasuite_tests; chmod +x /tmp/n3/lasuite /tmp/n6/lasuite /tmp/n6/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
N=/tmp/n6
timeout 120 $N/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|dK bytes" $R/tests.txt | head -20
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60
source scripts/sanitizer_run.sh
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool d96_in_place $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 96
  sanitizer_run $tool d128_e256_value_tiles $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype f16 --long 300 --long-heads 2 --dim 128 --dim-v 256
  sanitizer_run $tool d128_fused_segments3 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 128 --impl-option segments=3
done; el "sanitizers done"
timeout 120 $N/lasuite verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify bf16 rc=$?"; tail -1 $R/verify_la2_bf16_long.log
timeout 60 $N/lasuite verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32.json > $R/verify_la2_f16_f32.log 2>&1; el "verify f16 f32 rc=$?"; tail -1 $R/verify_la2_f16_f32.log
B="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 16k,128k"
for round in 1 2; do for x in n3 n6; do
  timeout 40 /tmp/$x/lasuite $B --heads 42 --dim 96 --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --heads 16 --dim 128 --dim-v 256 --json $R/d128_e256_${x}_r$round.json > $R/d128_e256_${x}_r$round.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d96_${x}_r$round.log $R/d128_e256_${x}_r$round.log $R/d128_${x}_r$round.log | cut -c1-100
done; done; el "bench done"

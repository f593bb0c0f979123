#!/usr/bin/env bash
# Session 17 call 4: balanced one-pass segment lengths (one_pass_lengths=balanced, the default: the dual
# pass, and the forward, which keeps its states at equal lengths for the dQ pass)
# against equal ones, in one binary. Build, la2's GPU tests, verify of la2, the four sanitizers on
# small one-pass passes, the two alternated twice, and the record of the tree at the shapes.
set -uo pipefail
R=/tmp/res4; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/s17_call4.tgz -C /tmp res4; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/bld
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
ninja -C $B lasuite lasuite_tests > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|bytes differ" $R/tests.txt | head -20
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in balanced equal; do
  O="--impl-option one_pass_lengths=$x"
  timeout 60 $B/lasuite $BN $O --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite $BN $O --heads 32 --dim 64 --seqlen 64k --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d64_${x}_r$round.log | cut -c1-100
done; done; el "bench done"
# The record of this tree (with ceilings: the fraction of the floor)
BR="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd"
timeout 90 $B/lasuite $BR --heads 32 --dim 128 --seqlen 4k,16k,64k,128k --json $R/rec_d128.json > $R/rec_d128.log 2>&1
timeout 40 $B/lasuite $BR --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 60 $B/lasuite $BR --heads 42 --dim 96 --seqlen 4k,16k,128k --json $R/rec_d96.json > $R/rec_d96.log 2>&1
timeout 90 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwdbwd --heads 16 --dim 128 --seqlen 1M --json $R/rec_d128_h16_1M.json > $R/rec_d128_h16_1M.log 2>&1
grep -hE "^\| la2" $R/rec_*.log | cut -c1-150; el "record done"
timeout 150 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify bf16 rc=$?"; tail -1 $R/verify_la2_bf16_long.log
timeout 100 $B/lasuite verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32.json > $R/verify_la2_f16_f32.log 2>&1; el "verify f16 f32 rc=$?"; tail -1 $R/verify_la2_f16_f32.log
source scripts/sanitizer_run.sh
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool d128_segments3 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool d64_f16_segments5 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=5
done > /dev/null; el "sanitizers"; cut -c1-140 $R/sanitize.log

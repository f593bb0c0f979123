#!/usr/bin/env bash
# Session 16 call 4: the record of the session's last kernel code (5472da0 = 016f63e: the decay table
# and the key decays formed once; verified and sanitized as "keys" in call 3). la2's GPU tests, then
# lasuite bench at the shapes: b1 h32 d128 4k..128k and b8 n8k (twice), d64 n64k, d96 h42,
# b1 h16 d128 n1M (forward+backward).
set -uo pipefail
R=/tmp/res4; rm -rf $R; mkdir -p $R
finish() { tar czf $OUT/s16_call4.tgz -C /tmp res4; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/bld
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
ninja -C $B lasuite lasuite_tests > $R/ninja.log 2>&1; el "build rc=$?"
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
BN="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd"
for round in 1 2; do
  timeout 90 $B/lasuite $BN --heads 32 --dim 128 --seqlen 4k,16k,64k,128k --json $R/d128_r$round.json > $R/d128_r$round.log 2>&1
  timeout 40 $B/lasuite $BN --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/b8_r$round.json > $R/b8_r$round.log 2>&1
  grep -hE "^\| la2" $R/d128_r$round.log $R/b8_r$round.log | cut -c1-120
done
timeout 40 $B/lasuite $BN --heads 32 --dim 64 --seqlen 64k --json $R/d64.json > $R/d64.log 2>&1
timeout 60 $B/lasuite $BN --heads 42 --dim 96 --seqlen 4k,16k,128k --json $R/d96.json > $R/d96.log 2>&1
timeout 90 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwdbwd --heads 16 --dim 128 --seqlen 1M --json $R/d128_h16_1M.json > $R/d128_h16_1M.log 2>&1
grep -hE "^\| la2" $R/d64.log $R/d96.log $R/d128_h16_1M.log | cut -c1-120; el "bench done"

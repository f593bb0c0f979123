#!/usr/bin/env bash
# Session 15 call 2 (29ce2e6): the dual output step with the second output's scores issued before the
# first output's stores (n2) against call 1's sequential one (n1, e16a035), and n2's three passes.
# Predicted: 128k forward+backward 5.87 -> about 5.75 ms (the dV stores overlap X V^T), 4k and d64
# within 1 %. Then n2's la2 GPU tests, verify of la2 (bf16/f16 with 16k and 128k, f32 without), and
# the four sanitizers on small fused cases.
set -uo pipefail
R=/tmp/res2; rm -rf $R; mkdir -p $R/san; mkdir -p /tmp/n1 /tmp/n2/tests
finish() { tar czf $OUT/s15_call2.tgz -C /tmp res2; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s15/n1/lasuite.gz > /tmp/n1/lasuite; gunzip -c .dev/s15/n2/lasuite.gz > /tmp/n2/lasuite
gunzip -c .dev/s15/n2/lasuite_tests.gz > /tmp/n2/tests/lasuite_tests; chmod +x /tmp/n1/lasuite /tmp/n2/lasuite /tmp/n2/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
B="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for v in n1:fused n2:fused n2:three_passes; do
  x=${v%%:*}; m=${v##*:}; tag=${x}_${m}_r$round
  timeout 60 /tmp/$x/lasuite $B --seqlen 4k,16k,128k --heads 32 --dim 128 --mode fwdbwd --impl-option backward=$m --json $R/d128_$tag.json > $R/d128_$tag.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --seqlen 64k --heads 32 --dim 64 --mode fwdbwd --impl-option backward=$m --json $R/d64_$tag.json > $R/d64_$tag.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --seqlen 8k --batch 8 --heads 32 --dim 128 --mode fwdbwd --impl-option backward=$m --json $R/b8_$tag.json > $R/b8_$tag.log 2>&1
  echo "== $tag"; grep -hE "^\| la2" $R/d128_$tag.log $R/d64_$tag.log $R/b8_$tag.log | cut -c1-110
done; done; el "bench done"
timeout 120 /tmp/n2/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|dK bytes" $R/tests.txt | head -30
timeout 150 /tmp/n2/lasuite verify --device cuda --impl la2 --dtype bf16,f16 --long 16k,128k --json $R/verify_la2_16bit.json > $R/verify_la2_16bit.log 2>&1; el "verify 16-bit rc=$?"; tail -1 $R/verify_la2_16bit.log
timeout 60 /tmp/n2/lasuite verify --device cuda --impl la2 --dtype f32 --json $R/verify_la2_f32.json > $R/verify_la2_f32.log 2>&1; el "verify f32 rc=$?"; tail -1 $R/verify_la2_f32.log
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60
source scripts/sanitizer_run.sh
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool fused_d128 /tmp/n2/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 128 --impl-option segments=3
  sanitizer_run $tool fused_d64_f16 /tmp/n2/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype f16 --long 200 --long-heads 2 --dim 64
done; el "sanitizers done"

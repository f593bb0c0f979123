#!/usr/bin/env bash
# Session 15 call 1 (e16a035): the fused dK/dV backward (the dual output step) on the GPU.
# Predicted: b1 h32 d128 forward+backward 128k 6.39 -> about 5.8 ms (20.5 -> ~22.6 M tokens/s, +10 %),
# a larger share at 4k (one kernel fewer); forward unchanged (same kernels, same registers and spills
# by ptxas). Order: la2's GPU tests, the A/B bench (backward=fused against three_passes, alternated
# twice), verify of la2 (every dtype, the long cases), then the four sanitizers on small fused cases.
set -uo pipefail
R=/tmp/res1; rm -rf $R; mkdir -p $R/san; N=/tmp/n1; mkdir -p $N/tests
finish() { tar czf $OUT/s15_call1.tgz -C /tmp res1; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s15/n1/lasuite.gz > $N/lasuite; gunzip -c .dev/s15/n1/lasuite_tests.gz > $N/tests/lasuite_tests
chmod +x $N/lasuite $N/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
timeout 200 $N/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|dK bytes" $R/tests.txt | head -30
B="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for m in fused three_passes; do
  timeout 60 $N/lasuite $B --seqlen 4k,16k,128k --heads 32 --dim 128 --mode fwd,fwdbwd --impl-option backward=$m --json $R/d128_${m}_r$round.json > $R/d128_${m}_r$round.log 2>&1
  timeout 40 $N/lasuite $B --seqlen 64k --heads 32 --dim 64 --mode fwdbwd --impl-option backward=$m --json $R/d64_${m}_r$round.json > $R/d64_${m}_r$round.log 2>&1
  timeout 40 $N/lasuite $B --seqlen 8k --batch 8 --heads 32 --dim 128 --mode fwd,fwdbwd --impl-option backward=$m --json $R/b8_${m}_r$round.json > $R/b8_${m}_r$round.log 2>&1
  echo "== $m round $round"; grep -hE "^\| la2" $R/d128_${m}_r$round.log $R/d64_${m}_r$round.log $R/b8_${m}_r$round.log | cut -c1-170
done; done; el "bench done"
timeout 150 $N/lasuite verify --device cuda --impl la2 --dtype bf16,f16,f32 --long 16k,128k --json $R/verify_la2.json > $R/verify_la2.log 2>&1; el "verify rc=$?"; tail -2 $R/verify_la2.log
grep -iE "fail" $R/verify_la2.log | head -10
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60
source scripts/sanitizer_run.sh
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool fused_d128 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 128 --impl-option segments=3
  sanitizer_run $tool fused_d64_f16 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype f16 --long 200 --long-heads 2 --dim 64
done; el "sanitizers done"
cat $R/sanitize.log

#!/usr/bin/env bash
# Session 15 call 3: (1) ncu --set full of the three kernels of one forward+backward at b1 h32 d128 n128k
# bf16 (forward, dQ pass, fused dK/dV pass; 29ce2e6's binary n2): where the per-chunk time goes (issue
# 14's open question: 0.6 of the copy rate, tensor work a quarter of the time); (2) 8ecdd27 (n3: one
# helper stores both outputs; same ptxas registers and spills, different code) against 29ce2e6 (n2),
# alternated twice, predicted within noise; n3's la2 GPU tests, verify, the four sanitizers on fused
# cases; (3) the open racecheck question (NOTES "Sanitizers"): the case that reported WAR hazards in
# session 11 (b2 h4 n2000 d64 e128 bf16, states, early_start=off), three runs as before and three with
# racecheck's cp.async tracking off, if this compute-sanitizer has that option.
set -uo pipefail
R=/tmp/res3; rm -rf $R; mkdir -p $R/san /tmp/n2 /tmp/n3/tests
finish() { tar czf $OUT/s15_call3.tgz -C /tmp res3; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s15/n2/lasuite.gz > /tmp/n2/lasuite; gunzip -c .dev/s15/n3/lasuite.gz > /tmp/n3/lasuite
gunzip -c .dev/s15/n3/lasuite_tests.gz > /tmp/n3/tests/lasuite_tests; chmod +x /tmp/n2/lasuite /tmp/n3/lasuite /tmp/n3/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
N=/tmp/n3
timeout 150 ncu --kernel-name regex:la2_wgmma_kernel --launch-skip 0 --launch-count 3 --set full \
  -o $R/la2_fwdbwd_128k /tmp/n2/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --seqlen 128k --heads 32 \
  --dim 128 --mode fwdbwd --warmup 1 --repeats 1 > $R/ncu_run.log 2>&1; el "ncu rc=$?"
timeout 60 ncu --import $R/la2_fwdbwd_128k.ncu-rep --page details > $R/ncu_details.txt 2>&1
grep -E "la2_wgmma_kernel|Duration|DRAM Throughput|Compute \(SM\) Throughput|Issue Slots Busy|Warp Cycles Per Issued|L2 Hit Rate|No Eligible" $R/ncu_details.txt | cut -c1-120 | head -40
B="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in n2 n3; do
  timeout 60 /tmp/$x/lasuite $B --seqlen 4k,16k,128k --heads 32 --dim 128 --mode fwd,fwdbwd --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log | cut -c1-110
done; done; el "bench done"
timeout 100 $N/tests/lasuite_tests --gtest_filter='La2CudaPlans.*:La2CudaDefaults*:La2CudaPacked*:*La2CudaWideDims*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
timeout 120 $N/lasuite verify --device cuda --impl la2 --dtype bf16,f16 --long 16k --json $R/verify_la2_16bit.json > $R/verify_la2_16bit.log 2>&1; el "verify rc=$?"; tail -1 $R/verify_la2_16bit.log
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60
source scripts/sanitizer_run.sh
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool fused_d128 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 128 --impl-option segments=3
  sanitizer_run $tool fused_d64_f16 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype f16 --long 200 --long-heads 2 --dim 64
done; el "sanitizers done"
compute-sanitizer --help > $R/sanitizer_help.txt 2>&1
grep -iE "racecheck" $R/sanitizer_help.txt | head -12
SAN_TIMEOUT=50
CASE="verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 2000 --long-batch 2 --long-heads 4 --dim 64 --dim-v 128 --impl-option early_start=off"
for i in 1 2 3; do sanitizer_run racecheck wars_default_$i $N/lasuite $CASE; done; el "racecheck default done"
if grep -q "racecheck-memcpy-async" $R/sanitizer_help.txt; then
  for i in 1 2 3; do sanitizer_run racecheck wars_no_memcpy_async_$i --racecheck-memcpy-async no $N/lasuite $CASE; done
fi; el "racecheck done"

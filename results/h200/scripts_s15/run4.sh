#!/usr/bin/env bash
# Session 15 call 4: the state warpgroup refills the outputs' chunks. n4 = 754824b (the dual step only),
# n5 = 754824b + n5_state_refills_all.patch (every wgmma output step: forward, dQ, windowed), against
# n3 = 8ecdd27, alternated twice. Predicted: n4 128k forward+backward 6.03 -> about 5.85 ms (the fused
# pass 5-8 % faster: its output warpgroup loses the copies, its state warpgroup had 30 % barrier stalls),
# b8 and d64 2-3 %, forward unchanged; n5 the forward within 3 % either way (ncu showed no barrier
# stall there) and forward+backward up to 2 % more. Then each new binary's la2 GPU tests, verify of la2
# (bf16, f16, 16k; n4 only for the tests) and the four sanitizers on fused and one-pass forward cases.
set -uo pipefail
R=/tmp/res4; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/s15_call4.tgz -C /tmp res4; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
for x in n3 n4 n5; do mkdir -p /tmp/$x/tests; gunzip -c .dev/s15/$x/lasuite.gz > /tmp/$x/lasuite; chmod +x /tmp/$x/lasuite; done
gunzip -c .dev/s15/n4/lasuite_tests.gz > /tmp/n4/tests/lasuite_tests; chmod +x /tmp/n4/tests/lasuite_tests  # n5: no tests binary (64 MiB carry limit)
export LASUITE_GIT_COMMIT=${COMMIT}
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
B="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in n3 n4 n5; do
  timeout 60 /tmp/$x/lasuite $B --seqlen 4k,16k,128k --heads 32 --dim 128 --mode fwd,fwdbwd --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --seqlen 64k --heads 32 --dim 64 --mode fwdbwd --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --seqlen 8k --batch 8 --heads 32 --dim 128 --mode fwd,fwdbwd --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d64_${x}_r$round.log $R/b8_${x}_r$round.log | cut -c1-100
done; done; el "bench done"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60
source scripts/sanitizer_run.sh
for x in n4 n5; do
  N=/tmp/$x
  [[ -x $N/tests/lasuite_tests ]] && timeout 100 $N/tests/lasuite_tests --gtest_filter='La2CudaPlans.*:La2CudaPacked*:*La2CudaWideDims*:La2CudaKernelChoice*:La2CudaBackwardAlone*' > $R/tests_$x.txt 2>&1; el "$x tests rc=$?"
  grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests_$x.txt | head -10
  timeout 100 $N/lasuite verify --device cuda --impl la2 --dtype bf16,f16 --long 16k --json $R/verify_la2_16bit_$x.json > $R/verify_la2_16bit_$x.log 2>&1; el "$x verify rc=$?"; tail -1 $R/verify_la2_16bit_$x.log
  for tool in memcheck initcheck racecheck synccheck; do
    sanitizer_run $tool ${x}_fused_d128 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 128 --impl-option segments=3
    sanitizer_run $tool ${x}_fused_d64_f16 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype f16 --long 200 --long-heads 2 --dim 64
    sanitizer_run $tool ${x}_d64_e128_one_pass $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 2000 --long-batch 2 --long-heads 4 --dim 64 --dim-v 128
  done; el "$x sanitizers done"
done

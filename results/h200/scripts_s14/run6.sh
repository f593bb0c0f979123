#!/usr/bin/env bash
# Session 14 call 6: c21d7c6 (flash-decoding at d = 256 with two stages, two blocks an SM; built at the
# session's last kernel commit, which adds a refusal and a long-cache decode test at 256) against
# 3a7bd89, alternated twice at h16 d256 and once at h32 d128 (unchanged code there). Predicted at 256:
# 1M from 4.21 ms to about 3.9 (as many warps an SM as at 128 with one wave), short caches within a
# few %. Then, at the session's last commit, every GPU test and the verify of every GPU implementation,
# and the four sanitizers on the decode tests at wide dims and over long caches (60 s each at most).
set -uo pipefail
R=/tmp/res6; rm -rf $R; mkdir -p $R/san; N=/tmp/n6; O=/tmp/n5; mkdir -p $N/tests $O
finish() { tar czf $OUT/s14_call6.tgz -C /tmp res6; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s14/n6/lasuite.gz > $N/lasuite; gunzip -c .dev/s14/n6/lasuite_tests.gz > $N/tests/lasuite_tests
gunzip -c .dev/s14/n5/lasuite.gz > $O/lasuite; chmod +x $N/lasuite $N/tests/lasuite_tests $O/lasuite
export LASUITE_GIT_COMMIT=${COMMIT}
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
D="bench --impl flash_softmax --mode decode --decode-batch 1 --decode-timer graph --dtype bf16 --no-ceilings --context 4k,64k,1m"
for round in 1 2; do for x in n5 n6; do
  timeout 60 /tmp/$x/lasuite $D --heads 16 --dim 256 --json $R/decode_d256_${x}_r$round.json > $R/decode_d256_${x}_r$round.log 2>&1
  [[ $round == 1 ]] && timeout 60 /tmp/$x/lasuite $D --heads 32 --dim 128 --json $R/decode_d128_${x}_r$round.json > $R/decode_d128_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| flash" $R/decode_d*_${x}_r$round.log | cut -c1-150
done; done; el "decode ab done"
timeout 240 $N/tests/lasuite_tests --gtest_filter='*Cuda*:*La2Options*:CudnnSdpa*:VanillaCublas*:CudaBackend.*:La2Refuses*:*HeadDim*:La2SequenceParallel*:-*VeryLong*:*BesideABusyDevice*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
timeout 220 $N/lasuite verify --device cuda --json $R/verify_all.json > $R/verify_all.log 2>&1; el "verify all rc=$?"; tail -1 $R/verify_all.log
grep -E "FAIL|ERROR" $R/verify_all.log | head -10
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60
source scripts/sanitizer_run.sh
for tool in memcheck racecheck initcheck synccheck; do
  sanitizer_run $tool flash_decode_wide $N/tests/lasuite_tests --gtest_filter='FlashSoftmaxCudaDecode.PassesAtWideHeadDims:FlashSoftmaxCudaDecode.PassesOverLongCaches'
done; el "sanitizers done"
cat $R/sanitize.log

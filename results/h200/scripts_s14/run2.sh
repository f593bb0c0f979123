#!/usr/bin/env bash
# Session 14 call 2: the four sanitizers on small cases of the new La2CudaWideDims plans (value tiles
# with states_kernel=mma at 192, scan=kernel with 20 segments at batch 2), of flash_softmax's 256-wide
# kernels (in place at 256, padded at 192) and its flash-decoding at 256; the build of call 1.
set -uo pipefail
R=/tmp/res2; rm -rf $R; mkdir -p $R/san; N=/tmp/n; mkdir -p $N/tests
finish() { tar czf $OUT/s14_call2.tgz -C /tmp res2; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s14/n/lasuite.gz > $N/lasuite; gunzip -c .dev/s14/n/lasuite_tests.gz > $N/tests/lasuite_tests
chmod +x $N/lasuite $N/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45
source scripts/sanitizer_run.sh
V="$N/lasuite verify --device cuda --skip-defaults --state --impl la2"
for tool in memcheck initcheck synccheck racecheck; do
  sanitizer_run $tool vt_192_mma_seg4 $V --dtype bf16 --long 300 --long-heads 2 --dim 192 --impl-option states_kernel=mma --impl-option segments=4
  sanitizer_run $tool vt_128x256_scan_seg20_b2 $V --dtype bf16 --long 300 --long-heads 2 --long-batch 2 --dim 128 --dim-v 256 --impl-option scan=kernel --impl-option segments=20
  sanitizer_run $tool flash_256_bf16 $N/lasuite verify --device cuda --skip-defaults --impl flash_softmax --dtype bf16 --long 200 --long-heads 2 --dim 256
  sanitizer_run $tool flash_192_f16 $N/lasuite verify --device cuda --skip-defaults --impl flash_softmax --dtype f16 --long 130 --long-heads 1 --long-batch 2 --dim 192
  el "$tool done"
done
timeout 60 compute-sanitizer --tool memcheck $N/tests/lasuite_tests --gtest_filter='FlashSoftmaxCudaDecode.PassesAtWideHeadDims' > $R/san/san_memcheck_decode_wide.log 2>&1; echo "memcheck decode wide rc=$?: $(grep 'ERROR SUMMARY' $R/san/san_memcheck_decode_wide.log)" | tee -a $R/sanitize.log
cat $R/sanitize.log

#!/usr/bin/env bash
# Session 14 call 1: the commits of session 13 not yet run on a GPU (3c9c04f's review fixes of the value
# tiles, 9058148 / d785156's renamed head-dim tiles, 99d585d's shared pass code) and dff78df's
# flash_softmax past 128 (256-wide tiled kernels): GPU tests, verify of every GPU implementation whose
# code moved (la2, la1, flash_softmax, la2_sp), flash_softmax timed at 128 and 256; the f32 finding (128k
# without decay at 128 x 256 h16: is the error linear in the chunks a segment walks? segments=auto
# gives 256 chunks a block, 32 gives 64, 64 gives 32). The sanitizers follow in call 2 (run2.sh).
set -uo pipefail
R=/tmp/res; rm -rf $R; mkdir -p $R/san; N=/tmp/n; mkdir -p $N/tests
finish() { tar czf $OUT/s14_call1.tgz -C /tmp res; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s14/n/lasuite.gz > $N/lasuite; gunzip -c .dev/s14/n/lasuite_tests.gz > $N/tests/lasuite_tests
chmod +x $N/lasuite $N/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
timeout 240 $N/tests/lasuite_tests --gtest_filter='*Cuda*:La2Refuses*:*HeadDim*:CudaBackend.*:La2SequenceParallel*:*FlashSoftmax*:-*VeryLong*:*BesideABusyDevice*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|^\[  SKIPPED" $R/tests.txt | head -20
timeout 300 $N/lasuite verify --device cuda --impl la2,la1,flash_softmax --json $R/verify.json > $R/verify.log 2>&1; el "verify rc=$?"; tail -1 $R/verify.log
grep -E "FAIL|ERROR" $R/verify.log | head -10
timeout 90 $N/lasuite verify --device cuda --impl la2_sp --json $R/verify_sp.json > $R/verify_sp.log 2>&1; el "verify sp rc=$?"; tail -1 $R/verify_sp.log
for s in "128 32" "256 16" "192 16"; do set -- $s
  timeout 60 $N/lasuite bench --impl flash_softmax --dtype bf16 --mode fwd,fwdbwd --seqlen 4k,16k --heads $2 --dim $1 --json $R/flash_d$1.json > $R/flash_d$1.log 2>&1; el "flash d$1 rc=$?"
  grep -hE "^\| flash" $R/flash_d$1.log | cut -c1-150
done
F="verify --device cuda --impl la2 --skip-defaults --no-state --dtype f32 --long 128k --long-heads 16 --dim 128 --dim-v 256"
for seg in auto 32 64; do
  timeout 100 $N/lasuite $F --impl-option segments=$seg --json $R/verify_f32_seg$seg.json > $R/verify_f32_seg$seg.log 2>&1; el "f32 segments=$seg rc=$?"
  grep -E "nodecay.*\| O " $R/verify_f32_seg$seg.log
done

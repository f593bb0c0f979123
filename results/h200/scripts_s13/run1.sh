#!/usr/bin/env bash
# Session 13 call 1: the new build N (value tiles for head dims past 128, compile-time widths at the
# native 128 x 128 pass; plus session 12's la2_sp commits, never run on a GPU) against O (619a7a5):
# N's GPU tests and verify (la2, la1, la2_sp), long verify at 192 / 256 / 128 x 256, A/B at d = 128 and
# 64 (alternated), the head-dim sweep, bench --gpus 1, then the four sanitizers on small cases (after
# every timing run, never beside one).
set -uo pipefail
R=/tmp/res; mkdir -p $R/san; N=/tmp/n; O=/tmp/o; mkdir -p $N/tests $O
finish() { tar czf $OUT/s13_call1.tgz -C /tmp res; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s13/n/lasuite.gz > $N/lasuite; gunzip -c .dev/s13/n/lasuite_tests.gz > $N/tests/lasuite_tests
gunzip -c .dev/s13/o/lasuite.gz > $O/lasuite; chmod +x $N/lasuite $N/tests/lasuite_tests $O/lasuite
export LASUITE_GIT_COMMIT=${COMMIT}
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
timeout 240 $N/tests/lasuite_tests --gtest_filter='*La2*Cuda*:La2Refuses*:*HeadDim*:CudaBackend.*:La2SequenceParallel*:-*VeryLong*:*BesideABusyDevice*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|^\[  SKIPPED" $R/tests.txt | head -20
timeout 200 $N/lasuite verify --device cuda --impl la2,la1 --json $R/verify.json > $R/verify.log 2>&1; el "verify rc=$?"; tail -2 $R/verify.log
grep -iE "fail|error" $R/verify.log | head -10
for s in "192 192 21" "256 256 16" "128 256 16"; do set -- $s
  timeout 90 $N/lasuite verify --device cuda --impl la2 --skip-defaults --long 16k,128k --long-heads $3 --dim $1 --dim-v $2 --json $R/verify_long_$1x$2.json > $R/verify_long_$1x$2.log 2>&1; el "verify long $1x$2 rc=$?"; tail -1 $R/verify_long_$1x$2.log
done
timeout 90 $N/lasuite verify --device cuda --impl la2_sp --json $R/verify_sp.json > $R/verify_sp.log 2>&1; el "verify sp rc=$?"; tail -1 $R/verify_sp.log
timeout 60 $N/lasuite bench --gpus 1 --seqlen 256k --mode fwd,fwdbwd --json $R/gpus1.json > $R/gpus1.log 2>&1; el "gpus1 rc=$?"; tail -6 $R/gpus1.log
B="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --no-ceilings"
for round in 1 2; do for x in o n; do
  timeout 40 /tmp/$x/lasuite $B --seqlen 4k,16k,128k --heads 32 --dim 128 --json $R/ab_d128_${x}$round.json > $R/ab_d128_${x}$round.log 2>&1
  timeout 30 /tmp/$x/lasuite $B --seqlen 64k --heads 32 --dim 64 --json $R/ab_d64_${x}$round.json > $R/ab_d64_${x}$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/ab_d128_${x}$round.log $R/ab_d64_${x}$round.log | cut -c1-120
done; done; el "ab done"
H="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k"
for s in "96 96 42" "192 192 21" "256 256 16" "128 256 16"; do set -- $s
  timeout 60 $N/lasuite $H --heads $3 --dim $1 --dim-v $2 --json $R/dims_$1x$2.json > $R/dims_$1x$2.log 2>&1; el "dims $1x$2 rc=$?"
  grep -hE "^\| la2" $R/dims_$1x$2.log | cut -c1-160
done
timeout 60 $N/lasuite $H --seqlen 128k --heads 21 --dim 192 --no-ceilings --impl-option wide_dims=tiles --json $R/dims_192_tiles.json > $R/dims_192_tiles.log 2>&1; el "192 tiles rc=$?"; grep -hE "^\| la2" $R/dims_192_tiles.log | cut -c1-160
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=75
source scripts/sanitizer_run.sh
V="$N/lasuite verify --device cuda --skip-defaults --state --impl la2"
VS="$N/lasuite verify --device cuda --skip-defaults --state --impl la2_sp"
for tool in memcheck initcheck synccheck racecheck; do
  sanitizer_run $tool vt_192_bf16 $V --dtype bf16 --long 300 --long-heads 2 --dim 192
  sanitizer_run $tool vt_128x256_f16 $V --dtype f16 --long 200 --long-heads 2 --dim 128 --dim-v 256
  sanitizer_run $tool native_128_bf16 $V --dtype bf16 --long 300 --long-heads 2 --dim 128
  sanitizer_run $tool sp_bf16 $VS --dtype bf16 --long 300 --long-heads 2 --dim 64 --impl-option ranks=3
  el "$tool done"
done
cat $R/sanitize.log

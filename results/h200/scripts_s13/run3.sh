#!/usr/bin/env bash
# Session 13 call 3: N2 = e4d6e89 (a 192 x 64 kernel for contractions of 136..192): its GPU tests,
# verify of la2 (defaults; long 16k and 128k at 192 x 192 bf16), the four sanitizers on 192 and on a
# 136 x 200 shape read in place, A/B at d = 192 against N = 51b3989 (the 256-wide kernel there), then
# fla's chunk kernel at 192 x 192 h21, forward and forward+backward 4k..128k, in the same call as la2's
# rows (call 2's fla run at this shape timed out compiling), as long as the call has time.
set -uo pipefail
R=/tmp/res; mkdir -p $R/san; N=/tmp/n; N2=/tmp/n2; mkdir -p $N $N2/tests
finish() { tar czf $OUT/s13_call3.tgz -C /tmp res; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s13/n/lasuite.gz > $N/lasuite; gunzip -c .dev/s13/n2/lasuite.gz > $N2/lasuite
gunzip -c .dev/s13/n2/lasuite_tests.gz > $N2/tests/lasuite_tests; chmod +x $N/lasuite $N2/lasuite $N2/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT} TRITON_CACHE_DIR=$PWD/build_triton_cache
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
timeout 100 $N2/tests/lasuite_tests --gtest_filter='*La2*Cuda*:La2Refuses*:-*VeryLong*:*BesideABusyDevice*:La2SequenceParallel*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
timeout 100 $N2/lasuite verify --device cuda --impl la2 --json $R/verify.json > $R/verify.log 2>&1; el "verify rc=$?"; tail -1 $R/verify.log; grep -E "FAIL|ERROR" $R/verify.log | head
timeout 60 $N2/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 16k,128k --long-heads 21 --dim 192 --json $R/verify_long_192.json > $R/verify_long_192.log 2>&1; el "verify long 192 rc=$?"; tail -1 $R/verify_long_192.log
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40
source scripts/sanitizer_run.sh
V="$N2/lasuite verify --device cuda --skip-defaults --state --impl la2"
for tool in memcheck initcheck synccheck racecheck; do
  sanitizer_run $tool vt_192_bf16 $V --dtype bf16 --long 300 --long-heads 2 --dim 192
  sanitizer_run $tool vt_136x200_f16 $V --dtype f16 --long 200 --long-heads 2 --dim 136 --dim-v 200
done; el "sanitizers done"
for round in 1 2; do for x in n n2; do
  timeout 30 /tmp/$x/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 21 --dim 192 --json $R/la2_d192_${x}_$round.json > $R/la2_d192_${x}_$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/la2_d192_${x}_$round.log | cut -c1-130
done; done; el "ab done"
timeout $(( 570 - ($(date +%s) - T0) )) python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --seqlen 4k,16k,64k,128k --heads 21 --dim 192 \
    --mode fwd,fwdbwd --git-commit ${COMMIT} --json $R/fla_d192_e192_h21.json > $R/fla_d192_e192_h21.log 2>&1; el "fla d192 rc=$?"
grep -E "agree|\] ext" $R/fla_d192_e192_h21.log | tail -10 | cut -c1-160

#!/usr/bin/env bash
# Session 12 call 2: (W) the branch wip/la2-strided-dims (92c83cf): GPU tests, verify, the four
# sanitizers on an in-place shape (96 bf16 with states), A/B against main at native shapes and d96;
# (M) main + the new la2_sp (sequence parallel on the GPU, uncommitted build of this session): its
# tests, verify, memcheck/initcheck/racecheck/synccheck on a small case, bench --gpus 1 with and
# without mpirun.
set -uo pipefail
R=/tmp/res; mkdir -p $R/san; M=/tmp/m; W=/tmp/w; mkdir -p $M/tests $W/tests
finish() { tar czf $OUT/s12_call2.tgz -C /tmp res; }
trap finish EXIT
for x in m w; do D=/tmp/$x; gunzip -c .dev/s12/$x/lasuite.gz > $D/lasuite; gunzip -c .dev/s12/$x/lasuite_tests.gz > $D/tests/lasuite_tests; chmod +x $D/lasuite $D/tests/lasuite_tests; done
export LASUITE_GIT_COMMIT=${COMMIT}
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=90
source scripts/sanitizer_run.sh
VW="$W/lasuite verify --device cuda --skip-defaults --state --impl la2"
VM="$M/lasuite verify --device cuda --skip-defaults --state --impl la2_sp"
( for tool in memcheck initcheck racecheck synccheck; do
    sanitizer_run $tool w_96_bf16 $VW --dtype bf16 --long 300 --long-heads 2 --dim 96
    sanitizer_run $tool sp_bf16 $VM --dtype bf16 --long 300 --long-heads 2 --dim 64 --impl-option ranks=3
  done ) &
SAN=$!
timeout 150 $M/tests/lasuite_tests --gtest_filter='La2SequenceParallel*' > $R/m_sp_tests.txt 2>&1; echo "sp tests rc=$?"
grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED" $R/m_sp_tests.txt | head
timeout 200 $W/tests/lasuite_tests --gtest_filter='*La2*Cuda*:La2Refuses*:*HeadDim*:CudaBackend.*:-*VeryLong*:*BesideABusyDevice*:La2SequenceParallel*' > $R/w_tests.txt 2>&1; echo "w tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/w_tests.txt | head
timeout 150 $W/lasuite verify --device cuda --impl la2,la1 --json $R/verify_w.json > $R/verify_w.log 2>&1; echo "verify w rc=$?"; tail -1 $R/verify_w.log
timeout 100 $M/lasuite verify --device cuda --impl la2_sp --json $R/verify_sp.json > $R/verify_sp.log 2>&1; echo "verify sp rc=$?"; tail -1 $R/verify_sp.log
timeout 60 $M/lasuite bench --gpus 1 --seqlen 64k,256k --json $R/gpus1.json > $R/gpus1.log 2>&1; echo "gpus1 rc=$?"; cat $R/gpus1.log | tail -8
timeout 60 mpirun --allow-run-as-root -np 1 $M/lasuite bench --gpus 1 --seqlen 64k --json $R/gpus1_mpi.json > $R/gpus1_mpi.log 2>&1; echo "gpus1 mpi rc=$?"; tail -5 $R/gpus1_mpi.log
B="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --no-ceilings"
for x in m w; do
  timeout 40 /tmp/$x/lasuite $B --seqlen 16k,128k --heads 32 --dim 128 --json $R/ab_d128_$x.json > $R/ab_d128_$x.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --seqlen 64k --heads 32 --dim 64 --json $R/ab_d64_$x.json > $R/ab_d64_$x.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --seqlen 16k,128k --heads 42 --dim 96 --json $R/ab_d96_$x.json > $R/ab_d96_$x.log 2>&1
  grep -hE "^\| la2" $R/ab_*_$x.log | cut -c1-110
done
wait $SAN; cat $R/sanitize.log

#!/usr/bin/env bash
# Session 12 call 4: (1) la2_sp's tests and verify on the committed code (the exchange weights made once
# a rank came after call 2; ranks take turns on the GPU, the tracker sees their memory), its NCCL path as
# a world of one under verify, and the four sanitizers on it; (2) fla's chunk kernel
# forward+backward at the head-dim bar shapes (d = 96; d = 256 where time is left) (never measured; its Triton backward compiles for
# minutes a head dim), 16k and 128k, the same call as la2's rows at those shapes.
set -uo pipefail
R=/tmp/res; mkdir -p $R; A=/tmp/a; mkdir -p $A/tests
finish() { tar czf $OUT/s12_call4.tgz -C /tmp res; }
trap finish EXIT
gunzip -c .dev/s12/a/lasuite.gz > $A/lasuite; gunzip -c .dev/s12/a/lasuite_tests.gz > $A/tests/lasuite_tests; chmod +x $A/lasuite $A/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT} TRITON_CACHE_DIR=$PWD/build_triton_cache
timeout 120 $A/tests/lasuite_tests --gtest_filter='La2SequenceParallel*:LaunchPlace*:BindProcess*' > $R/sp_tests.txt 2>&1; echo "sp tests rc=$?"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED" $R/sp_tests.txt
timeout 90 $A/lasuite verify --device cuda --impl la2_sp --json $R/verify_sp.json > $R/verify_sp.log 2>&1; echo "verify sp rc=$?"; tail -1 $R/verify_sp.log
timeout 60 $A/lasuite verify --device cuda --impl la2_sp --impl-option comm=nccl --json $R/verify_sp_nccl.json > $R/verify_sp_nccl.log 2>&1; echo "verify sp nccl rc=$?"; tail -1 $R/verify_sp_nccl.log
echo "== la2_sp sanitizers (ranks taking turns) $(date +%T)"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=150; mkdir -p $R/san
source scripts/sanitizer_run.sh
for tool in racecheck memcheck initcheck synccheck; do
  sanitizer_run $tool sp_bf16_2ranks $A/lasuite verify --device cuda --skip-defaults --state --impl la2_sp --dtype bf16 --long 200 --long-heads 1 --dim 64 --impl-option ranks=2
done
sanitizer_run racecheck sp_ring_f32_3ranks $A/lasuite verify --device cuda --skip-defaults --state --impl la2_sp --dtype f32 --long 150 --long-heads 1 --dim 64 --dim-v 96 --impl-option ranks=3 --impl-option exchange=ring
fla() { timeout $4 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --seqlen 16k,128k --heads $3 --dim $1 --dim-v $2 \
    --mode fwdbwd --git-commit ${COMMIT} --json $R/fla_d$1_e$2_h$3_fwdbwd.json > $R/fla_d$1_e$2_h$3_fwdbwd.log 2>&1; echo "fla d$1 e$2 rc=$? $(date +%T)"
  grep -E "agree|\] ext" $R/fla_d$1_e$2_h$3_fwdbwd.log | tail -3 | cut -c1-160; }
echo "== fla fwdbwd $(date +%T)"
fla 96 96 42 230
[[ $SECONDS -lt 300 ]] && fla 256 256 16 200

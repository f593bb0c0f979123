#!/usr/bin/env bash
# Session 9 call 1: HEAD's check with the new verify cases (head dims, packed, decode) on every GPU impl,
# vanilla_cublas initcheck with bulk copies seen, and the #18 bar (Python callables at 4k/128k).
set -uo pipefail
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/b; mkdir -p $B/tests
gunzip -c .dev/s9/lasuite.gz > $B/lasuite; gunzip -c .dev/s9/lasuite_tests.gz > $B/tests/lasuite_tests; chmod +x $B/lasuite $B/tests/lasuite_tests
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
( timeout 520 python3 baselines/external/verify_external.py --extra-path .ext --extra-path baselines/external \
   --impl builtin_callables:fla_chunk,builtin_callables:lightning_attn2 --skip-defaults --long 4k,128k --long-heads 4 \
   --sample-heads 2 --json $OUT/h200_verify_callables_long.json > $OUT/verify_callables_long.log 2>&1; echo "ext rc=$?" >> $OUT/verify_callables_long.log ) &
echo "== tests $(date +%T)"
timeout 200 $B/tests/lasuite_tests --gtest_filter='*Cuda*:*La2Options*' > $OUT/h200_tests_cuda.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED" $OUT/h200_tests_cuda.txt | head -20
echo "== verify $(date +%T)"
timeout 240 $B/lasuite verify --device cuda --dtype bf16,f16,f32 --json $OUT/h200_verify_gpu_all.json > $OUT/h200_verify_gpu_all.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR|error" $OUT/h200_verify_gpu_all.log | head -30; tail -1 $OUT/h200_verify_gpu_all.log
echo "== initcheck vanilla_cublas --check-bulk-copy yes $(date +%T)"
OUT=$OUT LOGS=/tmp/san BUILD=$B TOOLS=initcheck SAN_PLANS=" " SAN_OTHERS="vanilla_cublas cudnn_sdpa" SAN_DTYPES=bf16,f32 SAN_INITCHECK_FLAGS="--check-bulk-copy yes" SAN_TIMEOUT=100 scripts/gpu_sanitize.sh
tar czf $OUT/san_logs.tgz -C /tmp san
echo "== waiting for callables $(date +%T)"; wait; tail -5 $OUT/verify_callables_long.log

#!/usr/bin/env bash
# Call 1: carried binaries; GPU tests, la2 verify, bench, two sanitizer tools.
set -uo pipefail
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/b; mkdir -p $B/tests
gunzip -c .dev/bin/lasuite.gz > $B/lasuite; gunzip -c .dev/bin/lasuite_tests.gz > $B/tests/lasuite_tests; chmod +x $B/lasuite $B/tests/lasuite_tests
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
export BUILD=$B LOGS=$OUT/logs
mkdir -p $LOGS
STEPS="tests" TESTS_TIMEOUT=240 TEST_FILTER='*La2Cuda*:*La2Options*:*CudaBackend*:-*VeryLong*' scripts/gpu_la2.sh
STEPS="verify bench" BENCH_SEQLEN=4k,16k,64k,128k scripts/gpu_la2.sh
TOOLS="synccheck memcheck" SAN_DTYPES=bf16,f32 SAN_PLANS="default one_pass=off scan=kernel segments=1 kernel=mma" SAN_OTHERS="" SAN_TIMEOUT=60 scripts/gpu_sanitize.sh
cd $OUT && tar czf logs.tgz logs && rm -rf logs

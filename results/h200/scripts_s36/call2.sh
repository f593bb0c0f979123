#!/usr/bin/env bash
# Session 36 call 2: on this session's main (the harness's --time-limit for verify and bench; the wide steps
# without the contraction windows' run-time choice, 95fcb7a), every GPU test suite (the CPU-only suites ran in CI),
# verify of every GPU implementation, then the record of issue 14's shapes and issue 16's wide ones with ceilings
# (fraction_of_floor), bf16 ALiBi, forward and forward+backward, as far as the call's time allows.
# Run as `SESSION=s36 COMMIT=<commit> bash results/h200/scripts_s36/call2.sh`.
CALL=call2 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
GPU_SUITES='Cudnn*:CumsumCuda*:FlashSoftmaxCuda*:VanillaCublas*:Bench*:Cli.*:CudaCheck*:CudaBackend*:La1Cuda*:La2*:HeadDimTiles*:TensorMaps*:InProcessGroup*:BindProcessToGpu*:Verify/Cudnn*:Verify/CumsumCuda*:Verify/FlashSoftmaxCuda*:Verify/VanillaCublas*:Verify/La1Cuda*:Verify/La2Cuda*:Modes/*'
timeout 220 $B/tests/lasuite_tests --gtest_filter="$GPU_SUITES" --gtest_brief=1 > $R/tests.txt 2>&1; el "GPU test suites rc=$?"
grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED" $R/tests.txt | head -12
timeout 110 $B/lasuite verify --device cuda --time-limit 90 --json $R/verify_cuda_all.json > $R/verify_cuda_all.log 2>&1
el "verify every GPU implementation rc=$?"; tail -n 1 $R/verify_cuda_all.log; grep -E "FAIL|ERROR" $R/verify_cuda_all.log | head -5
rec() {  # name, bench arguments; skipped past 540 s of the call
  local name=$1; shift
  (( $(date +%s) - T0 < 540 )) || { el "record $name skipped: past 540 s"; return; }
  timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --time-limit 45 "$@" \
    --json $R/rec_$name.json > $R/rec_$name.log 2>&1; el "record $name rc=$?"
  grep -hE "^\| la2" $R/rec_$name.log | cut -c1-150
}
rec d128_h32 --seqlen 4k,16k,64k,128k --heads 32 --dim 128
rec d256_h16 --seqlen 4k,16k,128k --heads 16 --dim 256
rec d192_h21 --seqlen 4k,16k,128k --heads 21 --dim 192
rec d128x256_h16 --seqlen 4k,16k,128k --heads 16 --dim 128 --dim-v 256
rec b8_d128_n8k --batch 8 --seqlen 8k --heads 32 --dim 128
rec d64_h32_n64k --seqlen 64k --heads 32 --dim 64

#!/usr/bin/env bash
# Session 10 call 2 (20888f9): the ragged grid for packed batches, cuDNN's decode fix, decode early start,
# vanilla_cublas scores_prefill: GPU tests, verify, the four sanitizers (background), then the packed bench
# (ragged and spans) and a dense A/B against 8bb0636 (the kernels before the ragged grid).
set -uo pipefail
export LASUITE_GIT_COMMIT=${COMMIT}
R=/tmp/res; mkdir -p $R /tmp/san
B=/tmp/b; O=/tmp/old; mkdir -p $B/tests $O
gunzip -c .dev/s10/lasuite.gz > $B/lasuite; gunzip -c .dev/s10/lasuite_tests.gz > $B/tests/lasuite_tests
gunzip -c .dev/s10/old_lasuite.gz > $O/lasuite; chmod +x $B/lasuite $B/tests/lasuite_tests $O/lasuite
finish() { tar czf $OUT/s10_call2.tgz -C /tmp res san 2>/dev/null; }
trap finish EXIT
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
echo "== sanitizers in the background $(date +%T)"
( S=$R/sanitize.log
  for tool in memcheck initcheck racecheck synccheck; do
    timeout 60 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 $B/lasuite verify --impl la2 --device cuda \
      --dtype bf16,f32 --skip-defaults --packed 1,15,17,0,65,130,700 --long-heads 2 --dim 64 --state > /tmp/san/packed_$tool.log 2>&1
    echo "$tool | la2 packed ragged | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san/packed_$tool.log | tr '\n' ' ') | $(grep -E '^verify:' /tmp/san/packed_$tool.log)" >> $S
    timeout 60 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 $B/tests/lasuite_tests \
      --gtest_filter='La2DecodeCuda.StateInPlaceGivesWhatTwoBuffersGive:CudaBackend.RecordedWorkReplaysAsLaunched' > /tmp/san/inplace_$tool.log 2>&1
    echo "$tool | la2 in place (4 segments) + record replay | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san/inplace_$tool.log | tr '\n' ' ') | $(grep -E '^\[  (PASSED|FAILED)' /tmp/san/inplace_$tool.log | tr '\n' ' ')" >> $S
    timeout 90 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 $B/lasuite bench --impl flash_softmax --mode decode \
      --decode-batch 1,3 --decode-tokens 7 --context 100,1000 --heads 2 --dim 128 --dtype bf16 --warmup 1 --repeats 1 --no-ceilings --decode-timer launches > /tmp/san/fdec_$tool.log 2>&1
    echo "$tool | flash_softmax decode T=7 B=1,3 ctx 100,1000 | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san/fdec_$tool.log | tr '\n' ' ') | rows ok: $(grep -c '| ok' /tmp/san/fdec_$tool.log)" >> $S
  done
  timeout 90 compute-sanitizer --tool initcheck --error-exitcode 9 --print-limit 10 $B/lasuite verify --impl vanilla_cublas --device cuda \
    --dtype bf16,f32 --skip-defaults --long 200 --long-batch 1 --long-heads 2 --dim 64 --sample-heads 1 --impl-option scores_prefill=zero > /tmp/san/vanilla_initcheck_prefill.log 2>&1
  echo "initcheck | vanilla_cublas scores_prefill=zero | rc=$? | $(grep -E 'ERROR SUMMARY' /tmp/san/vanilla_initcheck_prefill.log | tr '\n' ' ') | $(grep -E '^verify:' /tmp/san/vanilla_initcheck_prefill.log)" >> $S
  timeout 60 compute-sanitizer --tool memcheck --print-limit 30 $B/tests/lasuite_tests --gtest_filter='CudaBackend.*' > /tmp/san/backend_memcheck.log 2>&1
  echo "memcheck | CudaBackend.* (record tests, one meant to fail) | rc=$? | $(grep -E 'ERROR SUMMARY' /tmp/san/backend_memcheck.log)" >> $S
) &
SAN=$!
echo "== tests $(date +%T)"
timeout 200 $B/tests/lasuite_tests --gtest_filter='*La2Cuda*:La2DecodeCuda*:La2Options*:La2Refuses*:CudnnSdpa*:VanillaCublas*:FlashSoftmaxCuda*:CudaBackend.*:-*BesideABusyDevice*:*VeryLong*' > $R/h200_tests.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/h200_tests.txt | head -30
echo "== verify $(date +%T)"
timeout 150 $B/lasuite verify --device cuda --impl la2,cudnn_sdpa,flash_softmax --dtype bf16,f16,f32 --json $R/h200_verify_gpu.json > $R/verify_gpu.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR" $R/verify_gpu.log | head -10; tail -1 $R/verify_gpu.log
timeout 100 $B/lasuite verify --impl la2 --device cuda --dtype bf16 --skip-defaults --packed 100k,1,15,0,63,64,65,2000 --long-heads 4 --dim 128 \
  --json $R/h200_verify_la2_packed_long.json > $R/verify_packed_long.log 2>&1; echo "verify packed long rc=$?"; tail -1 $R/verify_packed_long.log
timeout 100 $B/lasuite verify --impl la2 --device cuda --dtype bf16 --skip-defaults --packed loguniform:1..16k,total=64k,seed=7 --long-heads 32 --sample-heads 2 --dim 128 --state \
  --json $R/h200_verify_la2_packed_loguniform.json > $R/verify_packed_lu.log 2>&1; echo "verify packed loguniform rc=$?"; tail -1 $R/verify_packed_lu.log
echo "== waiting for the sanitizers $(date +%T)"; wait $SAN; cat $R/sanitize.log
echo "== bench packed $(date +%T)"
for mode in ragged spans; do
timeout 90 $B/lasuite bench --impl la2 --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --dtype bf16 --decay alibi \
  --mode fwd,fwdbwd --impl-option packed=$mode --json $R/h200_la2_packed_256k_$mode.json > $R/packed_$mode.log 2>&1; echo "packed $mode rc=$?"
python3 -c "
import json; d=json.load(open('$R/h200_la2_packed_256k_$mode.json'))
for r in d['rows']: print('$mode', r['mode'], r['status'], 'tok/s', r.get('tokens_per_s'), 'equal', r.get('equal_length_tokens_per_s'), 'ratio', (r.get('tokens_per_s') or 0)/(r.get('equal_length_tokens_per_s') or 1), r['reason'][:100])"
done
echo "== dense A/B old (8bb0636) new $(date +%T)"
for k in 1 2; do for bin in old new; do X=$B; [[ $bin == old ]] && X=$O
  timeout 60 $X/lasuite bench --impl la2 --seqlen 4k,16k,128k --heads 32 --dim 128 --dtype bf16 --decay alibi --mode fwd,fwdbwd --no-ceilings \
    --json $R/ab_${bin}_$k.json > /dev/null 2>&1
  python3 -c "
import json; d=json.load(open('$R/ab_${bin}_$k.json')); print('$bin $k', ' '.join(f\"{r['mode']}{r['seqlen']//1024}k={r['tokens_per_s']/1e6:.1f}\" for r in d['rows']))"
done; done
echo "== done $(date +%T)"

#!/usr/bin/env bash
# Session 10 call 3 (370a0d2): flash-decoding v2 (cp.async pipeline) checked (GPU tests, verify, the four
# sanitizers), then the closing benches in one call: decode against context (flash_softmax, cudnn_sdpa,
# la2), la2 and fla decode by batch (graphs of 10 and 100 steps), la2 and fla on the packed 256k batch.
set -uo pipefail
export LASUITE_GIT_COMMIT=${COMMIT}
R=/tmp/res; mkdir -p $R /tmp/san
B=/tmp/b; mkdir -p $B/tests
gunzip -c .dev/s10/lasuite.gz > $B/lasuite; gunzip -c .dev/s10/lasuite_tests.gz > $B/tests/lasuite_tests; chmod +x $B/lasuite $B/tests/lasuite_tests
finish() { tar czf $OUT/s10_call3.tgz -C /tmp res san 2>/dev/null; }
trap finish EXIT
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
echo "== tests $(date +%T)"
timeout 90 $B/tests/lasuite_tests --gtest_filter='FlashSoftmaxCuda*:CudnnSdpaDecode.*' > $R/h200_tests_decode.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/h200_tests_decode.txt | head
echo "== verify $(date +%T)"
timeout 90 $B/lasuite verify --device cuda --impl flash_softmax,cudnn_sdpa --dtype bf16,f16 --json $R/h200_verify_softmax.json > $R/verify_softmax.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR" $R/verify_softmax.log | head -5; tail -1 $R/verify_softmax.log
echo "== sanitizers $(date +%T)"
for tool in memcheck initcheck racecheck synccheck; do
  timeout 60 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 $B/lasuite bench --impl flash_softmax --mode decode \
    --decode-batch 1,3 --decode-tokens 7 --context 100,1000 --heads 2 --dim 128 --dtype bf16 --warmup 1 --repeats 1 --no-ceilings --decode-timer launches > /tmp/san/fdec_$tool.log 2>&1
  echo "$tool | flash_softmax decode T=7 B=1,3 ctx 100,1000 | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san/fdec_$tool.log | tr '\n' ' ') | rows ok: $(grep -c '| ok' /tmp/san/fdec_$tool.log)" | tee -a $R/sanitize.log
  timeout 60 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 $B/lasuite bench --impl flash_softmax --mode decode \
    --decode-batch 2 --decode-tokens 1 --context 31,5000 --heads 3 --dim 64 --dtype f16 --warmup 1 --repeats 1 --no-ceilings --decode-timer launches > /tmp/san/fdec64_$tool.log 2>&1
  echo "$tool | flash_softmax decode T=1 B=2 ctx 31,5000 d64 f16 | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san/fdec64_$tool.log | tr '\n' ' ') | rows ok: $(grep -c '| ok' /tmp/san/fdec64_$tool.log)" | tee -a $R/sanitize.log
done
echo "== decode by context $(date +%T)"
timeout 120 $B/lasuite bench --impl flash_softmax,cudnn_sdpa,la2 --mode decode --decode-batch 1 --context 64,256,1k,4k,16k,64k,256k,1m \
  --heads 32 --dim 128 --dtype bf16 --decay alibi --decode-timer graph --json $R/h200_decode_context.json > $R/decode_context.log 2>&1; echo "context rc=$?"
grep -E "^\| (la2|flash|cudnn)" $R/decode_context.log | cut -c1-160
echo "== la2 decode by batch $(date +%T)"
for K in 10 100; do
  timeout 60 $B/lasuite bench --impl la2 --mode decode --decode-batch 1,8,64,256 --dtype bf16 --decay alibi --decode-timer graph --graph-steps $K \
    --json $R/h200_decode_la2_g$K.json > $R/decode_la2_g$K.log 2>&1; echo "rc=$?"; grep -E "^\| la2" $R/decode_la2_g$K.log | cut -c1-160
done
echo "== fla decode $(date +%T)"
for K in 10 100; do
  timeout 100 python3 baselines/external/decode_external.py --extra-path .ext --impl ext:fla_recurrent --decode-batch 1,8,64,256 --decode-timer graph \
    --graph-steps $K --git-commit $COMMIT --json $R/h200_decode_fla_g$K.json > $R/decode_fla_g$K.log 2>&1; echo "fla rc=$?"; tail -6 $R/decode_fla_g$K.log
done
echo "== la2 packed $(date +%T)"
timeout 90 $B/lasuite bench --impl la2 --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --dtype bf16 --decay alibi \
  --mode fwd,fwdbwd --json $R/h200_la2_packed_256k.json > $R/packed_la2.log 2>&1; echo "la2 packed rc=$?"
python3 -c "
import json; d=json.load(open('$R/h200_la2_packed_256k.json'))
for r in d['rows']: print(r['mode'], r['status'], r['packed'][:60], 'tok/s', r.get('tokens_per_s'), 'equal', r.get('equal_length_tokens_per_s'), 'ratio', (r.get('tokens_per_s') or 0)/(r.get('equal_length_tokens_per_s') or 1))"
echo "== fla packed $(date +%T)"
timeout 280 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --packed "75,1,21802,642,151,16,179,38,4,98,3,41997,26401,15731,14504,437,17244,37,959,4442,1774,3,46,110,22236,42209,2,91,22066,100,28746" --heads 32 --dim 128 \
  --mode fwd,fwdbwd --no-check --no-ceilings --git-commit ${COMMIT} --json $R/h200_fla_packed_256k.json > $R/fla_packed.log 2>&1
echo "fla packed rc=$?"; tail -6 $R/fla_packed.log
echo "== done $(date +%T)"

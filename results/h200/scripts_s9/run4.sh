#!/usr/bin/env bash
# Session 9 call 4 (9f0c748): packed la2 on the GPU and the decode peers. Sanitizers (every la2 plan, the
# packed and decode paths) run beside the GPU tests and verify; then the benches alone.
set -uo pipefail
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/b; O=/tmp/old; mkdir -p $B/tests $O
gunzip -c .dev/s9/lasuite.gz > $B/lasuite; gunzip -c .dev/s9/lasuite_tests.gz > $B/tests/lasuite_tests
gunzip -c .dev/s9/old_lasuite.gz > $O/lasuite; chmod +x $B/lasuite $B/tests/lasuite_tests $O/lasuite
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
echo "== sanitizers in the background $(date +%T)"
( OUT=$OUT LOGS=/tmp/san BUILD=$B TOOLS="memcheck racecheck initcheck synccheck" SAN_PLANS="default one_pass=off kernel=mma" SAN_DTYPES=bf16 SAN_OTHERS=" " SAN_TIMEOUT=60 \
    scripts/gpu_sanitize.sh > /dev/null 2>&1
  for tool in memcheck racecheck initcheck synccheck; do
    timeout 60 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 $B/lasuite verify --impl la2 --device cuda \
      --dtype bf16 --skip-defaults --packed 1,15,17,0,65,130 --long-heads 2 --dim 64 --state > /tmp/san/packed_$tool.log 2>&1
    echo "$tool | la2_packed | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san/packed_$tool.log | tr '\n' ' ') | $(grep -E '^verify:' /tmp/san/packed_$tool.log)" >> $OUT/sanitize.log
  done; tar czf $OUT/san_logs.tgz -C /tmp san ) &
SAN=$!
echo "== tests $(date +%T)"
timeout 280 $B/tests/lasuite_tests --gtest_filter='La2CudaPacked.*:La2DecodeCuda.*:*La2Cuda*:*La2Options*:-*BesideABusyDevice*' > $OUT/h200_tests_la2.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $OUT/h200_tests_la2.txt | head -20
echo "== verify $(date +%T)"
timeout 100 $B/lasuite verify --impl la2 --device cuda --dtype bf16,f16,f32 --json $OUT/h200_verify_la2.json > $OUT/verify_la2.log 2>&1; echo "verify rc=$?"; tail -1 $OUT/verify_la2.log
timeout 100 $B/lasuite verify --impl la2 --device cuda --dtype bf16 --skip-defaults --packed 100k,1,15,0,63,64,65,2000 --long-heads 4 --dim 128 \
  --json $OUT/h200_verify_la2_packed_long.json > $OUT/verify_packed_long.log 2>&1; echo "verify packed long rc=$?"; grep -E "FAIL" $OUT/verify_packed_long.log | head -3; tail -1 $OUT/verify_packed_long.log
echo "== waiting for the sanitizers $(date +%T)"; wait $SAN; awk -F'|' '{print $1 "|" $2 "|" $3 "|" $4}' $OUT/sanitize.log
echo "== bench packed $(date +%T)"
timeout 90 $B/lasuite bench --impl la2 --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --dtype bf16 --decay alibi \
  --mode fwd,fwdbwd --json $OUT/h200_la2_packed_256k.json > $OUT/packed.log 2>&1; echo "packed rc=$?"
python3 -c "
import json; d=json.load(open('$OUT/h200_la2_packed_256k.json'))
for r in d['rows']: print(r['mode'], r['status'], r['packed'], 'tok/s', r.get('tokens_per_s'), 'equal', r.get('equal_length_tokens_per_s'), 'ratio', (r.get('tokens_per_s') or 0)/(r.get('equal_length_tokens_per_s') or 1), r['reason'][:100])"
echo "== dense A/B old (c9f4a4f) new $(date +%T)"
for k in 1 2; do for bin in old new; do X=$B; [[ $bin == old ]] && X=$O
  timeout 60 $X/lasuite bench --impl la2 --seqlen 4k,16k,128k --heads 32 --dim 128 --dtype bf16 --decay alibi --mode fwd,fwdbwd --no-ceilings \
    --json $OUT/ab_${bin}_$k.json > /dev/null 2>&1
  python3 -c "
import json; d=json.load(open('$OUT/ab_${bin}_$k.json')); print('$bin $k', ' '.join(f\"{r['mode']}{r['seqlen']//1024}k={r['tokens_per_s']/1e6:.1f}\" for r in d['rows']))"
done; done
echo "== decode la2 + fla $(date +%T)"
timeout 60 $B/lasuite bench --impl la2 --mode decode --decode-batch 1,8,64,256 --dtype bf16 --decay alibi \
  --json $OUT/h200_decode_la2.json > $OUT/decode_la2.log 2>&1; echo "la2 decode rc=$?"; grep -E "^\| la2" $OUT/decode_la2.log
timeout 200 python3 baselines/external/decode_external.py --extra-path .ext --impl ext:fla_recurrent --decode-batch 1,8,64,256 \
  --git-commit $COMMIT --json $OUT/h200_decode_fla.json > $OUT/decode_fla.log 2>&1; echo "fla decode rc=$?"; tail -12 $OUT/decode_fla.log
python3 plots/plot_decode.py $OUT/h200_decode_la2.json $OUT/h200_decode_fla.json --no-figures
echo "== done $(date +%T)"

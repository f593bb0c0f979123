#!/usr/bin/env bash
# Session 9 call 5 (final): la2 packed and fla's cu_seqlens kernel in one call (issue 16's packed bar), la2's
# verify files again (call 4's were over the file count), and the decode kernel's duration at B=1 (ncu).
# Everything goes into one tarball.
set -uo pipefail
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/b; mkdir -p $B/tests; R=/tmp/r; mkdir -p $R
gunzip -c .dev/s9/lasuite.gz > $B/lasuite; chmod +x $B/lasuite
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader | tee $R/nvidia_smi.txt
cp .dev/s9/run5.sh $R/
echo "== la2 packed $(date +%T)"
timeout 90 $B/lasuite bench --impl la2 --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --dtype bf16 --decay alibi \
  --mode fwd,fwdbwd --json $R/h200_la2_packed_256k.json > $R/la2_packed.log 2>&1; echo "la2 packed rc=$?"
LENGTHS=$(python3 -c "
import json; cu=json.load(open('$R/h200_la2_packed_256k.json'))['meta']['packed']['cu_seqlens']; print(','.join(str(b-a) for a,b in zip(cu,cu[1:])))")
echo "lengths $LENGTHS"
python3 -c "
import json; d=json.load(open('$R/h200_la2_packed_256k.json'))
for r in d['rows']: print('la2', r['mode'], r['status'], r['packed'], 'M tok/s %.1f equal %.1f ratio %.3f' % (r['tokens_per_s']/1e6, r['equal_length_tokens_per_s']/1e6, r['tokens_per_s']/r['equal_length_tokens_per_s']))"
echo "== fla packed $(date +%T)"
timeout 240 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --packed "$LENGTHS" --heads 32 --dim 128 \
  --mode fwd,fwdbwd --git-commit $COMMIT --json $R/h200_fla_packed_256k.json > $R/fla_packed.log 2>&1; echo "fla packed rc=$?"
python3 -c "
import json; d=json.load(open('$R/h200_fla_packed_256k.json'))
print('agreement', d['meta'].get('agreement'))
for r in d['rows']: print('fla', r['mode'], r['status'], r.get('packed'), r.get('tokens_per_s'), r.get('equal_length_tokens_per_s'), r['reason'][:200])"
echo "== verify la2 $(date +%T)"
timeout 100 $B/lasuite verify --impl la2 --device cuda --dtype bf16,f16,f32 --json $R/h200_verify_la2.json > $R/verify_la2.log 2>&1; echo "verify rc=$?"; tail -1 $R/verify_la2.log
timeout 100 $B/lasuite verify --impl la2 --device cuda --dtype bf16 --skip-defaults --packed 100k,1,15,0,63,64,65,2000 --long-heads 4 --dim 128 \
  --json $R/h200_verify_la2_packed_long.json > $R/verify_packed_long.log 2>&1; echo "verify packed long rc=$?"; tail -1 $R/verify_packed_long.log
echo "== ncu decode B=1 $(date +%T)"
timeout 90 ncu --kernel-name regex:la2_decode --launch-skip 2 --launch-count 3 --section SpeedOfLight --section LaunchStats \
  $B/lasuite bench --impl la2 --mode decode --decode-batch 1 --decode-timer launches --warmup 1 --repeats 1 --min-time 0 --no-ceilings \
  > $R/ncu_decode_b1.txt 2>&1; echo "ncu rc=$?"; grep -E "Duration|DRAM Throughput|Memory Throughput|Grid Size|Registers" $R/ncu_decode_b1.txt | head -12
tar czf $OUT/h200_call5.tgz -C /tmp r
echo "== done $(date +%T)"

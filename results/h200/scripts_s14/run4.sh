#!/usr/bin/env bash
# Session 14 call 4: call 3 measured 8c62cf5's f32 update (a strip at a time) 1.7x slower than dff78df
# (13.0 against 22.3-23.2 M tokens/s forward): each strip re-loads and re-splits the V operands, and the
# states-only kernel (128 registers) spills. Two other forms, both summing the whole chunk's update
# apart (all strips, V loaded once): n3 with the states-only kernel still two blocks an SM (192 bytes
# of spill at 128 x 128), n4 with it at one block an SM in f32 (no spill). Predicted: n3 about 0.9 of
# dff78df, n4 0.95-1.0. A/B alternated, then verify of n4 and n3 at 128k without decay, then the
# sanitizers on n4.
set -uo pipefail
R=/tmp/res4; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/s14_call4.tgz -C /tmp res4; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
for x in n n2 n3 n4; do mkdir -p /tmp/$x; gunzip -c .dev/s14/$x/lasuite.gz > /tmp/$x/lasuite; chmod +x /tmp/$x/lasuite; done
export LASUITE_GIT_COMMIT=${COMMIT}
B="bench --impl la2 --dtype f32 --decay alibi --mode fwd,fwdbwd --no-ceilings --seqlen 16k,128k --heads 16 --dim 128"
for round in 1 2; do for x in n n2 n3 n4; do
  timeout 40 /tmp/$x/lasuite $B --json $R/ab_f32_${x}_r$round.json > $R/ab_f32_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/ab_f32_${x}_r$round.log | cut -c1-120
done; done; el "ab done"
for x in n4 n3; do
  timeout 80 /tmp/$x/lasuite verify --device cuda --impl la2 --skip-defaults --no-state --dtype f32 --long 128k --long-heads 16 --dim 128 --dim-v 256 --json $R/verify_f32_long_$x.json > $R/verify_f32_long_$x.log 2>&1; el "verify $x rc=$?"; tail -1 $R/verify_f32_long_$x.log
  grep -E "131072.*\| O " $R/verify_f32_long_$x.log
done
timeout 60 /tmp/n4/lasuite verify --device cuda --impl la2 --dtype f32 --json $R/verify_f32_n4.json > $R/verify_f32_n4.log 2>&1; el "verify f32 n4 rc=$?"; tail -1 $R/verify_f32_n4.log
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45
source scripts/sanitizer_run.sh
V="/tmp/n4/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype f32"
for tool in memcheck initcheck synccheck racecheck; do
  sanitizer_run $tool f32_128 $V --long 300 --long-heads 2 --dim 128
  sanitizer_run $tool f32_64x128_seg1 $V --long 500 --long-heads 1 --long-batch 2 --dim 64 --dim-v 128 --impl-option segments=1
done; el "sanitizers done"
cat $R/sanitize.log

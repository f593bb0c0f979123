#!/usr/bin/env bash
# Session 15 call 6: the state warpgroup's refills in the 192 x 64 and 256 x 64 kernels too (n7 =
# 37f2c53 + n7_state_refills_wide.patch; ptxas: 4 more bytes of spill in each) against 37f2c53 (n6,
# whose kernels are 3a0125d's), alternated twice at d = 192 h21 and 256 h16, forward and
# forward+backward at 16k and 128k. Predicted: 1-4 % faster, as at 128 (or the spill eats it). Then
# n7's verify of la2 at 192, 256 and 128 x 256 (bf16, f16, states) and the four sanitizers at 192 and 256.
set -uo pipefail
R=/tmp/res6; rm -rf $R; mkdir -p $R/san /tmp/n6 /tmp/n7
finish() { tar czf $OUT/s15_call6.tgz -C /tmp res6; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
for x in n6 n7; do gunzip -c .dev/s15/$x/lasuite.gz > /tmp/$x/lasuite; chmod +x /tmp/$x/lasuite; done
export LASUITE_GIT_COMMIT=${COMMIT}
B="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 16k,128k"
for round in 1 2; do for x in n6 n7; do
  timeout 40 /tmp/$x/lasuite $B --heads 21 --dim 192 --json $R/d192_${x}_r$round.json > $R/d192_${x}_r$round.log 2>&1
  timeout 40 /tmp/$x/lasuite $B --heads 16 --dim 256 --json $R/d256_${x}_r$round.json > $R/d256_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d192_${x}_r$round.log $R/d256_${x}_r$round.log | cut -c1-100
done; done; el "bench done"
N=/tmp/n7
for dv in "192" "256" "128 --dim-v 256"; do
  tag=$(echo $dv | tr -d ' -' | tr 'v' '_')
  timeout 60 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16,f16 --long 300,4099 --long-heads 3 --dim $dv --json $R/verify_$tag.json > $R/verify_$tag.log 2>&1; el "verify $dv rc=$?"; tail -1 $R/verify_$tag.log
done
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60
source scripts/sanitizer_run.sh
for tool in memcheck initcheck racecheck synccheck; do
  sanitizer_run $tool d192 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 192
  sanitizer_run $tool d256_segments3 $N/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype f16 --long 300 --long-heads 2 --dim 256 --impl-option segments=3
done; el "sanitizers done"

#!/usr/bin/env bash
# Session 13 call 4: e4d6e89's 256-wide kernel (its copies now go a 64-column block at a time) under
# the four sanitizers, la2 at 256 x 256 h16 and 128 x 256 h16 (4k..128k), and the long verify at
# 192 x 192 bf16 that call 3's limit cut short.
set -uo pipefail
R=/tmp/res; mkdir -p $R/san; N2=/tmp/n2; mkdir -p $N2
finish() { tar czf $OUT/s13_call4.tgz -C /tmp res; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
gunzip -c .dev/s13/n2/lasuite.gz > $N2/lasuite; chmod +x $N2/lasuite
export LASUITE_GIT_COMMIT=${COMMIT}
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=30
source scripts/sanitizer_run.sh
for tool in memcheck initcheck synccheck racecheck; do
  sanitizer_run $tool vt_256_bf16 $N2/lasuite verify --device cuda --skip-defaults --state --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 256
done; el "sanitizers done"
for s in "256 256 16" "128 256 16"; do set -- $s
  timeout 30 $N2/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 --json $R/la2_d$1_e$2_h$3.json > $R/la2_d$1_e$2_h$3.log 2>&1; el "la2 $1x$2 rc=$?"
  grep -hE "^\| la2" $R/la2_d$1_e$2_h$3.log | cut -c1-130
done
timeout 100 $N2/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 16k,128k --long-heads 21 --dim 192 --json $R/verify_long_192.json > $R/verify_long_192.log 2>&1; el "verify long 192 rc=$?"; tail -1 $R/verify_long_192.log

#!/usr/bin/env bash
# Session 17 call 5: the record of the session's last kernel code (6f55c59's: tiles by TMA; the later
# changes reverted), with ceilings: b1 h32 d128 4k..128k, d64 n64k, b8 n8k, b1 h16 d128 n1M
# forward+backward; racecheck once more on a one-pass TMA case.
set -uo pipefail
R=/tmp/res5; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/s17_call5.tgz -C /tmp res5; }
trap finish EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/bld
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
ninja -C $B lasuite > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BR="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd"
timeout 90 $B/lasuite $BR --heads 32 --dim 128 --seqlen 4k,16k,64k,128k --json $R/rec_d128.json > $R/rec_d128.log 2>&1
timeout 40 $B/lasuite $BR --heads 32 --dim 64 --seqlen 64k --json $R/rec_d64.json > $R/rec_d64.log 2>&1
timeout 40 $B/lasuite $BR --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 90 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwdbwd --heads 16 --dim 128 --seqlen 1M --json $R/rec_d128_h16_1M.json > $R/rec_d128_h16_1M.log 2>&1
grep -hE "^\| la2" $R/rec_*.log | cut -c1-150; el "record done"
source scripts/sanitizer_run.sh
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45
sanitizer_run racecheck d128_tma_segments3 $B/lasuite verify --device cuda --skip-defaults --impl la2 --long-heads 2 --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3 > /dev/null
cut -c1-140 $R/sanitize.log; el "done"

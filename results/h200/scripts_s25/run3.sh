#!/usr/bin/env bash
# Session 25 call 3 (on call 2's warm machine): run2.sh again with the record rows left out and the base
# build directory removed first (call 2's probe build found call 1's there). Call 2's text: (a) the probe of the blocked segment data (.dev/s25/probe = 3640e1a plus
# scripts_s25/probe_3640e1a.patch, session 24's marks), forward and forward+backward at 4k, to set beside
# session 24's call 7 (the same marks on da5f6d3's kernels); (b) the record rows of 3640e1a (with
# ceilings): b1 h32 d128 4k..128k, b8 n8k, d64 n64k; (c) the four sanitizers on small cases of every
# reader and writer of the segment data.
CALL=call3 TARGETS="lasuite"
source results/h200/scripts_s25/prelude.sh
rm -rf /tmp/bld_base
base_build $ROOT/.dev/s25/probe > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BR="bench --impl la2 --dtype bf16 --decay alibi"
# timeout 60 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "rec d128 rc=$?"
# timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 8k --batch 8 --heads 32 --dim 128 --json $R/rec_b8.json > $R/rec_b8.log 2>&1
# timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/rec_d64.json > $R/rec_d64.log 2>&1
grep -hE "^\| la2" $R/rec_*.log | cut -c1-140; el "record done"
wait; el "probe built"; ls $B/lasuite_base || true
P="$B/lasuite_base bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --repeats 30"
for m in fwdbwd fwd; do
  timeout 40 $P --mode $m --seqlen 4k > $R/probe_${m}_4k.log 2> $R/probe_${m}_4k.err
  echo "== probe $m 4k rc=$?"; grep PROBE $R/probe_${m}_4k.err | tail -n 20 | grep -v "states-only" | cut -c1-600
done; el "probe done"
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  (( $(date +%s) - T0 < 540 )) || { el "sanitizer $tool skipped: past 540 s"; break; }
  sanitizer_run $tool one_pass_d128 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool scan_kernel_d128 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3 --impl-option scan=kernel --impl-option one_pass=off
  sanitizer_run $tool mma_f16_d64 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=3 --impl-option kernel=mma
done > /dev/null; el "sanitizers"; cat $R/sanitize.log 2>/dev/null | tail -15

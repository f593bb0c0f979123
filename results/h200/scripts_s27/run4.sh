#!/usr/bin/env bash
# Session 27 call 4 (call 3 again after its failure: the step's shared-memory limit was never raised where auto chose it, fixed in 378cbb6): the default plan with output_warpgroups=auto (f58256c: the dQ pass on the
# two-output-warpgroup step where its segments walk at most 16 chunks). la2's GPU tests; la2's verify
# (bf16 with the long cases, f16 and f32); the four sanitizers on a backward whose dQ pass takes that step
# by default (3 segments of 6 chunks, a start state) and on one that does not (one segment of 32 chunks);
# the record rows (with ceilings): b1 h32 d128 4k..128k, b8 n8k, d64 n64k; ncu (SpeedOfLight, the bench's
# clocks) of the default forward+backward's kernels at 4k and 64k.
CALL=call4 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s27/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
BR="bench --impl la2 --dtype bf16 --decay alibi"
timeout 70 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 4k,16k,64k,128k --heads 32 --dim 128 --json $R/rec_d128.json > $R/rec_d128.log 2>&1; el "rec d128 rc=$?"
timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 8k --batch 8 --heads 32 --dim 128 --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 30 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 64k --heads 32 --dim 64 --json $R/rec_d64.json > $R/rec_d64.log 2>&1
grep -hE "^\| la2" $R/rec_*.log | cut -c1-150; el "record done"
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=50 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  (( $(date +%s) - T0 < 480 )) || { el "sanitizer $tool skipped: past 480 s"; break; }
  sanitizer_run $tool auto_dq_segments3 $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 --impl-option segments=3
  sanitizer_run $tool auto_one_segment_f16 $B/lasuite $V --state --dtype f16 --long 2000 --dim 128 --impl-option segments=1
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -8
for n in 4k 64k; do
  (( $(date +%s) - T0 < 540 )) || break
  timeout 30 ncu --clock-control none --kernel-name-base demangled --kernel-name regex:"la2_" --launch-skip 5 --launch-count 5 \
    --section SpeedOfLight $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --seqlen $n \
    --mode fwdbwd --warmup 1 --repeats 2 --min-time 0 > $R/ncu_fb_$n.txt 2>&1; el "ncu $n rc=$?"
  grep -E "^  void|Duration|DRAM Throughput" $R/ncu_fb_$n.txt | sed -E 's/\(conditional.*//; s/\(std::conditional.*//' | cut -c1-110
done

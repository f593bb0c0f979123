#!/usr/bin/env bash
# Session 27 call 2: output_warpgroups=dq (the default forward; the backward's dQ pass on session 26's
# two-output-warpgroup step, two operand copies, refills by the state warpgroup) against the default,
# forward+backward b1 h32 d128 bf16 at 4k..128k, alternated twice; ncu (SpeedOfLight, the bench's
# clocks) of the default forward+backward's kernels at 4k and 64k, for where the time goes beside the
# bytes; la2's verify with output_warpgroups=dq (bf16 with the long cases, f16 and f32) and the four
# sanitizers on its backward (a start state, 3 segments).
CALL=call2 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s27/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 60 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.TwoOutputWarpgroups*' > $R/tests_two.txt 2>&1; el "two tests rc=$?"
grep -E "Failure|bytes differ|^\[  (PASSED|FAILED) |^\[       OK" $R/tests_two.txt | head -10
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwdbwd --seqlen 4k,8k,16k,32k,64k,128k"
for round in 1 2; do for x in default dq; do
  opt=""; [[ $x == dq ]] && opt="--impl-option output_warpgroups=dq"
  timeout 50 $B/lasuite $BN $opt --json $R/fb_${x}_r$round.json > $R/fb_${x}_r$round.log 2>&1
  echo "== $x round $round rc=$?"; grep -hE "^\| la2" $R/fb_${x}_r$round.log | cut -c20-100
done; done; el "A/B done"
for n in 4k 64k; do
  timeout 60 ncu --clock-control none --kernel-name-base demangled --kernel-name regex:"la2_" --launch-skip 4 --launch-count 4 \
    --section SpeedOfLight $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --seqlen $n \
    --mode fwdbwd --warmup 0 --repeats 2 --min-time 0 > $R/ncu_fb_$n.txt 2>&1; el "ncu $n rc=$?"
  grep -E "^  void|Duration|DRAM Throughput" $R/ncu_fb_$n.txt | sed -E 's/\(conditional.*//' | cut -c1-110
done
check_la2 dq "$B/lasuite" --impl-option output_warpgroups=dq
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2 --impl-option output_warpgroups=dq"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=50 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  (( $(date +%s) - T0 < 540 )) || { el "sanitizer $tool skipped: past 540 s"; break; }
  sanitizer_run $tool dq_segments3 $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 --impl-option segments=3
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -6

#!/usr/bin/env bash
# Session 27 call 1: the two-output-warpgroup step (output_warpgroups=2) with four stages and one operand
# copy of S. Two variants: deep1 (session 26's patch, results/h200/scripts_s26/pingpong_deep_fab74a8.patch,
# built from .dev/s27/base: the state warpgroup refills a stage once the output warpgroup that used it
# ends) and deep2 (this tree: the output warpgroup refills its own previous stage, so the state
# warpgroup waits for no output's end). Tests of both options (2, dq) on deep2; b1 h32 d128 bf16 at 4k,
# 16k, 128k, forward and forward+backward: default, one_pass=off, output_warpgroups=2 (deep2),
# output_warpgroups=dq (deep2; the default forward), and deep1's output_warpgroups=2, alternated twice;
# ncu of the 4k forward's output kernel under one_pass=off and deep2 (--clock-control none: the bench's
# clocks); the four sanitizers on deep2.
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s27/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
rm -rf /tmp/bld_base; base_build .dev/s27/base; el "base build (deep1)"; ls -la $B/lasuite_base | cut -c1-80
timeout 90 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.TwoOutputWarpgroups*' > $R/tests_two.txt 2>&1; el "two tests rc=$?"
grep -E "Failure|bytes differ|Expected|^\[  (PASSED|FAILED) |^\[       OK" $R/tests_two.txt | head -20
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwd,fwdbwd --seqlen 4k,16k,128k"
for round in 1 2; do for x in default off deep2 dq deep1; do
  bin=$B/lasuite opt=""
  [[ $x == off ]] && opt="--impl-option one_pass=off"
  [[ $x == deep2 ]] && opt="--impl-option output_warpgroups=2"
  [[ $x == dq ]] && opt="--impl-option output_warpgroups=dq"
  [[ $x == deep1 ]] && opt="--impl-option output_warpgroups=2" bin=$B/lasuite_base
  timeout 40 $bin $BN $opt --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  echo "== $x round $round rc=$?"; grep -hE "^\| la2" $R/d128_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
B4="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --seqlen 4k --mode fwd --warmup 1 --repeats 3 --min-time 0 --impl-option one_pass=off"
M="regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio"
for x in off deep2; do
  opt=""; [[ $x == deep2 ]] && opt="--impl-option output_warpgroups=2"
  timeout 60 ncu --clock-control none --kernel-name-base demangled --kernel-name regex:"la2_(wgmma|pingpong)_kernel" --launch-skip 2 --launch-count 2 \
    --section SpeedOfLight --section WarpStateStats --metrics "$M" --print-details all $B/lasuite $B4 $opt > $R/ncu_$x.txt 2>&1; el "ncu $x rc=$?"
  grep -E "kernel<|Duration|Warp Cycles Per Issued|stalled_(barrier|long_scoreboard|wait|gmma|no_instruction|dispatch_stall|short_scoreboard)_" $R/ncu_$x.txt | cut -c1-120
done
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2 --impl-option output_warpgroups=2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck initcheck racecheck synccheck; do
  (( $(date +%s) - T0 < 540 )) || { el "sanitizer $tool skipped: past 540 s"; break; }
  sanitizer_run $tool deep2_segments3 $B/lasuite $V --state --dtype bf16 --long 600 --dim 128 --impl-option segments=3
  sanitizer_run $tool deep2_one_segment_f16 $B/lasuite $V --state --dtype f16 --long 445 --dim 128 --impl-option segments=1
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -12

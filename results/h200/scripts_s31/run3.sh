#!/usr/bin/env bash
# Session 31 call 3: dc26ee9 (one pass: the block's own increment summed in two strips, one a warpgroup):
# build (serialised-wgmma notes counted), la2's GPU tests and CudaCheck, la2's verify, the four sanitizers on
# small one-pass cases (d128 bf16, 96 x 96 bf16, d128 f16 first_last), then d128 h32 and 96 x 96 h42 at 4k and
# 16k, forward and forward+backward, against 3f1f124 (.dev/s31/base), alternated twice; and, options only, 96 x 96
# 4k forward+backward with early_start=off after a one-pass and a two-kernel forward (does the backward's loss
# after the latter come from the early start beside the forward's tail?).
# Run as `SESSION=s31 COMMIT=<commit> bash results/h200/scripts_s31/run3.sh`.
CALL=call3 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/s31/base > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; cat $R/base_build.txt
echo "serialised wgmma notes (C7515/C7520): $(grep -cE 'C75(15|20)' $R/ninja.log)"
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 380 )) || { el "sanitizer $tool skipped: past 380 s"; break; }
  sanitizer_run $tool d128_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool d96_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 96 --impl-option segments=3
  sanitizer_run $tool d128_f16_first_last $B/lasuite $V --state --dtype f16 --long 250 --dim 128 --impl-option segments=4 --impl-option inc_order=first_last
done > /dev/null; el "sanitizers"; cut -c1-220 $R/sanitize.log
for round in 1 2; do for bin in base new; do
  exe=$B/lasuite; [[ $bin == base ]] && exe=$B/lasuite_base
  for s in "128 32" "96 42"; do set -- $s
    timeout 60 $exe bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k --heads $2 --dim $1 \
      --json $R/d$1_${bin}_r$round.json > $R/d$1_${bin}_r$round.log 2>&1
    echo "== d$1 $bin round $round"; grep -hE "^\| la2" $R/d$1_${bin}_r$round.log | cut -c1-110
  done
done; done; el "A/B done"
for x in one_pass two_kernels; do
  opt=(--impl-option early_start=off); [[ $x == two_kernels ]] && opt+=(--impl-option one_pass=off)
  timeout 40 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k --heads 42 --dim 96 \
    "${opt[@]}" --json $R/d96_no_early_${x}.json > $R/d96_no_early_${x}.log 2>&1
  echo "== d96 early_start=off, $x forward"; grep -hE "^\| la2" $R/d96_no_early_${x}.log | cut -c1-110
done; el "done"

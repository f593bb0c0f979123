#!/usr/bin/env bash
# Session 30 call 6: 560ff99 (the narrow plain step's outputs at 96 columns too, where d and e are both at
# most 96): build (serialised-wgmma notes counted), la2's GPU tests and CudaCheck, la2's verify, the four
# sanitizers on small narrow cases (96 x 96 one pass and two kernels, 72 x 88 f16), then one binary:
# narrow_products=auto against off at 96 x 96 h42 4k and 16k, alternated twice; the 96 x 96 record 4k..128k
# with the ceilings; d128 4k / 16k beside calls 1 and 3. Run as `SESSION=s30 COMMIT=<commit> bash results/h200/scripts_s30/run6.sh`.
CALL=call6 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
echo "serialised wgmma notes (C7515/C7520): $(grep -cE 'C75(15|20)' $R/ninja.log)"
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 400 )) || { el "sanitizer $tool skipped: past 400 s"; break; }
  sanitizer_run $tool d96_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 96 --impl-option segments=3
  sanitizer_run $tool d96_two_kernels $B/lasuite $V --state --dtype bf16 --long 200 --dim 96 --impl-option segments=2 --impl-option one_pass=off
  sanitizer_run $tool d72_e88_f16 $B/lasuite $V --state --dtype f16 --long 190 --dim 72 --dim-v 88 --impl-option segments=2
done > /dev/null; el "sanitizers"; cut -c1-220 $R/sanitize.log
BN="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --heads 42 --dim 96"
for round in 1 2; do for x in auto off; do
  timeout 60 $B/lasuite $BN --no-ceilings --seqlen 4k,16k --impl-option narrow_products=$x --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  echo "== d96 narrow_products=$x round $round"; grep -hE "^\| la2" $R/d96_${x}_r$round.log | cut -c1-110
done; done; el "A/B done"
timeout 120 $B/lasuite $BN --seqlen 4k,16k,64k,128k --json $R/d96_record.json > $R/d96_record.log 2>&1; el "d96 record rc=$?"
grep -hE "^\| la2" $R/d96_record.log | cut -c1-130
timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --heads 32 --dim 128 --seqlen 4k,16k \
  --json $R/d128.json > $R/d128.log 2>&1; echo "== d128"; grep -hE "^\| la2" $R/d128.log | cut -c1-110; el "done"

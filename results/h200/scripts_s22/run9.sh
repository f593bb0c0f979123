#!/usr/bin/env bash
# Session 22 call 9: the segment scan kernel loading its increments eight segments at a time (4f0a804).
# A/B against 16f50b2 (45d5ea0's kernels; its sources in .dev/s22/base): ncu of the scan kernel in one
# forward+backward at b1 h16 d128 n1M; forward+backward at 1M, alternated twice; la2's GPU tests; verify
# of la2 bf16 with the scan kernel forced (scan=kernel); the four sanitizers on small cases with
# scan=kernel (states in and out); last, as the device time allows, verify of the 1M case (default plan).
CALL=call9 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s22/prelude.sh
base_build $ROOT/.dev/s22/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 100 $B/tests/lasuite_tests --gtest_filter='La2*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_base || exit 1
BW="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --seqlen 1M --heads 16 --dim 128 --warmup 1 --repeats 1 --min-time 0"
for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && bin=$B/lasuite_base
  timeout 60 ncu --kernel-name-base demangled --kernel-name regex:"segment_scan" --launch-count 1 --section SpeedOfLight $bin $BW > $R/ncu_scan_$x.txt 2>&1; el "ncu scan $x rc=$?"
  grep -E "Duration|DRAM Through" $R/ncu_scan_$x.txt
done
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=16f50b2; } || export LASUITE_GIT_COMMIT=$COMMIT
  timeout 40 $bin $BN --mode fwdbwd --seqlen 1M --heads 16 --dim 128 --json $R/1M_${x}_r$round.json > $R/1M_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/1M_${x}_r$round.log | cut -c1-100
done; done; el "A/B done"
export LASUITE_GIT_COMMIT=$COMMIT
timeout 100 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --impl-option scan=kernel --impl-option segments=20 --json $R/verify_la2_bf16_scan_kernel.json > $R/verify_la2_bf16_scan_kernel.log 2>&1; el "verify scan=kernel rc=$?"; tail -n 1 $R/verify_la2_bf16_scan_kernel.log
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  sanitizer_run $tool new_scan_kernel_d128 $B/lasuite $V --state --dtype bf16 --long 1500 --dim 128 --impl-option segments=20 --impl-option scan=kernel
  sanitizer_run $tool new_scan_kernel_d64_f16 $B/lasuite $V --state --dtype f16 --long 1100 --dim 64 --impl-option segments=17 --impl-option scan=kernel
done > /dev/null; el "sanitizers"
cut -c1-160 $R/sanitize.log
timeout 70 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 1M --long-heads 16 --json $R/verify_la2_bf16_1M.json > $R/verify_la2_bf16_1M.log 2>&1; el "verify 1M rc=$?"; tail -n 1 $R/verify_la2_bf16_1M.log

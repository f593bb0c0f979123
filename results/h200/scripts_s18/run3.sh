#!/usr/bin/env bash
# Session 18 call 3: the fused dK/dV pass's two outputs as bulk tensor stores ("new", the working tree)
# against its 16-byte stores ("base": e9ddf79's la2_wgmma_kernel.cuh, tma_sm90.cuh and
# la2_chunk_instances.cuh), alternated twice; la2's GPU tests; verify of la2; the four sanitizers on the
# new kernels.
CALL=call3 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s18/prelude.sh
variant base $ROOT/.dev/s18/base3 bf16 &
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|bytes differ" $R/tests.txt | head -20
wait; el "variant built"; ls $B/lasuite_* | tr '\n' ' '; echo
cp $B/lasuite $B/lasuite_new
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in new base; do
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --heads 32 --dim 64 --seqlen 64k --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/b8_${x}_r$round.log $R/d64_${x}_r$round.log | cut -c1-100
done; done; el "bench done"
timeout 150 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify bf16 rc=$?"; tail -1 $R/verify_la2_bf16_long.log
timeout 100 $B/lasuite verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32.json > $R/verify_la2_f16_f32.log 2>&1; el "verify f16 f32 rc=$?"; tail -1 $R/verify_la2_f16_f32.log
source scripts/sanitizer_run.sh
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in racecheck memcheck synccheck initcheck; do
  sanitizer_run $tool d128_segments3 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool d64_f16_all_segments4 $B/lasuite $V --state --dtype f16 --long 500 --dim 64 --impl-option segments=4 --impl-option one_pass=all
done > /dev/null; el "sanitizers"; cut -c1-140 $R/sanitize.log

#!/usr/bin/env bash
# Session 18 call 4: the fused dK/dV pass's tiles by TMA, read upside down ("new", the working tree)
# against a377f14's kernels ("base": its la2_wgmma_kernel.cuh and la2_chunk_math.cuh: cp.async tiles,
# TMA stores with 16-byte stores where a box would start before row 0), alternated twice; la2's GPU
# tests; verify of la2 and the four sanitizers on both; then the record with ceilings of both at
# b1 h32 d128, and of new at d64 n64k, b8 n8k, b1 h16 d128 n1M forward+backward, d96 h42, the packed
# 256k batch.
CALL=call4 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s18/prelude.sh
variant base $ROOT/.dev/s18/base4 "bf16 f16" &
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|bytes differ|rror" $R/tests.txt | head -20
wait; el "variant built"; ls $B/lasuite_* | tr '\n' ' '; echo
cp $B/lasuite $B/lasuite_new
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in new base; do
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/b8_${x}_r$round.log | cut -c1-100
done; done; el "bench done"
source scripts/sanitizer_run.sh
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for x in new base; do
  timeout 150 $B/lasuite_$x verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long_$x.json > $R/verify_la2_bf16_long_$x.log 2>&1; el "verify bf16 $x rc=$?"; tail -1 $R/verify_la2_bf16_long_$x.log
  timeout 100 $B/lasuite_$x verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32_$x.json > $R/verify_la2_f16_f32_$x.log 2>&1; el "verify f16 f32 $x rc=$?"; tail -1 $R/verify_la2_f16_f32_$x.log
  for tool in memcheck racecheck synccheck initcheck; do
    sanitizer_run $tool ${x}_d128_segments3 $B/lasuite_$x $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
    sanitizer_run $tool ${x}_d64_f16_all_segments4 $B/lasuite_$x $V --state --dtype f16 --long 500 --dim 64 --impl-option segments=4 --impl-option one_pass=all
  done > /dev/null
done; el "sanitizers"; cut -c1-140 $R/sanitize.log
BR="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd"
for x in new base; do
  timeout 90 $B/lasuite_$x $BR --heads 32 --dim 128 --seqlen 4k,16k,64k,128k --json $R/rec_d128_$x.json > $R/rec_d128_$x.log 2>&1
done
grep -hE "^\| la2" $R/rec_d128_*.log | cut -c1-150; el "record d128"
timeout 40 $B/lasuite_new $BR --heads 32 --dim 64 --seqlen 64k --json $R/rec_d64.json > $R/rec_d64.log 2>&1
timeout 40 $B/lasuite_new $BR --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 60 $B/lasuite_new bench --impl la2 --dtype bf16 --decay alibi --mode fwdbwd --heads 16 --dim 128 --seqlen 1M --json $R/rec_d128_h16_1M.json > $R/rec_d128_h16_1M.log 2>&1
timeout 60 $B/lasuite_new $BR --heads 42 --dim 96 --seqlen 4k,128k --json $R/rec_d96.json > $R/rec_d96.log 2>&1
timeout 60 $B/lasuite_new $BR --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --json $R/rec_packed.json > $R/rec_packed.log 2>&1
grep -hE "^\| la2" $R/rec_d64.log $R/rec_b8.log $R/rec_d128_h16_1M.log $R/rec_d96.log $R/rec_packed.log | cut -c1-150; el "record done"

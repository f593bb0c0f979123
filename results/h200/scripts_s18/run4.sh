#!/usr/bin/env bash
# Session 18 call 4: the session's last kernels (the dual step's TMA stores with the 16-byte stores
# where a reversed box would start before row 0): la2's GPU tests; verify of la2; the four sanitizers
# on ragged lengths; then the record with ceilings: b1 h32 d128 4k..128k, d64 n64k, b8 n8k, b1 h16 d128
# n1M forward+backward, d96 h42, the packed 256k batch.
CALL=call4 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s18/prelude.sh
timeout 120 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|bytes differ" $R/tests.txt | head -20
timeout 150 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --long 16k,128k --json $R/verify_la2_bf16_long.json > $R/verify_la2_bf16_long.log 2>&1; el "verify bf16 rc=$?"; tail -1 $R/verify_la2_bf16_long.log
timeout 100 $B/lasuite verify --device cuda --impl la2 --dtype f16,f32 --json $R/verify_la2_f16_f32.json > $R/verify_la2_f16_f32.log 2>&1; el "verify f16 f32 rc=$?"; tail -1 $R/verify_la2_f16_f32.log
source scripts/sanitizer_run.sh
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  sanitizer_run $tool d128_segments3 $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool d64_f16_all_segments4 $B/lasuite $V --state --dtype f16 --long 500 --dim 64 --impl-option segments=4 --impl-option one_pass=all
done > /dev/null; el "sanitizers"; cut -c1-140 $R/sanitize.log
BR="bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd"
timeout 90 $B/lasuite $BR --heads 32 --dim 128 --seqlen 4k,16k,64k,128k --json $R/rec_d128.json > $R/rec_d128.log 2>&1
timeout 40 $B/lasuite $BR --heads 32 --dim 64 --seqlen 64k --json $R/rec_d64.json > $R/rec_d64.log 2>&1
timeout 40 $B/lasuite $BR --batch 8 --heads 32 --dim 128 --seqlen 8k --json $R/rec_b8.json > $R/rec_b8.log 2>&1
grep -hE "^\| la2" $R/rec_*.log | cut -c1-150; el "record d128 d64 b8"
timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwdbwd --heads 16 --dim 128 --seqlen 1M --json $R/rec_d128_h16_1M.json > $R/rec_d128_h16_1M.log 2>&1
timeout 60 $B/lasuite $BR --heads 42 --dim 96 --seqlen 4k,128k --json $R/rec_d96.json > $R/rec_d96.log 2>&1
timeout 60 $B/lasuite $BR --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --json $R/rec_packed.json > $R/rec_packed.log 2>&1
grep -hE "^\| la2" $R/rec_d128_h16_1M.log $R/rec_d96.log $R/rec_packed.log | cut -c1-150; el "record done"

#!/usr/bin/env bash
# Session 32 call 2: the output and state warpgroups' chains shortened where the tiles and outputs move by TMA:
# (a) a one-output step leaves a chunk's staged rows as boxes only once the next chunk's P V is issued (the
# proxy fence and the boxes' issue beside the tensor cores' work, not between the chunk's last product and the
# next meeting); (b) the state warpgroup issues its refill's boxes once its update's products are issued, not
# ahead of them (its warp 0 held the products back by about 0.65 k cycles, session 24's probe). Built: the
# change (new: a and b), .dev/s32/va (a alone) and .dev/s32/base (29aee95, d03e14c's kernels). la2's GPU tests,
# the A/B (b1 h32 d128 4k / 16k / 128k, 192 x 192 h21 4k / 16k, d64 n64k, forward and forward+backward,
# alternated twice), verify of la2, then the four sanitizers on small cases of every changed path.
# Run as `SESSION=s32 COMMIT=<commit> bash results/h200/scripts_s32/run2.sh`.
CALL=call2 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build .dev/s32/base > $R/base_build.txt 2>&1 &
(cmake -S .dev/s32/va -B /tmp/bld_va -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake_va.log 2>&1 &&
 ninja -C /tmp/bld_va lasuite > $R/ninja_va.log 2>&1 && cp /tmp/bld_va/lasuite $B/lasuite_va) > $R/va_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base and va built"; cat $R/base_build.txt $R/va_build.txt; ls -la $B/lasuite_base $B/lasuite_va | cut -c1-80
echo "serialised wgmma notes (C7515/C7519/C7520): $(grep -cE 'C75(15|19|20)' $R/ninja.log)"
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
for round in 1 2; do for bin in base va new; do
  exe=$B/lasuite; [[ $bin != new ]] && exe=$B/lasuite_$bin
  timeout 60 $exe bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k,128k \
    --json $R/d128_${bin}_r$round.json > $R/d128_${bin}_r$round.log 2>&1
  timeout 60 $exe bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k --heads 21 --dim 192 \
    --json $R/d192_${bin}_r$round.json > $R/d192_${bin}_r$round.log 2>&1
  timeout 60 $exe bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd --seqlen 64k --dim 64 \
    --json $R/d64_${bin}_r$round.json > $R/d64_${bin}_r$round.log 2>&1
  echo "== $bin round $round"; grep -hE "^\| la2" $R/d128_${bin}_r$round.log $R/d192_${bin}_r$round.log $R/d64_${bin}_r$round.log | cut -c1-100
done; done; el "A/B done"
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 520 )) || { el "sanitizer $tool skipped: past 520 s"; break; }
  sanitizer_run $tool d128_one_pass $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3
  sanitizer_run $tool d128_two_passes_dq_one_wg $B/lasuite $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3 --impl-option one_pass=off --impl-option output_warpgroups=1
  sanitizer_run $tool d192_windows $B/lasuite $V --state --dtype bf16 --long 300 --dim 192 --impl-option segments=2
  sanitizer_run $tool packed_d128 $B/lasuite verify --device cuda --skip-defaults --impl la2 --long-heads 2 --dtype bf16 --dim 128 --packed 100,1,15,0,70
  sanitizer_run $tool d64_f16 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=3
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log

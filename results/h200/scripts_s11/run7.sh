#!/usr/bin/env bash
# Session 11 call 7: is racecheck's report in la2's one-pass output step about the state warpgroup's own
# aligned 128-thread barrier (bar.sync 2, 128)? The variant (m7) meets there with the unaligned
# barrier.sync 2, 128, as the warpgroups' block-wide meeting does. First the variant's checks (la2 plan
# tests, verify, memcheck, synccheck), then racecheck on the one-pass 4-segment problem, the variant and
# db5bd05 alternated, default plan and early_start=off. Predicted: the variant clean in every run if the
# aligned partial barrier is what racecheck misreads; reports in both if not.
set -uo pipefail
R=/tmp/res7; mkdir -p $R/san; O=/tmp/o7; V=/tmp/v7; mkdir -p $O $V/tests
finish() { tar czf $OUT/s11_call7.tgz -C /tmp res7; }
trap finish EXIT
gunzip -c .dev/s11/m6/lasuite.gz > $O/lasuite; gunzip -c .dev/s11/m7/lasuite.gz > $V/lasuite
gunzip -c .dev/s11/m7/lasuite_tests.gz > $V/tests/lasuite_tests; chmod +x $O/lasuite $V/lasuite $V/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
timeout 60 $V/tests/lasuite_tests --gtest_filter='La2CudaPlans.*:La2DecodeCuda.StateInPlace*:La2CudaBackwardAlone.*' > $R/tests.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt
timeout 60 $V/lasuite verify --device cuda --impl la2 --dtype bf16,f16,f32 --json $R/h200_verify_la2_${COMMIT}.json > $R/verify.log 2>&1; echo "verify rc=$?"; tail -1 $R/verify.log
P="verify --device cuda --impl la2 --dtype bf16 --skip-defaults --state --long 2000 --long-batch 2 --long-heads 4 --dim 64 --dim-v 128 --impl-option segments=4"
for tool in memcheck synccheck; do
  timeout 40 compute-sanitizer --tool $tool --error-exitcode 9 $V/lasuite $P > $R/san/var_$tool.log 2>&1
  echo "$tool | variant | rc=$? | $(grep -E 'ERROR SUMMARY' $R/san/var_$tool.log)" | tee -a $R/sanitize.log
done
for i in 1 2 3; do
  for bin in var orig; do
    B=$V; [ $bin = orig ] && B=$O
    for extra in "" "--impl-option early_start=off"; do
      tag=${bin}_${i}$( [ -n "$extra" ] && echo _noearly )
      timeout 30 compute-sanitizer --tool racecheck --print-limit 2 $B/lasuite $P $extra > $R/san/race_$tag.log 2>&1
      echo "racecheck | $bin | run $i | ${extra:-default} | rc=$? | $(grep -E 'RACECHECK SUMMARY' $R/san/race_$tag.log)" | tee -a $R/sanitize.log
    done
  done
done
echo "== done $(date +%T)"

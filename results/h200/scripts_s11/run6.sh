#!/usr/bin/env bash
# Session 11 call 6: --scratch-pool keep|release (the stream-ordered pool's release threshold) in one
# binary, alternated: la2 at d = e = 128 h32 (8-16 MiB of scratch a run) and at the head-dim shapes
# (GiBs of padded copies a run), forward and forward+backward. Predicted with keep: 4k forward a few us
# faster (no 8 MiB mapped a run), 128k within noise; d = 96 at 128k 9.9 -> about 5 ms (5.3 GiB no longer
# mapped again each run). Then the CUDA backend's tests and a bench of every GPU implementation (keep).
set -uo pipefail
R=/tmp/res6; mkdir -p $R; W=/tmp/w6; mkdir -p $W/tests
finish() { tar czf $OUT/s11_call6.tgz -C /tmp res6; }
trap finish EXIT
gunzip -c .dev/s11/m6/lasuite.gz > $W/lasuite; gunzip -c .dev/s11/m6/lasuite_tests.gz > $W/tests/lasuite_tests
chmod +x $W/lasuite $W/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
B="$W/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --no-ceilings"
for round in 1 2; do
  for pool in release keep; do
    echo "== round $round, $pool $(date +%T)"
    timeout 40 $B --seqlen 4k,16k,128k --heads 32 --dim 128 --scratch-pool $pool --json $R/h200_la2_d128_${pool}_r${round}_${COMMIT}.json > $R/d128_${pool}_r$round.log 2>&1
    grep -E "^\| la2" $R/d128_${pool}_r$round.log | cut -c1-110
    timeout 40 $B --seqlen 16k,128k --heads 42 --dim 96 --scratch-pool $pool --json $R/h200_la2_d96_${pool}_r${round}_${COMMIT}.json > $R/d96_${pool}_r$round.log 2>&1
    grep -E "^\| la2" $R/d96_${pool}_r$round.log | cut -c1-110
  done
done
echo "== head-dim shapes, keep $(date +%T)"
for shape in "96 96 42" "192 192 21" "256 256 16" "128 256 16"; do set -- $shape
  timeout 60 $W/lasuite bench --impl la2 --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 --dtype bf16 --decay alibi --mode fwd,fwdbwd \
    --json $R/h200_la2_d$1_e$2_h$3_${COMMIT}.json > $R/bench_d$1_e$2.log 2>&1; echo "d$1 e$2 rc=$?"
  grep -E "^\| la2" $R/bench_d$1_e$2.log | cut -c1-120
done
echo "== backend tests, every GPU implementation (keep) $(date +%T)"
timeout 60 $W/tests/lasuite_tests --gtest_filter='CudaBackend.*:Cli.Bench*:-*BesideABusyDevice*' > $R/tests.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt
timeout 100 $W/lasuite bench --seqlen 4k,64k --heads 32 --dim 128 --dtype bf16 --mode fwd,fwdbwd --json $R/h200_all_keep_${COMMIT}.json > $R/all_keep.log 2>&1; echo "all rc=$?"
grep -E "^\| [a-z]" $R/all_keep.log | cut -c1-110
echo "== done $(date +%T)"

#!/usr/bin/env bash
# Session 33 call 1: how much of a short training pass is the GPU waiting for the host. `lasuite bench --timer
# launches,graph` times each point twice: as launched (the bars' timer) and as a CUDA graph of the same work
# replayed (the host's planning, tensor-map encoding and launching out of the time). Then ncu's per-kernel
# durations of one forward+backward at 4k (their sum against the events' time says what lies between the
# kernels), and session 32's unrun stall sampling of the 4k and 16k forward (run7.sh's profile).
# No kernel code changes in this call. Run as `SESSION=s33 COMMIT=<commit> bash results/h200/scripts_s33/run1.sh`.
CALL=call1 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 120 $B/tests/lasuite_tests --gtest_filter='CudaBackend*' > $R/tests.txt 2>&1; el "backend tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|what|output" $R/tests.txt | head -10
BENCH="$B/lasuite bench --impl la2 --dtype bf16 --decay alibi"
for steps in 1 10; do
  $BENCH --mode fwd,fwdbwd --seqlen 4k,8k,16k,128k --timer launches,graph --graph-steps $steps \
    --json $R/d128_graph$steps.json > $R/d128_graph$steps.log 2>&1; el "d128 graph-steps $steps rc=$?"
done
$BENCH --mode fwdbwd --seqlen 64k --dim 64 --timer launches,graph --graph-steps 1 --json $R/d64_graph1.json > $R/d64_graph1.log 2>&1; el "d64 rc=$?"
$BENCH --mode fwd,fwdbwd --seqlen 8k --batch 8 --timer launches,graph --graph-steps 1 --json $R/b8_graph1.json > $R/b8_graph1.log 2>&1; el "b8 rc=$?"
grep -h "^| la2" $R/d128_graph1.log $R/d128_graph10.log $R/d64_graph1.log $R/b8_graph1.log | cut -c1-200
# Every la2 kernel of the bench's first (probe) forward+backward at 4k, each timed alone by ncu (its clocks left
# alone, caches flushed before each: ncu's default), names and durations.
timeout 120 ncu --clock-control none --kernel-name regex:la2_ --launch-count 12 --metrics gpu__time_duration.sum \
  --csv $B/lasuite bench --impl la2 --dtype bf16 --mode fwdbwd --seqlen 4k --warmup 1 --repeats 1 --min-time 0 \
  --no-ceilings > $R/ncu_durations_4k.csv 2> $R/ncu_durations_4k.err; el "ncu durations rc=$?"
python3 - $R/ncu_durations_4k.csv <<'PY'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1])) if len(r) > 10]
head = rows[0]; k = head.index("Kernel Name"); v = head.index("Metric Value"); u = head.index("Metric Unit")
tot = 0
for r in rows[1:]:
    x = float(r[v].replace(",", "")); x = x / 1e3 if r[u] == "nsecond" else x
    tot += x; print(f"{x:8.2f} us  {r[k][:150]}")
print(f"sum {tot:.1f} us")
PY
BENCH1="$B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --warmup 1 --repeats 1 --min-time 0"
profile() {  # name, launches to skip, launches to take, bench arguments (session 32's run7.sh)
  local name=$1 skip=$2 count=$3; shift 3
  (( $(date +%s) - T0 < 470 )) || { el "profile $name skipped: past 470 s"; return; }
  timeout 100 ncu --clock-control none --kernel-name regex:la2_ \
    --launch-skip $skip --launch-count $count --section WarpStateStats --section SourceCounters --import-source yes \
    -o $R/$name $BENCH1 "$@" > $R/ncu_$name.log 2>&1; el "ncu $name rc=$?"
  ncu -i $R/$name.ncu-rep --page details > $R/${name}_details.txt 2>&1
  ncu -i $R/$name.ncu-rep --page source --csv --print-source sass > $R/${name}_sass.csv 2> $R/${name}_sass.err
  el "export $name: $(wc -l < $R/${name}_sass.csv) lines"; head -c 300 $R/${name}_sass.err
  grep -E "Stall|Warp Cycles|Eligible|Issued Warp" $R/${name}_details.txt | head -20
}
profile fwd_4k 1 1 --mode fwd --seqlen 4k
profile fwd_16k 1 1 --mode fwd --seqlen 16k
rm -f $R/*.ncu-rep.tmp

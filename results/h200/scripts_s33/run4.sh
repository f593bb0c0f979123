#!/usr/bin/env bash
# Session 33, not run: where a one-pass forward's blocks spend their time at 4k and 16k (b1 h32 d128 bf16 ALiBi),
# main's kernels against the scan patches (PATCHES, applied in order; default both), each with timeline.patch
# (each block's state warpgroup prints %globaltimer at its start, at its increment's publication, after its scan
# and at its end; timeline_summary.py takes the medians a segment). The scan patches predict the last segments'
# scan (increment end to scan end) shorter by 1-2 us at 4k and the kernel's end earlier by as much. Printing
# moves the times a little; compare the two builds with each other, not with the bench's figures.
# Run as `SESSION=sNN COMMIT=<commit> [PATCHES="..."] bash results/h200/scripts_s33/run4.sh`.
S33=results/h200/scripts_s33
PATCHES=${PATCHES:-"scan_round_trips.patch scan_pairs.patch"}
rm -rf /tmp/tl_base && mkdir -p /tmp/tl_base && cp -r CMakeLists.txt LICENSE README.md baselines cmake examples harness kernels plots reference scripts tests /tmp/tl_base/
patch -s -p1 -d /tmp/tl_base < $S33/timeline.patch || { echo "timeline.patch does not apply to main"; exit 1; }
for p in $PATCHES; do patch -s -p1 < $S33/$p || { echo "$p does not apply"; exit 1; }; done
patch -s -p1 < $S33/timeline.patch || { echo "timeline.patch does not apply over $PATCHES"; exit 1; }
CALL=call4 TARGETS="lasuite"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build /tmp/tl_base > $R/base_build.txt 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; cat $R/base_build.txt
[[ -x $B/lasuite_base ]] || { echo "no lasuite_base: the timelines cannot be compared"; exit 1; }
for round in 1 2; do for bin in base new; do
  exe=$B/lasuite; [[ $bin == base ]] && exe=$B/lasuite_base
  for n in 4k 16k; do
    timeout 60 $exe bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd --seqlen $n --warmup 1 \
      --repeats 2 --min-time 0 > $R/tl_${bin}_${n}_r$round.log 2>&1
    echo "== $bin $n round $round"; python3 $S33/timeline_summary.py $R/tl_${bin}_${n}_r$round.log | tail -n 6
  done
done; done; el "timelines done"

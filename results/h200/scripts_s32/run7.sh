#!/usr/bin/env bash
# Not run in session 32 (device time spent): for the next session, before another change to when a chunk's tiles
# load or its outputs leave. Session 32 moved both three ways (later loads, deferred boxes, earlier loads with a
# second barrier) and each lost at one block an SM, by amounts session 24's per-chunk probe did not predict. This
# call takes ncu's per-instruction warp-stall sampling of the d128 forward's one-pass kernel at 4k and 16k and of
# the 16k backward's kernels, so that each warpgroup's waits (its meeting, the stage barriers, the wgmma waits, the
# named barriers of the scan) are counted where they happen: the two roles' code lies at different PCs.
# ncu's flags here were not tried on a machine (none here has ncu); if `--page source` is refused, the details
# page still says the kernel's stall reasons. Run as `SESSION=sNN COMMIT=<commit> bash results/h200/scripts_s32/run7.sh`.
CALL=call7 TARGETS="lasuite"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"
BENCH="$B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --warmup 1 --repeats 1 --min-time 0"
profile() {  # name, launches to skip, launches to take, bench arguments
  local name=$1 skip=$2 count=$3; shift 3
  timeout 240 ncu --clock-control none --kernel-name-base demangled --kernel-name regex:la2_ \
    --launch-skip $skip --launch-count $count --section WarpStateStats --section SourceCounters --import-source yes \
    -o $R/$name $BENCH "$@" > $R/ncu_$name.log 2>&1; el "ncu $name rc=$?"
  ncu -i $R/$name.ncu-rep --page details > $R/${name}_details.txt 2>&1
  ncu -i $R/$name.ncu-rep --page source --csv --print-source sass > $R/${name}_sass.csv 2> $R/${name}_sass.err
  el "export $name: $(wc -l < $R/${name}_sass.csv) lines"; head -c 300 $R/${name}_sass.err
  python3 - $R/${name}_sass.csv <<'PY' > $R/${name}_top_stalls.txt 2>&1
import csv, sys
rows = list(csv.reader(open(sys.argv[1], errors="replace")))
head = next((i for i, r in enumerate(rows) if any("Source" in c for c in r)), None)
if head is None:
    sys.exit("no source table in the export")
cols = rows[head]
src = next(i for i, c in enumerate(cols) if "Source" in c)
samp = [i for i, c in enumerate(cols) if "Sampling" in c and "All" in c] or [i for i, c in enumerate(cols) if "Sampling" in c]
if not samp:
    sys.exit("no sampling column: " + ", ".join(cols))
def num(x):
    try: return float(x.replace(",", ""))
    except ValueError: return 0.0
body = [r for r in rows[head + 1:] if len(r) > max(src, samp[0])]
total = sum(num(r[samp[0]]) for r in body) or 1.0
print(f"{cols[samp[0]]}: {total:.0f} samples over {len(body)} instructions")
for r in sorted(body, key=lambda r: -num(r[samp[0]]))[:40]:
    print(f"{100 * num(r[samp[0]]) / total:5.1f} %  {r[src][:110]}")
PY
  head -45 $R/${name}_top_stalls.txt
}
profile fwd_4k 1 1 --mode fwd --seqlen 4k
profile fwd_16k 1 1 --mode fwd --seqlen 16k
# forward+backward at 16k: the warm-up's la2 kernels first (the forward, the states step, the dQ pass, the dual
# step, and the scan kernel where one runs), then the timed run's; take the timed run's.
profile fwdbwd_16k 4 4 --mode fwdbwd --seqlen 16k
grep -h "la2_\|Duration\|Stall" $R/fwdbwd_16k_details.txt | cut -c1-140 | head -40

#!/usr/bin/env bash
# Session 24 call 7: where the backward loses with the split scan: the probe on da5f6d3's kernels
# (.dev/s24/probe3 = da5f6d3 plus scripts_s24/probe_da5f6d3.patch), forward+backward and forward at 4k,
# to set beside call 3's probe of 663a669's kernels (the same marks but slot 35).
CALL=call7 TARGETS="lasuite"
source results/h200/scripts_s24/prelude.sh
base_build .dev/s24/probe3
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
P="$B/lasuite_base $BN --heads 32 --dim 128 --repeats 30"
for m in fwdbwd fwd; do
  timeout 40 $P --mode $m --seqlen 4k > $R/probe_${m}_4k.log 2> $R/probe_${m}_4k.err
  echo "== probe $m 4k rc=$?"; grep PROBE $R/probe_${m}_4k.err | tail -n 20 | grep -v "states-only" | cut -c1-600
done; el "probe done"

#!/usr/bin/env bash
# Session 24 call 3: the probe with finer marks (scripts_s24/probe.patch as of this commit: the output
# store split into its wait, staging, fence and issue; the mask into the decay and the fragments; the
# update's S decay and key decays; per-segment scan and increment times; kinds one-pass / two-kernel),
# b1 h32 d128 bf16: forward 4k, 16k, 128k; forward+backward 4k, 16k.
CALL=call3 TARGETS="lasuite"
source results/h200/scripts_s24/prelude.sh
base_build .dev/s24/probe
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
P="$B/lasuite_base $BN --heads 32 --dim 128 --repeats 30"
for m in fwd fwdbwd; do for n in 4k 16k 128k; do
  [[ $m == fwdbwd && $n == 128k ]] && continue
  timeout 60 $P --mode $m --seqlen $n > $R/probe_${m}_$n.log 2> $R/probe_${m}_$n.err
  echo "== probe $m $n rc=$?"; grep PROBE $R/probe_${m}_$n.err | tail -n 20 | cut -c1-700
done; done; el "probe done"

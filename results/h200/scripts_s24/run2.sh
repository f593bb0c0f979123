#!/usr/bin/env bash
# Session 24 call 2: call 1's probe again (its tree now has la2_probe.cuh, which call 1's patch lacked):
# where the chunk loop's cycles go at b1 h32 d128 bf16, forward 4k / 16k / 128k, forward+backward 4k / 128k.
CALL=call2 TARGETS="lasuite"
source results/h200/scripts_s24/prelude.sh
base_build .dev/s24/probe
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
P="$B/lasuite_base $BN --heads 32 --dim 128 --repeats 30"
for m in fwd fwdbwd; do for n in 4k 16k 128k; do
  [[ $m == fwdbwd && $n == 16k ]] && continue
  timeout 60 $P --mode $m --seqlen $n > $R/probe_${m}_$n.log 2> $R/probe_${m}_$n.err
  echo "== probe $m $n rc=$?"; grep PROBE $R/probe_${m}_$n.err | tail -n 16
done; done; el "probe done"

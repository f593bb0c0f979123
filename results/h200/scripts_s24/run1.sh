#!/usr/bin/env bash
# Session 24 call 1: (a) where the chunk loop's cycles go: the probe tree (.dev/s24/probe = this commit
# plus scripts_s24/probe.patch: clock64 between marks of warp 0 of each warpgroup, summed per slot, printed
# by la2_chunk_bf16.cu's probe_dump_bf16 every 30 passes) at b1 h32 d128 bf16, forward 4k / 16k / 128k and
# forward+backward 4k / 128k; (b) options only, no code change: the 96 x 96 h42 forward (read in place) as
# one kernel, as two kernels (one_pass=off) and as two kernels with the states step in halves, 4k..128k,
# alternated twice.
CALL=call1 TARGETS="lasuite"
source results/h200/scripts_s24/prelude.sh
base_build .dev/s24/probe & 
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in default two two_halves; do
  opt=""; [[ $x == two ]] && opt="--impl-option one_pass=off --impl-option states_halves=off"
  [[ $x == two_halves ]] && opt="--impl-option one_pass=off --impl-option states_halves=on"
  timeout 60 $B/lasuite $BN --mode fwd --seqlen 4k,16k,64k,128k --heads 42 --dim 96 $opt --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d96_${x}_r$round.log | cut -c1-100
done; done; el "96 x 96 done"
wait; el "probe build"; ls -la $B/lasuite_base
P="$B/lasuite_base $BN --heads 32 --dim 128 --repeats 30"
for m in fwd fwdbwd; do for n in 4k 16k 128k; do
  [[ $m == fwdbwd && $n == 16k ]] && continue
  timeout 60 $P --mode $m --seqlen $n > $R/probe_${m}_$n.log 2> $R/probe_${m}_$n.err
  echo "== probe $m $n rc=$?"; grep PROBE $R/probe_${m}_$n.err | tail -n 20
done; done; el "probe done"

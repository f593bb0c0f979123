#!/usr/bin/env bash
# Session 35 call 5: did the backward in windows of e (78deda4) cost the other value-tiled shapes' forward what it
# cost 128 x 256's (0.5-1.7 %, call 1)? Its windowed TMA steps choose at run time between value windows and windows
# of the contraction and between stores and adds, and the 192 x 64 and 256 x 64 steps are such steps too. Main
# against main before the patch (carried as .dev/$SESSION/base), 192 x 192 h21 and 256 x 256 h16, forward and
# forward+backward at 4k and 128k, alternated twice. Run as `SESSION=s35 COMMIT=<main> bash results/h200/scripts_s35/call5.sh`
# (so it ran); run_next.sh sources it for the same A/B with a call name and targets of its own.
CALL=${CALL:-call5} TARGETS=${TARGETS:-lasuite}
source scripts/device_call_prelude.sh
build_beside .dev/$SESSION/base
[[ -x $B/lasuite_base ]] || { echo "no base build"; exit 1; }
for round in 1 2; do for bin in lasuite lasuite_base; do
  for shape in "192 21" "256 16"; do
    set -- $shape
    timeout 90 $B/$bin bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --no-ceilings --seqlen 4k,128k --dim $1 --heads $2 --json $R/d$1_${bin}_r$round.json > $R/d$1_${bin}_r$round.log 2>&1; el "d$1 $bin r$round rc=$?"
    grep -E "^\| la2" $R/d$1_${bin}_r$round.log | cut -c1-100
  done
done; done

#!/usr/bin/env bash
# Session 22 call 7, run on call 6's warm machine (its build of 45d5ea0 in /tmp/bld), given inline: with
# the states step faster, is the forward's two-kernel plan now the better one? b1 h32 d128 forward and
# forward+backward at 4k..128k, the default plan (the forward in one kernel) against one_pass=off,
# alternated twice.
B=/tmp/bld; R=/tmp/res_call7; mkdir -p $R; export LASUITE_GIT_COMMIT=45d5ea0
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --heads 32 --dim 128 --seqlen 4k,16k,64k,128k"
for round in 1 2; do for opt in default one_pass=off; do
  o=(); [[ $opt != default ]] && o=(--impl-option $opt)
  timeout 40 $B/lasuite $BN "${o[@]}" --json $R/fwd_${opt/=/_}_r$round.json > $R/fwd_${opt/=/_}_r$round.log 2>&1
  echo "== $opt $round"; grep -hE "^\| la2" $R/fwd_${opt/=/_}_r$round.log | cut -c1-100
done; done
tar czf $OUT/s22_call7.tgz -C /tmp res_call7

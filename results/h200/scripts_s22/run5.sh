#!/usr/bin/env bash
# Session 22 call 5, run on call 4's warm machine (call 3's builds in /tmp/bld: 45d5ea0 and, as
# lasuite_base, 5c2ca38), given inline: b8 h32 d128 n8k forward and forward+backward, and 96 x 96 h32
# forward+backward at 4k and 128k (a width read in place: the own-width kernels' TMA states step),
# 45d5ea0 (new) against 5c2ca38 (base), alternated twice.
B=/tmp/bld; R=/tmp/res_call5; mkdir -p $R
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=5c2ca38; } || export LASUITE_GIT_COMMIT=45d5ea0
  timeout 30 $bin $BN --mode fwd,fwdbwd --batch 8 --seqlen 8k --heads 32 --dim 128 --json $R/b8_${x}_r$round.json > $R/b8_${x}_r$round.log 2>&1
  timeout 40 $bin $BN --mode fwdbwd --seqlen 4k,128k --heads 32 --dim 96 --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  echo "== $x $round"; grep -hE "^\| la2" $R/{b8,d96}_${x}_r$round.log | cut -c1-100
done; done
tar czf $OUT/s22_call5.tgz -C /tmp res_call5

#!/usr/bin/env bash
# Session 19 call 1: TMA in a ragged grid and for widths read in place (d96: the 128 x 128 TMA kernels
# and the fused dK/dV pass) ("new", the working tree) against aee6cd2 ("base": cp.async there, three
# backward passes at d96; built from its sources carried in .dev/s19/base), alternated twice: the packed
# 256k batch (with the equal-length rate beside it), d96 h42 4k/128k, b1 h32 d128 4k/16k/128k and d64
# n64k (the dense kernels' code moved too); la2's GPU tests (the new ones among them); verify and the
# four sanitizers on new: dense, in place and packed.
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s19/prelude.sh
base_build $ROOT/.dev/s19/base &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|differ|rror" $R/tests.txt | head -20
wait; el "base built"; ls $B/lasuite_* | tr '\n' ' '; echo
cp $B/lasuite $B/lasuite_new
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
for round in 1 2; do for x in new base; do
  timeout 60 $B/lasuite_$x $BN --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --json $R/packed_${x}_r$round.json > $R/packed_${x}_r$round.log 2>&1
  timeout 60 $B/lasuite_$x $BN --heads 32 --dim 128 --seqlen 4k,16k,128k --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 40 $B/lasuite_$x $BN --heads 32 --dim 64 --seqlen 64k --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  timeout 60 $B/lasuite_$x $BN --heads 42 --dim 96 --seqlen 4k,128k --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/packed_${x}_r$round.log $R/d128_${x}_r$round.log $R/d64_${x}_r$round.log $R/d96_${x}_r$round.log | cut -c1-100
  python3 -c "
import json,sys
for r in json.load(open('$R/packed_${x}_r$round.json'))['rows']:
  print(r['mode'], 'packed %.1f equal %.1f ratio %.3f' % (r['tokens_per_s']/1e6, r['equal_length_tokens_per_s']/1e6, r['tokens_per_s']/r['equal_length_tokens_per_s']))"
done; done; el "bench done"
check_la2 new $B/lasuite_new
cut -c1-150 $R/sanitize.log

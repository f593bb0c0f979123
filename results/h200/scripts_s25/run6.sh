#!/usr/bin/env bash
# Session 25 call 6: issue 14's 1M row on 4d304fd's kernels: b1 h16 d128 n1M forward and forward+backward
# against f77cf1d's (.dev/s25/base), alternated twice, then the record row (with ceilings) and verify of the
# 1M case with a state (b1 h16, sampled heads, as session 23's call 3).
CALL=call6 TARGETS="lasuite"
source results/h200/scripts_s25/prelude.sh
rm -rf /tmp/bld_base
base_build $ROOT/.dev/s25/base > $R/base_build.log 2>&1 &
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
wait; el "base built"; ls $B/lasuite_base || exit 1
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings"
for round in 1 2; do for x in blocked base; do
  bin=$B/lasuite; export LASUITE_GIT_COMMIT=$COMMIT
  [[ $x == base ]] && { bin=$B/lasuite_base; export LASUITE_GIT_COMMIT=f77cf1d; }
  timeout 50 $bin $BN --mode fwd,fwdbwd --seqlen 1M --heads 16 --dim 128 --json $R/1M_${x}_r$round.json > $R/1M_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/1M_${x}_r$round.log | cut -c1-100
done; done; el "1M A/B done"
export LASUITE_GIT_COMMIT=$COMMIT
BR="bench --impl la2 --dtype bf16 --decay alibi"
timeout 50 $B/lasuite $BR --mode fwd,fwdbwd --seqlen 1M --heads 16 --dim 128 --json $R/rec_1M.json > $R/rec_1M.log 2>&1; el "rec 1M rc=$?"
grep -hE "^\| la2" $R/rec_1M.log | cut -c1-140
timeout 200 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 1M --long-heads 16 --state --json $R/verify_la2_bf16_1M_state.json > $R/verify_la2_bf16_1M_state.log 2>&1; el "verify 1M state rc=$?"; tail -n 3 $R/verify_la2_bf16_1M_state.log

#!/usr/bin/env bash
# Session 32 call 1 (options only, no kernel change): the value-tiled passes past 128 run one pass at two
# segments a (head, window) (192 x 192 h21: 63 windows, 126 blocks; 256 x 256 h16: 64, 128), so segment 0's
# blocks, half the SMs, idle while segment 1's sum their increment first. Two kernels with the states step split
# in two (one_pass=off states_split=2: 126-128 states blocks of half a segment, then all output blocks) against
# the default and one_pass=off alone, at 192 x 192, 256 x 256 and 128 x 256 (4 segments), 4k / 16k / 128k,
# forward and forward+backward, alternated twice; then verify of the split plan at those shapes.
# Run as `SESSION=s32 COMMIT=<commit> bash results/h200/scripts_s32/run1.sh`.
CALL=call1 TARGETS="lasuite"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
declare -A OPTS=([def]="" [off]="--impl-option one_pass=off" [off2]="--impl-option one_pass=off --impl-option states_split=2")
for round in 1 2; do for v in def off2 off; do
  for s in "192 192 21" "256 256 16" "128 256 16"; do set -- $s
    timeout 100 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd --seqlen 4k,16k,128k \
      --heads $3 --dim $1 --dim-v $2 ${OPTS[$v]} --json $R/d$1_e$2_${v}_r$round.json > $R/d$1_e$2_${v}_r$round.log 2>&1
    echo "== $1 x $2 $v round $round"; grep -hE "^\| la2" $R/d$1_e$2_${v}_r$round.log | cut -c1-110
  done
done; el "round $round"; done
for s in "192 192" "256 256" "128 256"; do set -- $s
  timeout 120 $B/lasuite verify --device cuda --skip-defaults --impl la2 --dtype bf16 --dim $1 --dim-v $2 --long 4k,16k --long-heads 2 --state \
    ${OPTS[off2]} --json $R/verify_d$1_e$2_off2.json > $R/verify_d$1_e$2_off2.log 2>&1; el "verify $1 x $2 off2 rc=$?"; tail -n 1 $R/verify_d$1_e$2_off2.log
done
cp $R/*.json $OUT/ 2>/dev/null; true

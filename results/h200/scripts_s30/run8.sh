#!/usr/bin/env bash
# Not run in session 30 (device time spent): for the next session. Why the backward of 96 x 96 h42 at 4k
# loses about 5 us after a two-kernel forward (one_pass=off: forward 64.0 against 61.9 M tokens/s, but
# forward+backward 21.0 against 21.4; session 30 call 4). ncu, the bench's clocks, one forward+backward under
# each plan: each kernel's duration and DRAM bytes, to see which backward kernel grows (the plans of the
# backward's passes are the same under both, so a kernel that grows points at what the forward leaves behind:
# its segment data's layout, or the early start beside the forward's last kernel, which ncu serialises away;
# then a kernel that does not grow points at the overlap). Run as
# `SESSION=s31 COMMIT=<commit> bash results/h200/scripts_s30/run8.sh`.
CALL=call8 TARGETS="lasuite"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"
for x in default two; do
  opt=(); [[ $x == two ]] && opt=(--impl-option one_pass=off)
  timeout 200 ncu --clock-control none --cache-control none --kernel-name-base demangled --kernel-name regex:"la2_|scan" \
    --launch-skip 0 --launch-count 40 \
    --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum \
    $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 42 --dim 96 --seqlen 4k \
    --mode fwdbwd --warmup 1 --repeats 1 --min-time 0 "${opt[@]}" > $R/ncu_d96_4k_$x.txt 2>&1; el "ncu $x rc=$?"
  grep -E "^  void|^  la2|duration|bytes_read|bytes_write" $R/ncu_d96_4k_$x.txt | sed -E 's/\(conditional.*//; s/\(std::conditional.*//; s/<__nv_bfloat16, //' | cut -c1-100 | head -40
done
# The same comparison as timed by the bench, alternated twice.
for round in 1 2; do for x in default two; do
  opt=(); [[ $x == two ]] && opt=(--impl-option one_pass=off)
  timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 42 --dim 96 --seqlen 4k \
    --mode fwd,fwdbwd "${opt[@]}" --json $R/d96_${x}_r$round.json > $R/d96_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d96_${x}_r$round.log | cut -c1-110
done; done

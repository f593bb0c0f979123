#!/usr/bin/env bash
# Session 28 call 6, at call 4's code: where backward_order=states_first's time goes at 8k (b1 h32 d128 bf16
# forward+backward): ncu's DRAM bytes read, L2 hit rate and duration of each la2 kernel (the bench's clocks),
# auto (states_first at 8k) against dq_first; L2 not flushed between kernels (--cache-control none: the
# first version of this call flushed it, as ncu does by default, which hides what the order is for).
CALL=call6 TARGETS="lasuite"
source results/h200/scripts_s28/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"
for x in auto dq_first; do
  timeout 90 ncu --clock-control none --cache-control none --kernel-name-base demangled --kernel-name regex:"la2_" --launch-skip 5 --launch-count 5 \
    --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sector_hit_rate.pct \
    $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --seqlen 8k \
    --mode fwdbwd --warmup 1 --repeats 2 --min-time 0 --impl-option backward_order=$x > $R/ncu_8k_$x.txt 2>&1; el "ncu $x rc=$?"
  grep -E "^  void|^  la2|duration|bytes_read|bytes_write|hit_rate" $R/ncu_8k_$x.txt | sed -E 's/\(conditional.*//; s/\(std::conditional.*//; s/<__nv_bfloat16, //' | cut -c1-100
done

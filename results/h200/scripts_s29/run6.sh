#!/usr/bin/env bash
# Not run in session 29 (device time spent): for the next session, where issue 16's backward past 128 loses
# its time. ncu (the bench's clocks, L2 not flushed between kernels) of one forward+backward at 16k of
# 128 x 256 h16 and 192 x 192 h21 (bf16, ALiBi): each la2 kernel's duration, DRAM bytes read and written and
# L2 hit rate, to set against the bytes the value windows would move if each window read its tensors from
# DRAM (128 x 256: dQ's and dK's two windows of d each reading dO and V whole; NOTES "After session 28"'s
# pair design assumes they do, as L2 sharing between a head's windows was never measured). Run as
# `SESSION=s30 COMMIT=<commit> bash results/h200/scripts_s29/run6.sh`.
CALL=call6 TARGETS="lasuite"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"
for shape in "128 256 16" "192 192 21"; do
  set -- $shape
  timeout 200 ncu --clock-control none --cache-control none --kernel-name-base demangled --kernel-name regex:"la2_|tile" \
    --launch-skip 0 --launch-count 80 \
    --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sector_hit_rate.pct \
    $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads $3 --dim $1 --dim-v $2 --seqlen 16k \
    --mode fwdbwd --warmup 1 --repeats 1 --min-time 0 > $R/ncu_d$1_e$2.txt 2>&1; el "ncu d$1 e$2 rc=$?"
  grep -E "^  void|^  la2|duration|bytes_read|bytes_write|hit_rate" $R/ncu_d$1_e$2.txt | sed -E 's/\(conditional.*//; s/\(std::conditional.*//; s/<__nv_bfloat16, //' | cut -c1-100 | head -80
done

#!/usr/bin/env bash
# Session 35 call 4, as run (inline, on main 7a1ccd1 with value_window_backward.patch applied there, before it
# landed): is the 128 x 256 forward's 0.5-1.7 % loss (call 1) the forward keeping its segment data for the
# windows' dQ pass, or the windowed step's code? backward=three_passes turns the keeping off and leaves the
# kernels as they are. Answer: the same rates either way (73.1-73.4 at 4k), so the kernel's code.
patch -s -p1 < results/h200/scripts_s34/value_window_backward.patch && cmake -S . -B /tmp/bld -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null && ninja -C /tmp/bld lasuite > /tmp/ninja.log 2>&1; echo build rc=$?; mkdir -p $OUT/r; for r in 1 2; do for o in fused three_passes; do /tmp/bld/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd --no-ceilings --seqlen 4k,16k,128k --dim 128 --dim-v 256 --heads 16 --impl-option backward=$o --json $OUT/r/fwd_128x256_${o}_r$r.json 2>/dev/null | grep "^| la2" | cut -c1-90 | sed "s/^/$o r$r /"; done; done

#!/usr/bin/env bash
# Session 22 call 2 (on call 1's machine and build where still warm): la2's verify (bf16 with 16k and
# 128k, f16 and f32) and the four sanitizers on small cases of the states-only step's paths: the fused
# pass's at d128 in three segments, a forward of two passes (one_pass=off) at d = 128 and at 128 x 64
# (the windowed step), d120 read in place, and session 21's cp.async one-pass and packed cases.
CALL=call2 TARGETS="lasuite"
source results/h200/scripts_s22/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
check_la2 new $B/lasuite
SAN_DEADLINE=560 sanitize_la2 new $B/lasuite
cut -c1-160 $R/sanitize.log

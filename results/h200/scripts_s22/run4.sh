#!/usr/bin/env bash
# Session 22 call 4 (on call 3's machine and build where still warm): la2's verify (bf16 with 16k and
# 128k, f16 and f32) and the four sanitizers on small cases of the states-only step's paths: the fused
# pass's at d128 in three segments (by TMA, upside down), forwards of two passes (one_pass=off: the
# states step by TMA in row order) at d128 bf16 and d64 f16, d120 read in place (the own-width kernels'
# maps), and session 21's cp.async one-pass and packed cases.
CALL=call4 TARGETS="lasuite"
source results/h200/scripts_s22/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
check_la2 new $B/lasuite
SAN_DEADLINE=560 sanitize_la2 new $B/lasuite
cut -c1-160 $R/sanitize.log

#!/usr/bin/env bash
# Session 23 call 2, on call 1's warm machine and build (no rebuild): verify of la2 bf16 with the 16k and
# 128k cases, f16 and f32 (default plans), bf16 with the states step in halves asked everywhere
# (states_halves=on, with one_pass=off the forward's too), then the four sanitizers on small cases of
# the halves.
CALL=call2
source results/h200/scripts_s23/prelude.sh
ls $B/lasuite || exit 1
check_la2 default $B/lasuite
timeout 90 $B/lasuite verify --device cuda --impl la2 --dtype bf16,f16 --impl-option states_halves=on --json $R/verify_la2_halves.json > $R/verify_la2_halves.log 2>&1; el "verify halves rc=$?"; tail -n 1 $R/verify_la2_halves.log
timeout 90 $B/lasuite verify --device cuda --impl la2 --dtype bf16,f16 --impl-option states_halves=on --impl-option one_pass=off --json $R/verify_la2_halves_two_passes.json > $R/verify_la2_halves_two_passes.log 2>&1; el "verify halves two passes rc=$?"; tail -n 1 $R/verify_la2_halves_two_passes.log
SAN_DEADLINE=560 sanitize_la2 new $B/lasuite
cut -c1-160 $R/sanitize.log

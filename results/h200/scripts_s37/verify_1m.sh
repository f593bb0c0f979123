#!/usr/bin/env bash
# Session 37, not run: issue 14's 1M case verified on the kernels of the tree it runs on (main, or main with the
# patches in PATCHES applied in order). It was last verified in session 25 (results/h200/s25/
# call6_verify_la2_bf16_1M_state_4d304fd.json, with a state, 12 passed) and the kernels changed in sessions 26-36.
# b1 h16 d128 n1M bf16 with a state, two sampled heads against the float64 reference (about 200 s, most of it the
# reference on the host), then the 1M record row (forward, forward+backward, with ceilings). About 5 minutes: it
# fits beside run2.sh's memcheck/initcheck call in a session's budget.
# Run as `SESSION=sNN COMMIT=<commit> [PATCHES="..."] bash results/h200/scripts_s37/verify_1m.sh`.
for p in ${PATCHES:-}; do patch -s -p1 < $p || { echo "$p does not apply"; exit 1; }; done
CALL=${CALL:-call_1m} TARGETS="lasuite"
source scripts/device_call_prelude.sh
build_beside
timeout 240 $B/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 1M --long-heads 16 --state \
  --time-limit 220 --json $R/verify_la2_bf16_1M_state.json > $R/verify_la2_bf16_1M_state.log 2>&1
el "verify 1M with a state rc=$?"; tail -n 3 $R/verify_la2_bf16_1M_state.log
bench_row rec_d128_h16_n1m $B/lasuite --seqlen 1M --heads 16 --dim 128
python3 scripts/check_bars.py $R/verify_la2_bf16_1M_state.json $R/rec_d128_h16_n1m.json | grep -E "n1M|^\| issue"

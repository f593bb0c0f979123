#!/usr/bin/env bash
# Session 37, not run: the record on the tree it runs on (main, or main with PATCHES applied), for the session that
# lands a kernel change, with ceilings (fraction_of_floor), bf16 ALiBi, forward and forward+backward: issue 14's
# shapes (b1 h32 d128 4k..128k, b8 n8k, d64 n64k), issue 16's (96 x 96 h42, 192 x 192 h21, 256 x 256 h16, 128 x
# 256 h16 at 4k..128k) and its packed batch (256k tokens as log-uniform lengths 1..64k, seed 7: the lengths
# of session 21's, the last packed run, whose rows carry the equal-length rate). Past 540 s of the call the rows
# left are logged as skipped. The 1M row is verify_1m.sh's.
# Run as `SESSION=sNN COMMIT=<commit> [PATCHES="..."] bash results/h200/scripts_s37/record.sh`.
for p in ${PATCHES:-}; do patch -s -p1 < $p || { echo "$p does not apply"; exit 1; }; done
CALL=${CALL:-call_record} TARGETS="lasuite"
source scripts/device_call_prelude.sh
build_beside
rec() { local name=$1; shift; bench_row rec_$name $B/lasuite "$@"; }  # with ceilings: fraction_of_floor
rec d128_h32 --seqlen 4k,16k,64k,128k --heads 32 --dim 128
rec b8_d128_n8k --batch 8 --seqlen 8k --heads 32 --dim 128
rec d64_h32_n64k --seqlen 64k --heads 32 --dim 64
rec packed_256k --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128
rec d96_h42 --seqlen 4k,16k,64k,128k --heads 42 --dim 96
rec d192_h21 --seqlen 4k,16k,64k,128k --heads 21 --dim 192
rec d256_h16 --seqlen 4k,16k,64k,128k --heads 16 --dim 256
rec d128x256_h16 --seqlen 4k,16k,64k,128k --heads 16 --dim 128 --dim-v 256
# Issue 14's and 16's bars against these rows (the 1M row is verify_1m.sh's file; fla's rows are the external runner's).
python3 scripts/check_bars.py $R/rec_*.json > $R/bars.md; el "bars"; cat $R/bars.md

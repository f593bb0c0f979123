#!/usr/bin/env bash
# Session 10 call 4 (370a0d2, on the machine call 3 left warm): fla's packed forward+backward (call 3's
# timed out compiling after its forward) and la2's, in one call, for the packed bar's same-call ratio.
export LASUITE_GIT_COMMIT=370a0d2; R=/tmp/res4; mkdir -p $R; B=/tmp/b
timeout 250 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --packed "75,1,21802,642,151,16,179,38,4,98,3,41997,26401,15731,14504,437,17244,37,959,4442,1774,3,46,110,22236,42209,2,91,22066,100,28746" --heads 32 --dim 128 --mode fwdbwd --no-check --no-ceilings --git-commit 370a0d2 --json $R/h200_fla_packed_256k_fwdbwd.json > $R/fla_packed_fwdbwd.log 2>&1
timeout 40 $B/lasuite bench --impl la2 --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --dtype bf16 --decay alibi --mode fwdbwd --json $R/h200_la2_packed_256k_fwdbwd.json > $R/la2_packed_fwdbwd.log 2>&1
tar czf $OUT/s10_call4.tgz -C /tmp res4

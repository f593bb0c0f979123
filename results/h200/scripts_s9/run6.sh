#!/usr/bin/env bash
# Session 9 call 6: fla's cu_seqlens kernel forward+backward on call 5's packed lengths (its row there ran past
# the call's limit, compiling), written to $OUT after every row.
set -uo pipefail
timeout 170 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --packed "75,1,21802,642,151,16,179,38,4,98,3,41997,26401,15731,14504,437,17244,37,959,4442,1774,3,46,110,22236,42209,2,91,22066,100,28746" --heads 32 --dim 128 \
  --mode fwdbwd --no-check --no-ceilings --git-commit ${COMMIT} --json $OUT/h200_fla_packed_256k_fwdbwd.json > $OUT/fla_packed_fwdbwd.log 2>&1
echo "rc=$?"; tail -4 $OUT/fla_packed_fwdbwd.log

#!/usr/bin/env bash
# Session 36 call 5: the harness's stops on the GPU (797bf68): check_la2 through verify's restructured case loop,
# a bench sweep stopped by SIGINT mid-row (timeout -s INT) and one by --time-limit, each keeping the rows measured.
# Run as `SESSION=s36 COMMIT=<commit> bash results/h200/scripts_s36/call5.sh`.
CALL=call5 TARGETS="lasuite"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
check_la2 stops $B/lasuite
BN="$B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 4k,16k,64k,256k,1m --heads 32 --dim 128"
timeout -s INT 12 $BN --json $R/bench_sigint.json > $R/bench_sigint.log 2>&1; el "bench under SIGINT at 12 s: rc=$? (timeout's 124: it sent the signal)"
grep -E "asked to stop|stopped|not run|^\[" $R/bench_sigint.log | cut -c1-160 | tail -8
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print([(r["seqlen"], r["mode"], r["status"], r["reason"][:40]) for r in d["rows"]])' $R/bench_sigint.json
timeout 60 $BN --time-limit 8 --json $R/bench_time_limit.json > $R/bench_time_limit.log 2>&1; el "bench --time-limit 8: rc=$?"
grep -E "stopped|not run|^\[" $R/bench_time_limit.log | cut -c1-160 | tail -6

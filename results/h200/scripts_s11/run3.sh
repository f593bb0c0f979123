#!/usr/bin/env bash
# Session 11 call 3: (1) the head-dim bar shapes, la2 and fla's chunk forward in one call; (2) where racecheck's
# WAR report on la2's in-place test comes from: the same 4-segment problem with early start on and off,
# one pass and two.
set -uo pipefail
R=/tmp/res3; mkdir -p $R/san; W=/tmp/w2; mkdir -p $W
finish() { tar czf $OUT/s11_call3.tgz -C /tmp res3; }
trap finish EXIT
gunzip -c .dev/s11/wt2/lasuite.gz > $W/lasuite; chmod +x $W/lasuite
export LASUITE_GIT_COMMIT=${COMMIT}
echo "== la2 head dims $(date +%T)"
for shape in "96 96 42" "192 192 21" "256 256 16" "128 256 16"; do set -- $shape
  timeout 60 $W/lasuite bench --impl la2 --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 --dtype bf16 --decay alibi --mode fwd,fwdbwd \
    --json $R/h200_la2_d$1_e$2_h$3_${COMMIT}.json > $R/bench_d$1_e$2.log 2>&1; echo "d$1 e$2 rc=$?"
  grep -E "^\| la2" $R/bench_d$1_e$2.log | cut -c1-130
done
echo "== fla forward at the head-dim shapes $(date +%T)"
export TRITON_CACHE_DIR=$PWD/build_triton_cache
for shape in "96 96 42" "192 192 21" "256 256 16" "128 256 16"; do set -- $shape
  timeout 100 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 \
    --mode fwd --git-commit ${COMMIT} --json $R/h200_fla_d$1_e$2_h$3_fwd.json > $R/fla_d$1_e$2_fwd.log 2>&1; echo "fla d$1 e$2 rc=$?"
  grep -E "agree|ok|M tok" $R/fla_d$1_e$2_fwd.log | tail -5 | cut -c1-160
done
echo "== racecheck by plan $(date +%T)"
for opts in "segments=4" "segments=4 early_start=off" "segments=4 one_pass=off" "segments=4 one_pass=off early_start=off" "segments=4 one_pass=off states_kernel=mma"; do
  args=(); for o in $opts; do args+=(--impl-option "$o"); done
  tag=$(echo "$opts" | tr ' =' '_-')
  timeout 90 compute-sanitizer --tool racecheck --print-limit 3 $W/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --state \
    --long 2000 --long-batch 2 --long-heads 4 --dim 64 --dim-v 128 "${args[@]}" > $R/san/race_$tag.log 2>&1
  echo "racecheck | $opts | rc=$? | $(grep -E 'RACECHECK SUMMARY' $R/san/race_$tag.log) | $(grep -E 'passed' $R/san/race_$tag.log | tail -1)" | tee -a $R/sanitize.log
done
timeout 90 compute-sanitizer --tool racecheck --print-limit 3 $W/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --state \
    --long 2000 --long-batch 2 --long-heads 4 --dim 128 --dim-v 128 --impl-option segments=4 > $R/san/race_d128.log 2>&1
echo "racecheck | d128 e128 segments=4 | rc=$? | $(grep -E 'RACECHECK SUMMARY' $R/san/race_d128.log)" | tee -a $R/sanitize.log
echo "== done $(date +%T)"

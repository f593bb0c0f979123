#!/usr/bin/env bash
# Sourced by a device call's script (results/<device>/scripts_sNN/runN.sh) after it sets SESSION (sNN),
# CALL (its name) and TARGETS (what ninja builds), so that each session's calls need no copy of their own.
# Makes $R (its files, tarred into $OUT/${SESSION}_$CALL.tgz on exit), el (elapsed-time log lines), the
# build in $B with LASUITE_GIT_COMMIT=$COMMIT; base_build DIR: a second tree (another commit's sources,
# carried under .dev) built in $BB (/tmp/bld_base), its binary $B/lasuite_base; check_la2 NAME BINARY [OPTIONS]: la2's
# verify (bf16 with the long cases, f16 and f32); build_and_check [BASE_TREE]: the opening every kernel
# change's call repeated (the build, BASE_TREE's beside it, ptxas's serialised-wgmma notes counted, an
# injected warpgroup.arrive, C7519, among them, la2's GPU tests and CudaCheck, check_la2 on the build);
# sanitize_four CASES_FN: the four sanitizers (or SAN_TOOLS) over a caller's cases, against a deadline; bench_row NAME
# BINARY ARGS: one bench of la2 into $R/NAME.json; ab_rounds SHAPES: the A/B of $B/lasuite against $B/lasuite_base
# over shapes "NAME ARGS", alternated twice; sanitize_la2 NAME BINARY:
# those on small cases of the states step in halves (the fused pass's at d = 128 and d = 120 read in place, the
# forward's and the fused pass's at d = 64 f16); build_beside [BASE_TREE]: build_and_check's opening alone. Sessions 23-28 each ran a copy of this (scripts_sNN/prelude.sh).
: "${SESSION:?set SESSION (e.g. s29) before sourcing}"
set -uo pipefail
R=/tmp/res_$CALL; rm -rf $R; mkdir -p $R/san
finish() { tar czf $OUT/${SESSION}_$CALL.tgz -C /tmp res_$CALL; }
trap finish EXIT
trap 'exit 143' TERM  # a call past its limit still tars what it has (the EXIT trap)
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
export LASUITE_GIT_COMMIT=${COMMIT}
ROOT=$PWD B=${B:-/tmp/bld} BB=${BB:-/tmp/bld_base}  # the build and the base tree's (a test points them elsewhere)
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $R/gpu.txt
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake.log 2>&1 || { tail -20 $R/cmake.log; exit 1; }
base_build() {
  (cmake -S $1 -B $BB -G Ninja -DCMAKE_BUILD_TYPE=Release > $R/cmake_base.log 2>&1 &&
   ninja -C $BB lasuite > $R/ninja_base.log 2>&1 && cp $BB/lasuite $B/lasuite_base) ||
    { echo "base build failed"; tail -5 $R/ninja_base.log; }
}
source scripts/sanitizer_run.sh
check_la2() {  # name, binary, options for verify
  local x=$1 bin=$2; local extra=("${@:3}")
  # verify's own --time-limit keeps what finished (exit 4); the outer timeout is the backstop past its grace.
  timeout 170 $bin verify --device cuda --impl la2 --dtype bf16 --long 16k,128k "${extra[@]}" --time-limit 140 --json $R/verify_la2_bf16_long_$x.json > $R/verify_la2_bf16_long_$x.log 2>&1; el "verify bf16 $x rc=$?"; tail -n 1 $R/verify_la2_bf16_long_$x.log
  timeout 120 $bin verify --device cuda --impl la2 --dtype f16,f32 "${extra[@]}" --time-limit 95 --json $R/verify_la2_f16_f32_$x.json > $R/verify_la2_f16_f32_$x.log 2>&1; el "verify f16 f32 $x rc=$?"; tail -n 1 $R/verify_la2_f16_f32_$x.log
}
# The four sanitizers (SAN_TOOLS: some of them), each over the cases `$1 TOOL` runs (a function of sanitizer_run
# lines), in $R/sanitize.log; a case not started by SAN_DEADLINE seconds of the call (default 480) is logged there as
# skipped (sanitizer_run's SAN_UNTIL).
sanitize_four() {
  LOGS=$R/san SUMMARY=$R/sanitize.log SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
  local tool SAN_UNTIL=$(( T0 + ${SAN_DEADLINE:-480} ))
  for tool in ${SAN_TOOLS:-memcheck racecheck synccheck initcheck}; do "$1" $tool; done > /dev/null
  el "sanitizers ($1): $(grep -c "skipped: past the call's deadline" "$SUMMARY" 2>/dev/null) cases in sanitize.log skipped past ${SAN_DEADLINE:-480} s"
}
# One `lasuite bench` of la2 (bf16, ALiBi, forward and forward+backward) by BINARY into $R/NAME.json and .log, its la2
# rows printed; not started past BENCH_DEADLINE seconds of the call (default 540: a call's limit is 600).
bench_row() {  # name, binary, bench arguments
  local name=$1 bin=$2; shift 2
  (( $(date +%s) - T0 < ${BENCH_DEADLINE:-540} )) || { el "$name skipped: past ${BENCH_DEADLINE:-540} s"; return; }
  timeout 75 $bin bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --time-limit 60 "$@" \
    --json $R/$name.json > $R/$name.log 2>&1; el "$name rc=$?"
  grep -hE "^\| la2" $R/$name.log | cut -c1-150
}
# The A/B of $B/lasuite (the change) against $B/lasuite_base (build_beside's), without ceilings, alternated twice
# over shapes given as "NAME BENCH_ARGUMENTS" words: $R/ab_NAME_BINARY_rROUND.json.
ab_rounds() {  # shapes
  local round bin shape name args
  for round in 1 2; do for bin in lasuite lasuite_base; do for shape in "$@"; do
    read -r name args <<<"$shape"
    bench_row ab_${name}_${bin}_r$round $B/$bin --no-ceilings $args
  done; done; done
}
# verify of la2's long cases alone, at two heads: what the sanitizers' cases run.
SAN_VERIFY="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
sanitize_la2() {  # name, binary: the states step in halves (asked at small n) beside the fused pass's and the forward's states steps
  HALVES_NAME=$1 HALVES_BIN=$2 SAN_TIMEOUT=60
  halves_cases() {
    local V=$SAN_VERIFY x=$HALVES_NAME bin=$HALVES_BIN
    sanitizer_run $1 ${x}_d128_halves $bin $V --state --dtype bf16 --long 300 --dim 128 --impl-option segments=3 --impl-option states_halves=on
    sanitizer_run $1 ${x}_d64_f16_two_passes_halves $bin $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=3 --impl-option one_pass=off --impl-option states_halves=on
    sanitizer_run $1 ${x}_d120_halves $bin $V --state --dtype bf16 --long 190 --dim 120 --impl-option segments=2 --impl-option states_halves=on
  }
  sanitize_four halves_cases
}
build_beside() {  # [base tree]: the build, BASE_TREE's beside it ($B/lasuite_base), ptxas's serialised-wgmma notes
  local base=${1:-}
  if [[ -n $base ]]; then rm -rf $BB; base_build "$base" > $R/base_build.txt 2>&1 & fi
  ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
  if [[ -n $base ]]; then wait; el "base built"; cat $R/base_build.txt; fi
  echo "serialised wgmma notes (C7515/C7519/C7520): $(grep -cE 'C75(15|19|20)' $R/ninja.log)"
}
build_and_check() {  # [base tree]
  build_beside "${1:-}"
  timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
  grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
  check_la2 default $B/lasuite
}

#!/usr/bin/env bash
# The example plugin through the installed package, as a researcher would use it (issue 18): install
# lasuite into a temporary prefix, build examples/cpp_plugin against it as a project of its own with
# some broken copies beside it, then check that
#   - the example loads, is listed, and passes `lasuite verify --device cpu` (exit 0), and the result
#     file names the plugin's path and content hash;
#   - a copy with its decay formula broken fails verify (exit 1);
#   - a forward that never returns is ended by `verify --time-limit` and `bench --time-limit` (exit 4) and after
#     SIGTERM (exit 143), what ran before it kept;
#   - a second library registering the same name, one built for another ABI version, one that is not
#     a plugin, one that throws while registering, and a missing file are refused (exit 2, with a
#     message naming what is wrong).
# Usage: cpp_plugin_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "install"; }
lasuite="$tmp/prefix/bin/lasuite"

# The example as shipped, and the broken copies, in one project.
mkdir -p "$tmp/plugins"
cp "$src/examples/cpp_plugin/recurrent_linear.cpp" "$tmp/plugins/good.cpp"
sed 's|const double carry = h.lambda;  // the decay|const double carry = 1.0;  // the decay|' \
  "$tmp/plugins/good.cpp" >"$tmp/plugins/wrong_decay.cpp"
sed 's|^LASUITE_PLUGIN(register_example)|#undef LASUITE_PLUGIN_ABI_VERSION\n#define LASUITE_PLUGIN_ABI_VERSION 99\nLASUITE_PLUGIN(register_example)|' \
  "$tmp/plugins/good.cpp" >"$tmp/plugins/other_abi.cpp"
sed 's|^LASUITE_PLUGIN(register_example)||' "$tmp/plugins/good.cpp" >"$tmp/plugins/not_a_plugin.cpp"
sed 's|  r.add("recurrent_linear".*|  (void)r;\n  throw std::runtime_error("licence server unreachable");|; s|#include <cmath>|#include <cmath>\n#include <stdexcept>|' \
  "$tmp/plugins/good.cpp" >"$tmp/plugins/throws.cpp"
sed 's|  r.add("recurrent_linear"|  r.add("la2_cpu"|' "$tmp/plugins/good.cpp" >"$tmp/plugins/clash_builtin.cpp"
# Factories that fail only when called, and an implementation that calls itself by another's name.
sed 's|  r.add("recurrent_linear", .*|  r.add("recurrent_linear", [] { return std::unique_ptr<RecurrentLinear>(); });|' \
  "$tmp/plugins/good.cpp" >"$tmp/plugins/null_factory.cpp"
sed 's|  r.add("recurrent_linear", .*|  r.add("recurrent_linear", []() -> std::unique_ptr<RecurrentLinear> { throw std::runtime_error("no licence"); });|; s|#include <cmath>|#include <cmath>\n#include <stdexcept>|' \
  "$tmp/plugins/good.cpp" >"$tmp/plugins/factory_throws.cpp"
sed 's|  r.add("recurrent_linear"|  r.add("misnamed"|' "$tmp/plugins/good.cpp" >"$tmp/plugins/misnamed.cpp"
# A forward that throws what is not a std::exception: the run reports it as that row's error.
sed 's|    if (p.dtype == DType::f64) run_forward<double>(p, io);|    if (p.seqlen > 0) throw 42;\n    if (p.dtype == DType::f64) run_forward<double>(p, io);|' \
  "$tmp/plugins/good.cpp" >"$tmp/plugins/throws_int.cpp"
# A forward that never returns at n = 4096 (a hung kernel, to the host), after the shorter cases have passed.
sed 's|    if (p.dtype == DType::f64) run_forward<double>(p, io);|    if (p.seqlen == 4096) std::this_thread::sleep_for(std::chrono::hours(1));\n    if (p.dtype == DType::f64) run_forward<double>(p, io);|; s|#include <cmath>|#include <chrono>\n#include <cmath>\n#include <thread>|' \
  "$tmp/plugins/good.cpp" >"$tmp/plugins/hangs.cpp"
# A library that registers from a static initializer, as lasuite's own files do (only possible by
# getting around the compile-time guard lasuite::plugin sets).
{ echo '#undef LASUITE_BUILDING_PLUGIN'
  sed 's|^LASUITE_PLUGIN(register_example)|LASUITE_REGISTER(recurrent_linear, [] { return std::make_unique<RecurrentLinear>(); });|' \
    "$tmp/plugins/good.cpp"; } >"$tmp/plugins/static_register.cpp"
grep -q "carry = 1.0" "$tmp/plugins/wrong_decay.cpp" || fail "the decay formula to break was not found"
for p in null_factory factory_throws misnamed throws_int hangs; do
  cmp -s "$tmp/plugins/good.cpp" "$tmp/plugins/$p.cpp" && fail "$p.cpp is the example unchanged (its sed found nothing)"
done
cat >"$tmp/plugins/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.24)
project(plugin_test LANGUAGES CXX)
find_package(lasuite REQUIRED)
foreach(p good wrong_decay other_abi not_a_plugin throws clash_builtin static_register null_factory factory_throws misnamed
          throws_int hangs)
  lasuite_add_plugin(${p} ${p}.cpp)
  set_target_properties(${p} PROPERTIES PREFIX "")
endforeach()
CMAKE
cmake -S "$tmp/plugins" -B "$tmp/plugins/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; fail "configure against the installed package"; }
cmake --build "$tmp/plugins/build" -j 2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build"; }
lib() { echo "$tmp/plugins/build/$1.so"; }

expect() {  # expected exit code, text the output must hold, lasuite arguments...
  local code=$1 text=$2
  shift 2
  "$lasuite" "$@" >"$tmp/out.txt" 2>&1
  local rc=$?
  [[ $rc == "$code" ]] || { cat "$tmp/out.txt"; fail "lasuite $* exited $rc, expected $code"; }
  grep -qF -- "$text" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "lasuite $*: no '$text' in its output"; }
  echo "ok: exit $rc, '$text': lasuite $*"
}

expect 0 "recurrent_linear" --plugin "$(lib good)" list
expect 0 "0 failed" --plugin "$(lib good)" verify --device cpu --impl recurrent_linear --json "$tmp/verify.json"
sha=$(sha256sum "$(lib good)" | cut -d' ' -f1)
grep -q "\"sha256\": \"$sha\"" "$tmp/verify.json" || fail "the result file does not carry the plugin's hash"
grep -q "\"origin\": \"$(lib good) sha256:$sha\"" "$tmp/verify.json" || fail "the rows do not name the plugin"
listed=$(LASUITE_PLUGINS="$(lib good)" "$lasuite" list 2>&1)
grep -q recurrent_linear <<<"$listed" || fail "LASUITE_PLUGINS not read"
expect 0 "recurrent_linear" --plugin "$(lib good)" --plugin "$tmp/plugins/build/../build/good.so" list  # one file, two names
expect 1 "FAIL" --plugin "$(lib wrong_decay)" verify --device cpu --impl recurrent_linear
cp "$(lib good)" "$tmp/plugins/build/copy.so"
expect 2 "registers 'recurrent_linear', which plugin $(lib good)" --plugin "$(lib good)" --plugin "$tmp/plugins/build/copy.so" list
expect 2 "registers 'la2_cpu', which is one of lasuite's own" --plugin "$(lib clash_builtin)" list
expect 2 "plugin ABI version 99, this lasuite has version" --plugin "$(lib other_abi)" list
expect 2 "not a lasuite plugin" --plugin "$(lib not_a_plugin)" list
expect 2 "licence server unreachable" --plugin "$(lib throws)" list
expect 2 "from a static initializer (LASUITE_REGISTER)" --plugin "$(lib static_register)" list
expect 2 "no such file" --plugin "$tmp/none.so" list
expect 2 "its factory returned no object" --plugin "$(lib null_factory)" list
expect 2 "implementation 'recurrent_linear' could not be created: no licence" --plugin "$(lib factory_throws)" list
expect 2 "registers 'misnamed', whose info().name is 'recurrent_linear'" --plugin "$(lib misnamed)" list
expect 1 "an exception of unknown type" --plugin "$(lib throws_int)" bench --device cpu --impl recurrent_linear --dtype f32 \
  --heads 1 --dim 16 --seqlen 64 --mode fwd --min-time 0 --json "$tmp/bench.json"
[[ -f "$tmp/bench.json" ]] || fail "bench wrote no result file when one row failed"
# verify --time-limit: a case that does not return is ended with the process 5 s past the limit (the least
# grace), as an ERROR row, the cases that passed before it printed and written (exit 4; the cases before n = 4096
# take milliseconds, so the limit passes inside the hung one).
expect 4 "still running 5 s after --time-limit of 3 s passed" --plugin "$(lib hangs)" verify --device cpu --impl recurrent_linear \
  --dtype f64 --time-limit 3 --json "$tmp/hung.json"
grep -q "verify: [1-9][0-9]* passed, 1 failed" "$tmp/out.txt" || fail "the cases before the hung one are not counted"
grep -q '"status": "pass"' "$tmp/hung.json" && grep -q '"status": "error"' "$tmp/hung.json" ||
  fail "the result file of a run ended by --time-limit lacks the passed cases or the hung one"
# SIGTERM (timeout(1), a batch scheduler's end of job) while a case hangs: the case is ended 5 s later as an ERROR
# row, what finished before it is written, and the process ends by SIGTERM (143).
"$lasuite" --plugin "$(lib hangs)" verify --device cpu --impl recurrent_linear --dtype f64 --json "$tmp/term.json" \
  >"$tmp/out.txt" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q PASS "$tmp/out.txt" && break; sleep 0.1; done
sleep 1  # the cases before n = 4096 take milliseconds: the hung one is running
kill -TERM $pid
wait $pid
rc=$?
[[ $rc == 143 ]] || { cat "$tmp/out.txt"; fail "SIGTERM during a hung case: exit $rc, expected 143"; }
grep -q "still running 5 s after SIGTERM was received" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "SIGTERM: no ERROR row for the hung case"; }
grep -q '"status": "pass"' "$tmp/term.json" || fail "SIGTERM: the result file lacks the cases that passed"
echo "ok: SIGTERM during a hung case ends it 5 s later, keeping what finished (exit 143)"
# bench --time-limit: the same, a row at a time.
expect 4 "a row did not return in time" --plugin "$(lib hangs)" bench --device cpu --impl recurrent_linear --dtype f32 \
  --heads 1 --dim 16 --seqlen 64,4096 --mode fwd --min-time 0 --no-ceilings --time-limit 3 --json "$tmp/bench_hung.json"
python3 -c 'import json, sys; rows = json.load(open(sys.argv[1]))["rows"]; sys.exit(not (len(rows) == 2 and rows[0]["status"] == "ok"
            and rows[1]["status"] == "error" and "still running 5 s after --time-limit of 3 s passed" in rows[1]["reason"]))' \
  "$tmp/bench_hung.json" || fail "the bench result file of a run ended by --time-limit lacks the row measured or the hung one"
cp "$(lib good)" "$tmp/keep.so"
expect 2 "which the results would overwrite" --plugin "$tmp/keep.so" verify --device cpu --impl recurrent_linear --json "$tmp/keep.so"
cmp -s "$(lib good)" "$tmp/keep.so" || fail "the plugin named as the result file was changed"
grep -q '"error"' "$tmp/bench.json" || fail "the bench result file does not record the failed row"
echo "PASS"

#!/usr/bin/env bash
# scripts/build_cubins.py and scripts/cubin_compare.py on probe kernels built by this machine's nvcc: the
# build's command made to compile another tree's copy of a source (its include root swapped, one sm_90a
# target, no dependency files) into a cubin with ptxas's usage beside it; the comparison finding the kernel
# that did not change byte-identical, and the opcodes it names (a divergent branch's BSSY and BSYNC, the
# named barrier with immediate operands or with its id in a register, EXIT) where the probes have them.
# Usage: cubin_compare_test.sh NVCC SOURCE_DIR [PYTHON]
set -uo pipefail
nvcc=$1
src=$2
python=${3:-python3}
"$nvcc" --list-gpu-arch 2>/dev/null | grep -q compute_90 || { echo "SKIPPED: $nvcc does not target sm_90a"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Two trees of the same source; only their header differs, so the kernels that include it change.
mkdir -p "$tmp/build" "$tmp/before/k" "$tmp/after/k" "$tmp/out"
cat >"$tmp/before/k/probe.cu" <<'CU'
#include "k/probe.cuh"
extern "C" __global__ void k_same(int* p) { p[threadIdx.x] = 1; }
extern "C" __global__ void k_plain(int* p, int n) { p[threadIdx.x] = kValue; }
extern "C" __global__ void k_diverge(int* p, int n) {
  if (threadIdx.x < n) for (int i = 0; i < n; ++i) p[i] += threadIdx.x;
  __syncwarp();
  p[threadIdx.x] = kValue;
}
extern "C" __global__ void k_bar(int* p) { asm volatile("bar.sync 1, 256;" ::: "memory"); p[threadIdx.x] = kValue; }
extern "C" __global__ void k_bar_reg(int* p, int id) { asm volatile("barrier.sync %0, 256;" ::"r"(id) : "memory"); p[threadIdx.x] = kValue; }
extern "C" __global__ void k_arrive(int* p) { asm volatile("bar.arrive 2, 256;" ::: "memory"); p[threadIdx.x] = kValue; }
extern "C" __global__ void k_bar_regs(int* p, int id, int n) { asm volatile("barrier.sync %0, %1;" ::"r"(id), "r"(n) : "memory"); p[threadIdx.x] = kValue; }
CU
cp "$tmp/before/k/probe.cu" "$tmp/after/k/probe.cu"
echo 'constexpr int kValue = 1;' >"$tmp/before/k/probe.cuh"
echo 'constexpr int kValue = 2;' >"$tmp/after/k/probe.cuh"
# The build's command as CMake writes it: two targets, dependency files, an object.
$python - "$nvcc" "$tmp" <<'PY'
import json, sys
nvcc, tmp = sys.argv[1], sys.argv[2]
cmd = (f"{nvcc} -I{tmp}/before -O3 -gencode=arch=compute_90a,code=sm_90a -gencode=arch=compute_80,code=sm_80 "
       f"-std=c++17 -x cu -MD -MT obj/probe.cu.o -MF obj/probe.cu.o.d -c {tmp}/before/k/probe.cu -o obj/probe.cu.o")
json.dump([{"directory": f"{tmp}/build", "command": cmd, "file": f"{tmp}/before/k/probe.cu"}],
          open(f"{tmp}/build/compile_commands.json", "w"))
PY
for tree in before after; do  # from another folder than the build's: the command runs in the build's
  (cd "$tmp" && $python "$src/scripts/build_cubins.py" build "$tmp/$tree" "out/$tree" ./k/probe.cu) ||
    fail "build_cubins.py on the $tree tree"
  [[ -s $tmp/out/${tree}_probe.cubin ]] || fail "no cubin for the $tree tree"
  grep -q "Used [0-9]* registers" "$tmp/out/${tree}_probe.ptxas" || fail "no ptxas usage beside the $tree cubin"
done
[[ ! -e $tmp/build/obj && ! -e $tmp/obj ]] || fail "the object or its dependency file was written"
# A source the build does not know, and a command with no include root to swap, are refused.
(cd "$tmp" && $python "$src/scripts/build_cubins.py" build "$tmp/after" out/x k/other.cu) 2>"$tmp/err" &&
  fail "an unknown source accepted"
grep -q "is not in" "$tmp/err" || fail "unknown source: $(cat "$tmp/err")"

out=$($python "$src/scripts/cubin_compare.py" "$tmp/out/before_probe.cubin" "$tmp/out/after_probe.cubin" --all) ||
  fail "cubin_compare.py: $out"
echo "$out"
line() { echo "$out" | grep -E "^  (same|changed) +$1:" || fail "no line for $1"; }
field() { line "$1" | grep -qE "(, |: )$2(,|$)" || fail "$1: expected '$2' in: $(line "$1")"; }
echo "$out" | head -1 | grep -q "^7 kernels: 1 byte-identical, 6 changed" || fail "counts: $(echo "$out" | head -1)"
line k_same | grep -q "^  same " || fail "k_same not byte-identical"
line k_plain | grep -q "^  changed " || fail "k_plain (its header changed) reported the same"
field k_plain "BSSY 0"
field k_diverge "BSSY [1-9][0-9]*"
bssy=$(line k_diverge | sed -E 's/.*BSSY ([0-9]+).*/\1/')
field k_diverge "BSYNC $bssy"
field k_diverge "BRA [1-9][0-9]*"
field k_plain "BAR.SYNC 0"
for k in k_bar k_bar_reg k_bar_regs; do field $k "BAR.SYNC 1"; field $k "BAR.ARV 0"; done
field k_arrive "BAR.SYNC 0"
field k_arrive "BAR.ARV 1"
field k_same "EXIT [1-9]"
field k_bar "registers [0-9]+ spills \(0, 0\) barriers 2"
# Not a cubin: refused with a message, not a traceback.
echo "not elf" >"$tmp/out/bad.cubin"
msg=$($python "$src/scripts/cubin_compare.py" "$tmp/out/bad.cubin" "$tmp/out/after_probe.cubin" 2>&1) && fail "a file that is not ELF accepted"
echo "$msg" | grep -q "is not a 64-bit little-endian ELF file" || fail "message for a file that is not ELF: $msg"
echo "PASS"

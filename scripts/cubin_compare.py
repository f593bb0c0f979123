#!/usr/bin/env python3
"""Compares the kernels of two cubins of the same sources (before and after a change: scripts/build_cubins.py)
without a GPU or a disassembler: which kernels' machine code is byte-identical, and for each that is not, its
instruction count and the counts of the opcodes a change of barriers or branches moves, and, from ptxas's
--resource-usage output beside each cubin (build_cubins.py writes it), registers, spill bytes and named barriers.

Usage: cubin_compare.py BEFORE.cubin AFTER.cubin [--match REGEX] [--all]
  --match REGEX  only kernels whose mangled name matches
  --all          list the byte-identical kernels too

sm_90 instructions are 16 bytes; the low 12 bits of their first 8 hold the opcode with its operands' kinds.
The values counted were identified by compiling probe kernels (tests/scripts/cubin_compare_test.sh checks
them with this machine's nvcc): a divergent branch's BSSY and BSYNC, BRA, EXIT, and the named barrier
(low 9 bits 0x11d whatever its operands' kinds: immediate or register id and count), waiting (BAR.SYNC:
bar.sync, barrier.sync and __syncthreads alike, which the encoding does not tell apart) or arriving
(BAR.ARV: bar.arrive) by a bit of the second 8 bytes.
"""
import argparse
import collections
import os
import re
import signal
import struct
import sys

OPCODES = {0x945: "BSSY", 0x941: "BSYNC", 0x947: "BRA", 0x94D: "EXIT"}
BAR, BAR_SYNC_BIT, BAR_ARRIVE_BIT = 0x11D, 1 << 16, 1 << 13  # low 9 bits of the first word; bits of the second


def text_sections(path):
    """{kernel's mangled name: its .text bytes} of an ELF64 little-endian cubin."""
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"cubin_compare: {path} is not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]

    def name(h):
        start = names_at + h[0]
        return data[start:data.index(b"\0", start)].decode()

    return {name(h)[len(".text."):]: data[h[4]:h[4] + h[5]] for h in headers if name(h).startswith(".text.")}


def ptxas_usage(path):
    """{kernel: (registers, spill stores, spill loads, barriers)} from ptxas's --resource-usage lines."""
    usage, kernel, spills = {}, None, (0, 0)
    if not os.path.exists(path):
        return usage
    for line in open(path, errors="replace"):
        m = re.search(r"Compiling entry function '(\S+)'", line) or re.search(r"Function properties for (\S+)", line)
        if m:
            kernel = m.group(1)
            continue
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m:
            spills = (int(m.group(1)), int(m.group(2)))
        m = re.search(r"Used (\d+) registers(?:, used (\d+) barriers)?", line)
        if m and kernel:
            usage[kernel] = (int(m.group(1)), *spills, int(m.group(2) or 0))
    return usage


def opcode_counts(code):
    """{name: count} of the opcodes counted, BAR.SYNC and BAR.ARV among them."""
    counts = collections.Counter()
    for i in range(0, len(code) - 15, 16):
        lo, hi = struct.unpack_from("<QQ", code, i)
        if lo & 0xFFF in OPCODES:
            counts[OPCODES[lo & 0xFFF]] += 1
        elif lo & 0x1FF == BAR:
            counts["BAR.SYNC" if hi & BAR_SYNC_BIT else "BAR.ARV" if hi & BAR_ARRIVE_BIT else "BAR.other"] += 1
    return counts


def short_name(kernel):
    """A mangled kernel's own name and its template arguments as mangled: la2_wgmma_kernel<...>."""
    if not kernel.startswith("_ZN"):
        return kernel
    pos, name = 3, kernel
    while pos < len(kernel) and kernel[pos].isdigit():
        digits = re.match(r"\d+", kernel[pos:]).group(0)
        pos += len(digits)
        name = kernel[pos:pos + int(digits)]
        pos += int(digits)
    args = re.match(r"I(.*?)EEv", kernel[pos:])
    return f"{name}<{args.group(1)}>" if args else name


def arrow(a, b):
    return f"{a}" if a == b else f"{a}->{b}"


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # a reader that stops early (head) ends the listing quietly
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--match", default="")
    p.add_argument("--all", action="store_true")
    args = p.parse_args()
    before, after = text_sections(args.before), text_sections(args.after)
    use_b = ptxas_usage(os.path.splitext(args.before)[0] + ".ptxas")
    use_a = ptxas_usage(os.path.splitext(args.after)[0] + ".ptxas")
    names = sorted(k for k in set(before) | set(after) if re.search(args.match, k))
    same = [k for k in names if before.get(k) == after.get(k)]
    print(f"{len(names)} kernels: {len(same)} byte-identical, {len(names) - len(same)} changed"
          f" (only before: {sum(k not in after for k in names)}, only after: {sum(k not in before for k in names)})")
    for k in names:
        if k in same and not args.all:
            continue
        if k not in before or k not in after:
            print(f"  {'only after ' if k not in before else 'only before'} {short_name(k)}")
            continue
        cb, ca = opcode_counts(before[k]), opcode_counts(after[k])
        fields = [f"instructions {arrow(len(before[k]) // 16, len(after[k]) // 16)}"]
        fields += [f"{n} {arrow(cb[n], ca[n])}" for n in [*OPCODES.values(), "BAR.SYNC", "BAR.ARV", "BAR.other"]]
        ub, ua = use_b.get(k), use_a.get(k)
        if ub and ua:
            fields.append(f"registers {arrow(ub[0], ua[0])} spills {arrow(ub[1:3], ua[1:3])} barriers {arrow(ub[3], ua[3])}")
        print(f"  {'same   ' if k in same else 'changed'} {short_name(k)}: " + ", ".join(fields))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds the sm_90a cubins of a source tree's la2 kernel files (or others), with ptxas's resource usage
beside each, from the compile commands of a configured build: the machine code a change makes, seen on a
machine without a GPU (compare two trees' cubins with scripts/cubin_compare.py).

Usage: build_cubins.py BUILD_DIR TREE OUT_PREFIX [SOURCE ...]
  BUILD_DIR   a configured build (its compile_commands.json gives the nvcc command)
  TREE        the source tree to compile (its include root replaces the build's)
  OUT_PREFIX  writes OUT_PREFIX_<stem>.cubin and OUT_PREFIX_<stem>.ptxas
  SOURCE      paths under TREE (default: kernels/lightning2/la2_chunk_bf16.cu and la2_chunk_f16.cu)
The sources compile in parallel, one nvcc each; only the sm_90a target is kept.
"""
import json
import os
import shlex
import subprocess
import sys

DEFAULT_SOURCES = ["kernels/lightning2/la2_chunk_bf16.cu", "kernels/lightning2/la2_chunk_f16.cu"]


def command_for(build_dir, source):
    """The build's entry for SOURCE (a path under the source tree): its arguments, its file, its directory, and
    the source tree it was configured from (the file's path less SOURCE)."""
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = json.load(f)
    for e in entries:
        path = os.path.normpath(os.path.join(e["directory"], e["file"]))
        if path.endswith(os.sep + source):
            args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
            return args, e["file"], e["directory"], path[: -len(source) - 1]
    sys.exit(f"build_cubins: {source} is not in {build_dir}/compile_commands.json")


def cubin_command(args, build_source, build_root, tree, source, out):
    """The build's nvcc command for one source, made to write one sm_90a cubin of TREE's copy of it (the
    include root swapped to TREE: exits where the command has none to swap)."""
    kept = []
    skip = 0
    swapped = False
    for a in args:
        if skip:
            skip -= 1
            continue
        if a in ("-MD",):
            continue
        if a in ("-MT", "-MF", "-o"):
            skip = 1
            continue
        if a.startswith("-gencode") and "90a" not in a:
            continue
        if a == "-c":
            continue
        if a == build_source:
            continue
        if a.startswith("-I") and os.path.realpath(a[2:]) == os.path.realpath(build_root):
            a = "-I" + tree
            swapped = True
        kept.append(a)
    if not swapped:
        sys.exit(f"build_cubins: the command for {source} has no -I{build_root} to point at {tree}")
    return kept + ["--resource-usage", "-cubin", "-o", out, os.path.join(tree, source)]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    build_dir, tree, prefix = sys.argv[1:4]
    sources = [os.path.normpath(s) for s in sys.argv[4:] or DEFAULT_SOURCES]
    tree, prefix = os.path.realpath(tree), os.path.abspath(prefix)
    jobs = []
    for source in sources:
        if os.path.isabs(source) or source.startswith(".."):
            sys.exit(f"build_cubins: {source}: give sources as paths under the tree")
        args, build_source, directory, build_root = command_for(build_dir, source)
        stem = os.path.splitext(os.path.basename(source))[0]
        cmd = cubin_command(args, build_source, build_root, tree, source, f"{prefix}_{stem}.cubin")
        log = open(f"{prefix}_{stem}.ptxas", "w")
        # In the build's directory, as the build runs it: any relative path the command keeps means the same.
        jobs.append((stem, subprocess.Popen(cmd, cwd=directory, stdout=log, stderr=subprocess.STDOUT), log))
    failed = False
    for stem, proc, log in jobs:
        rc = proc.wait()
        log.close()
        if rc != 0:
            failed = True
            print(f"build_cubins: {stem} failed (rc {rc}); see {prefix}_{stem}.ptxas", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

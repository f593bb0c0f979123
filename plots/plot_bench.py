#!/usr/bin/env python3
"""Draws the paper-style figures from `lasuite bench --json` result files (and those of
baselines/external/run_external.py, whose implementations are named ext:...), and prints the README's
tables.

  python3 plots/plot_bench.py results/ours.json results/ext.json --prefix h100_b1_h32_d128_bf16
  python3 plots/plot_bench.py results/*.json --table --no-figures

Figures (PNG and SVG, in --out-dir): <prefix>_fwd, <prefix>_bwd, <prefix>_fwdbwd (time and tokens/s
against n, log-log) and <prefix>_memory (peak extra + outputs against n), for the modes present.
Files with several shapes get one set per shape, <prefix>_b1_h32_d128_bf16_fwd.png and so on.
Exit codes: 0 done, 2 bad arguments or a file that cannot be read or is not lasuite.bench/1,
3 matplotlib missing (figures asked for). Where the python3 running this has no matplotlib but
Debian's /usr/bin/python3 has, the script runs itself again with that one.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(os.path.dirname(HERE), "baselines", "external"))
import bench_data  # noqa: E402
import bench_table  # noqa: E402
from lasuite_conventions import UsageError, parse_seqlens  # noqa: E402  (lasuite's length syntax)

EXIT_USAGE = 2
EXIT_NO_MATPLOTLIB = 3


def build_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", help="result JSON files (schema lasuite.bench/1)")
    p.add_argument("--out-dir", default=HERE, help="where the figures go (default: this plots/ folder)")
    p.add_argument("--prefix", help="file name prefix (default: the file's name without .json, or 'bench' "
                                    "for several files)")
    p.add_argument("--impl", help="comma list of implementations to keep (names as in the rows, e.g. la2,ext:fla_chunk)")
    p.add_argument("--table", action="store_true", help="print the markdown tables (tokens/s, memory, crossovers)")
    p.add_argument("--table-seqlen", default="4k,32k,128k", help="lengths of the table's columns (default 4k,32k,128k)")
    p.add_argument("--ref", default="la2", help="implementation the crossovers are computed for (default la2)")
    p.add_argument("--no-figures", action="store_true", help="only the table (needs no matplotlib)")
    return p


SYSTEM_PYTHON = "/usr/bin/python3"


def reexec_with_system_python(argv):
    """Where this interpreter has no matplotlib but Debian's python3 does (python3-matplotlib, while
    `python3` on PATH is another install), run this script again with that one, once."""
    if os.environ.get("LASUITE_PLOT_REEXEC") or not os.path.exists(SYSTEM_PYTHON):
        return
    if os.path.realpath(sys.executable) == os.path.realpath(SYSTEM_PYTHON):
        return
    import subprocess
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import matplotlib"], capture_output=True)
    if probe.returncode != 0:
        return
    print(f"note: matplotlib is not importable by {sys.executable}; running with {SYSTEM_PYTHON}", file=sys.stderr)
    sys.stdout.flush()
    os.environ["LASUITE_PLOT_REEXEC"] = "1"
    os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, os.path.abspath(__file__), *argv])


def matplotlib_missing_message(err):
    hint = ""
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
        hint = f"; or run it with {system} if Debian's python3-matplotlib is installed there"
    return (f"error: matplotlib is not importable by {sys.executable} ({err}). Install it (Debian: "
            f"apt-get install python3-matplotlib){hint}. --table --no-figures works without it.")


def main(argv=None):
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if not args.no_figures:
        try:
            import matplotlib  # noqa: F401  (only whether it imports)
        except ImportError:
            reexec_with_system_python(argv)
    try:
        table_seqlens = parse_seqlens(args.table_seqlen)
    except UsageError as e:
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: --table-seqlen: {e}\n")
    impl_filter = None
    if args.impl:
        impl_filter = {s.strip() for s in args.impl.split(",") if s.strip()}

    try:
        data = bench_data.Dataset(args.files, impl_filter)
    except bench_data.BenchFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    for w in data.warnings:
        print(f"note: {w}", file=sys.stderr)
    if impl_filter:
        unknown = sorted(impl_filter - set(data.impls()))
        if unknown:
            every = set()
            for path in args.files:
                every |= {r["impl"] for r in bench_data.load_file(path)[1]}
            print(f"error: --impl names not in the files: {', '.join(unknown)} "
                  f"(present: {', '.join(sorted(every)) or 'none'})", file=sys.stderr)
            return EXIT_USAGE
    if not data.rows:
        print("error: the files hold no rows to plot", file=sys.stderr)
        return EXIT_USAGE

    if args.table:
        print(bench_table.markdown(data, table_seqlens, args.ref))
    if args.no_figures:
        return 0
    try:
        import bench_figures
    except ImportError as e:
        print(matplotlib_missing_message(e), file=sys.stderr)
        return EXIT_NO_MATPLOTLIB
    if args.prefix:
        prefix = args.prefix
    elif len(args.files) == 1:
        prefix = os.path.splitext(os.path.basename(args.files[0]))[0]
    else:
        prefix = "bench"
    for path in bench_figures.draw_all(data, args.out_dir, prefix):
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

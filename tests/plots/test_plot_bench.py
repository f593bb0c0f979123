#!/usr/bin/env python3
"""plots/plot_bench.py draws every figure from the small synthetic result file, marks where lines
stopped, writes the same files twice over, and refuses bad input with exit code 2.

Needs matplotlib: without it this prints "SKIPPED: ..." and exits with 77 (ctest's SKIP_RETURN_CODE),
so it is never counted as passed where it could not run."""

import os
import subprocess
import sys
import tempfile
import unittest

SKIP_CODE = 77
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "plots", "plot_bench.py")
DATA = os.path.join(HERE, "data", "bench_small.json")


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=300)


class Figures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = cls.tmp.name
        cls.result = run(DATA, "--out-dir", cls.out, "--prefix", "t")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def read(self, name):
        with open(os.path.join(self.out, name), "rb") as f:
            return f.read()

    def test_every_figure_written_non_empty(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        for stem in ("t_fwd", "t_bwd", "t_fwdbwd", "t_memory"):
            png, svg = self.read(stem + ".png"), self.read(stem + ".svg")
            self.assertTrue(png.startswith(b"\x89PNG\r\n\x1a\n"), stem + ".png is not a PNG")
            self.assertGreater(len(png), 10000, stem + ".png looks empty")
            self.assertIn(b"<svg", svg[:2000])
        self.assertEqual(sorted(os.listdir(self.out)),
                         sorted(s + e for s in ("t_fwd", "t_bwd", "t_fwdbwd", "t_memory") for e in (".png", ".svg")))

    def test_title_lines_and_stops_in_the_svg(self):
        fwd = self.read("t_fwd.svg").decode()
        fwdbwd = self.read("t_fwdbwd.svg").decode()
        memory = self.read("t_memory.svg").decode()
        self.assertIn("Synthetic GPU", fwd)
        self.assertIn("batch 1, heads 32, d 128", fwd)
        self.assertIn("bf16", fwd)
        self.assertIn("synthetic test data", fwd)
        for name in ("la2", "la1", "cumsum", "ext:fla_chunk", "ext:sdpa_flash"):
            self.assertIn(name, fwd)
        self.assertIn("OOM at 32k", fwd)                     # cumsum fwd stops at 32k
        self.assertIn("ext:sdpa_cudnn: unsupported at 1k", fwd)  # a line with no point at all
        self.assertIn("OOM at 16k", fwdbwd)
        self.assertIn("timeout at 64k", fwdbwd)             # la1 fwd+bwd
        self.assertIn("timeout at 128k", fwdbwd)            # sdpa fwd+bwd
        self.assertIn("peak extra", memory)
        self.assertIn("not available in this run: ext:lightning_attn2", fwd)

    def test_same_input_same_files(self):
        with tempfile.TemporaryDirectory() as again:
            r = run(DATA, "--out-dir", again, "--prefix", "t")
            self.assertEqual(r.returncode, 0, r.stderr)
            for name in ("t_fwd.svg", "t_memory.svg", "t_fwd.png"):
                with open(os.path.join(again, name), "rb") as f:
                    self.assertEqual(f.read(), self.read(name), name + " differs between two runs")

    def test_impl_filter_and_default_prefix(self):
        with tempfile.TemporaryDirectory() as out:
            r = run(DATA, "--out-dir", out, "--impl", "la2,ext:fla_chunk")
            self.assertEqual(r.returncode, 0, r.stderr)
            # Without --prefix the figures are named after the file.
            self.assertTrue(os.path.exists(os.path.join(out, "bench_small_memory.png")))
            with open(os.path.join(out, "bench_small_fwd.svg")) as f:
                svg = f.read()
            self.assertIn("ext:fla_chunk", svg)
            self.assertNotIn("ext:sdpa_flash", svg)
            self.assertNotIn("cumsum", svg)


class BadInput(unittest.TestCase):
    def check_refused(self, content, expected):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.json")
            if content is not None:
                with open(path, "w") as f:
                    f.write(content)
            r = run(path, "--out-dir", d)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(expected, r.stderr)
            self.assertFalse([n for n in os.listdir(d) if n.endswith(".png")], "figures written from bad input")

    def test_missing_file(self):
        self.check_refused(None, "cannot read")

    def test_not_json(self):
        self.check_refused("{not json", "not valid JSON")

    def test_wrong_schema(self):
        self.check_refused('{"schema": "lasuite.verify/1", "meta": {}, "rows": []}', "expected 'lasuite.bench/1'")

    def test_row_without_seqlen(self):
        row = ('{"impl": "la2", "mode": "fwd", "status": "ok", "dtype": "bf16", "batch": 1, "heads": 1, '
               '"dim_qk": 64, "dim_v": 64, "median_ms": 1.0}')
        self.check_refused('{"schema": "lasuite.bench/1", "meta": {}, "rows": [' + row + ']}', "row 0: field 'seqlen'")

    def test_unknown_impl(self):
        with tempfile.TemporaryDirectory() as d:
            r = run(DATA, "--out-dir", d, "--impl", "nonesuch")
            self.assertEqual(r.returncode, 2)
            self.assertIn("nonesuch", r.stderr)


if __name__ == "__main__":
    try:
        import matplotlib  # noqa: F401  (only whether it imports)
    except ImportError as e:
        print(f"SKIPPED: matplotlib not installed for {sys.executable} ({e}); "
              "Debian: apt-get install python3-matplotlib")
        sys.exit(SKIP_CODE)
    unittest.main(verbosity=2)

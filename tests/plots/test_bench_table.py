#!/usr/bin/env python3
"""plots/plot_bench.py --table: the README's tokens/s and memory table and the crossover lengths, from
the synthetic result file and from small hand-made series. Needs no matplotlib."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "plots"))
sys.path.insert(1, os.path.join(ROOT, "baselines", "external"))
import bench_table  # noqa: E402

SCRIPT = os.path.join(ROOT, "plots", "plot_bench.py")
DATA = os.path.join(HERE, "data", "bench_small.json")


def table(*args):
    r = subprocess.run([sys.executable, SCRIPT, DATA, "--table", "--no-figures", *args], capture_output=True,
                       text=True, timeout=120)
    return r


def rows_of(pairs, status_at=None):
    """Rows with tokens/s per n (M tokens/s), optionally some n with another status."""
    out = []
    for n, m in pairs:
        out.append({"seqlen": n, "batch": 1, "status": "ok", "median_ms": 1.0, "tokens_per_s": m * 1e6})
    for n, status in (status_at or {}).items():
        out.append({"seqlen": n, "batch": 1, "status": status})
    return sorted(out, key=lambda r: r["seqlen"])


class Table(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.result = table()
        cls.text = cls.result.stdout

    def test_runs_without_figures(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertNotIn("wrote", self.result.stderr)

    def test_header_and_rows(self):
        self.assertIn("#### Synthetic GPU · bf16 · batch 1, heads 32, d 128", self.text)
        self.assertIn("| implementation | mode | 4k M tok/s | 32k M tok/s | 128k M tok/s | 4k GiB | 32k GiB | 128k GiB |",
                      self.text)
        # la2 fwd: 40 M tokens/s flat; memory 0.5 * io + o = 1.5 * 32 * n * 128 * 2 bytes.
        self.assertIn("| la2 | fwd | 40.0 | 40.0 | 40.0 | 0.0469 | 0.375 | 1.50 |", self.text)
        self.assertIn("| cumsum | fwd | 2.00 | OOM | OOM | 0.125 | OOM | OOM |", self.text)
        self.assertIn("| la1 | fwdbwd | 2.00 | 0.25 | timeout |", self.text)
        self.assertIn("| ext:sdpa_cudnn | fwd | unsupported | unsupported | unsupported |", self.text)

    def test_crossovers(self):
        self.assertIn("| forward | ext:sdpa_flash | 4k | faster from 4k on (compared 1k..128k) |", self.text)
        self.assertIn("| forward | ext:fla_chunk | 1k | faster at every length compared (1k..128k) |", self.text)
        self.assertIn("| forward + backward | ext:sdpa_flash | 4k | faster from 4k on (compared 1k..64k); "
                      "ext:sdpa_flash: timeout from 128k |", self.text)
        self.assertIn("cumsum: OOM from 32k", self.text)

    def test_chosen_lengths_and_reference(self):
        r = table("--table-seqlen", "1k,16k", "--ref", "ext:fla_chunk")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("| 1k M tok/s | 16k M tok/s | 1k GiB | 16k GiB |", r.stdout)
        self.assertIn("| forward | la2 | – | slower at every length compared (1k..128k) |", r.stdout)

    def test_bad_lengths(self):
        r = table("--table-seqlen", "4k..5k")
        self.assertEqual(r.returncode, 2)
        self.assertIn("power of two", r.stderr)

    def test_graph_timed_rows_are_a_line_of_their_own(self):
        # `lasuite bench --timer launches,graph` writes each point twice in one file: neither may replace the
        # other, and the graph's line says how it was timed.
        with open(DATA, encoding="utf-8") as f:
            data = json.load(f)
        graph = [dict(r, timer="graph of 1 step", tokens_per_s=2 * r["tokens_per_s"])
                 for r in data["rows"] if r["impl"] == "la2" and r["mode"] == "fwd"]
        self.assertTrue(graph)
        data["rows"] += graph
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "timers.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(data, f)
            r = subprocess.run([sys.executable, SCRIPT, path, "--table", "--no-figures"], capture_output=True,
                               text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("| la2 | fwd | 40.0 | 40.0 | 40.0 |", r.stdout)
        self.assertIn("| la2 (graph of 1 step) | fwd | 80.0 | 80.0 | 80.0 |", r.stdout)
        # Crossovers race lines timed as the reference was: la2 launched is not raced against its own graph.
        self.assertNotIn("| forward | la2 (graph of 1 step) |", r.stdout)
        self.assertIn("| forward | ext:fla_chunk |", r.stdout)


class Crossover(unittest.TestCase):
    def test_becomes_faster(self):
        ref = rows_of([(1024, 10), (2048, 10), (4096, 10), (8192, 10)])
        other = rows_of([(1024, 20), (2048, 12), (4096, 8), (8192, 4)])
        self.assertEqual(bench_table.crossover(ref, other)[0], 4096)

    def test_faster_then_slower_then_faster_takes_the_last_switch(self):
        ref = rows_of([(1024, 10), (2048, 10), (4096, 10), (8192, 10)])
        other = rows_of([(1024, 5), (2048, 12), (4096, 8), (8192, 4)])
        self.assertEqual(bench_table.crossover(ref, other)[0], 4096)

    def test_never_faster(self):
        n, text = bench_table.crossover(rows_of([(1024, 1), (2048, 1)]), rows_of([(1024, 2), (2048, 2)]))
        self.assertIsNone(n)
        self.assertIn("slower at every length", text)

    def test_only_common_ok_lengths_compared(self):
        ref = rows_of([(1024, 10), (2048, 10), (4096, 10)])
        other = rows_of([(1024, 20), (2048, 5)], {4096: "oom"})
        n, text = bench_table.crossover(ref, other, "la2", "x")
        self.assertEqual(n, 2048)
        self.assertIn("compared 1k..2k", text)
        self.assertIn("x: OOM from 4k", text)

    def test_nothing_in_common(self):
        n, text = bench_table.crossover(rows_of([(1024, 1)]), rows_of([], {1024: "timeout"}), "la2", "x")
        self.assertIsNone(n)
        self.assertIn("no length where both ran", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""plots/plot_decode.py: the table of step times from decode rows, and clear errors for files it cannot use."""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "plots"))
import plot_decode  # noqa: E402


def row(impl, batch, timer, median_ms, status="ok"):
    r = {"impl": impl, "mode": "decode", "batch": batch, "seqlen": 1, "timer": timer, "status": status}
    if status == "ok":
        r.update(median_ms=median_ms, floor_ms=0.001 * batch, fraction_of_floor=0.001 * batch / median_ms)
    return r


class PlotDecode(unittest.TestCase):
    def write(self, doc):
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(doc, f)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_table_has_a_column_per_impl_and_timer(self):
        rows = [row("la2", 1, "launches", 0.006), row("la2", 1, "graph of 10 steps", 0.003),
                row("la2", 8, "graph of 10 steps", 0.008), row("ext:fla_recurrent", 8, "launches", 0, "error"),
                {"impl": "la2", "mode": "fwd", "batch": 1, "seqlen": 4096, "status": "ok", "median_ms": 1.0}]
        path = self.write({"schema": plot_decode.SCHEMA, "rows": rows})
        table = plot_decode.markdown(plot_decode.load_rows([path]))
        self.assertIn("la2 T=1 (graph of 10 steps) us", table)
        self.assertIn("la2 T=1 (launches) us", table)
        self.assertNotIn("fla", table, "a row that did not run has no column")
        self.assertIn("| 1 | 1.00 | 3.00 (0.33) | 6.00 (0.17) |", table)
        self.assertIn("| 8 | 8.00 | 8.00 (1.00) | - |", table)

    def test_rows_of_two_shapes_are_refused(self):
        a, b = row("la2", 1, "launches", 0.006), row("la2", 8, "launches", 0.01)
        a["heads"], b["heads"] = 32, 16
        path = self.write({"schema": plot_decode.SCHEMA, "rows": [a, b]})
        with self.assertRaises(plot_decode.DecodeFileError):
            plot_decode.series(plot_decode.load_rows([path]))
        self.assertEqual(plot_decode.main([path, "--no-figures"]), 2)

    def test_other_files_are_refused(self):
        path = self.write({"schema": "lasuite.verify/1", "rows": []})
        with self.assertRaises(plot_decode.DecodeFileError):
            plot_decode.load_rows([path])
        self.assertEqual(plot_decode.main([path, "--no-figures"]), 2)
        empty = self.write({"schema": plot_decode.SCHEMA, "rows": []})
        self.assertEqual(plot_decode.main([empty, "--no-figures"]), 2)


if __name__ == "__main__":
    unittest.main()

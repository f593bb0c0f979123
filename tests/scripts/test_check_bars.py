"""scripts/check_bars.py on result files written here: which rows count for a bar (la2, bf16, ALiBi, the dirty
flush, launches, ok), the newest file deciding, the shortfall's arithmetic, flatness from one file's four lengths,
the fraction bars needing ceilings, the packed ratio, fla's ratios with both dates, --strict's exit code."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "scripts", "check_bars.py")
K = 1024


def row(mode, n, mtok, impl="la2", batch=1, heads=32, d=128, e=128, fraction=None, **extra):
    r = dict(impl=impl, mode=mode, seqlen=n, batch=batch, heads=heads, dim_qk=d, dim_v=e, dtype="bf16",
             decay="alibi", timer="launches", status="ok", tokens_per_s=mtok * 1e6, fraction_of_floor=fraction,
             packed="", equal_length_tokens_per_s=None)
    r.update(extra)
    return r


class CheckBars(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, rows, date="2026-12-05T00:00:00Z", flush="dirty"):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            json.dump({"meta": {"date": date, "timing": {"l2_flush_mode": flush}}, "rows": rows}, f)
        return path

    def run_tool(self, *paths, strict=False):
        args = [sys.executable, TOOL, *paths] + (["--strict"] if strict else [])
        p = subprocess.run(args, capture_output=True, text=True)
        lines = {}
        for line in p.stdout.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 7 and cells[0].startswith("#"):
                lines[(cells[1], cells[2])] = cells
        return p.returncode, lines, p.stdout

    def test_rates_the_newest_file_decides_and_shortfall(self):
        old = self.write("old.json", [row("fwd", 16 * K, 90.0)], date="2026-12-01T00:00:00Z")
        new = self.write("new.json", [row("fwd", 16 * K, 83.1), row("fwd", 128 * K, 88.3)])
        rc, lines, _ = self.run_tool(old, new)
        self.assertEqual(rc, 0)
        self.assertEqual(lines[("forward", "b1 h32 d128 n16k")][3:6], ["83.1", "85.0", "missed by 2.2 %"])
        self.assertIn("2 row(s)", lines[("forward", "b1 h32 d128 n16k")][6])
        self.assertEqual(lines[("forward", "b1 h32 d128 n128k")][5], "met")
        self.assertEqual(lines[("forward", "b1 h32 d128 n64k")][5], "not measured")

    def test_rows_that_are_not_the_bars_do_not_count(self):
        rows = [row("fwd", 16 * K, 99.0, dtype="f16"), row("fwd", 16 * K, 99.0, decay="none"),
                row("fwd", 16 * K, 99.0, timer="graph"), row("fwd", 16 * K, 99.0, status="timeout"),
                row("fwd", 16 * K, 99.0, impl="la1")]
        clean = self.write("clean_flush.json", [row("fwd", 16 * K, 99.0)], flush="clean")
        _, lines, _ = self.run_tool(self.write("other.json", rows), clean)
        self.assertEqual(lines[("forward", "b1 h32 d128 n16k")][5], "not measured")

    def test_flatness_wants_four_lengths_from_one_file(self):
        four = [row("fwdbwd", n, r) for n, r in zip((4 * K, 16 * K, 64 * K, 128 * K), (23.2, 26.5, 26.8, 28.0))]
        split = self.write("split.json", four[:2])
        rest = self.write("rest.json", four[2:])
        _, lines, _ = self.run_tool(split, rest)
        self.assertEqual(lines[("forward+backward flatness 4k..128k", "b1 h32 d128")][5], "not measured")
        _, lines, _ = self.run_tool(self.write("whole.json", four))
        cells = lines[("forward+backward flatness 4k..128k", "b1 h32 d128")]
        self.assertEqual(cells[3], str(round(28.0 / 23.2, 3)))
        self.assertEqual(cells[5], f"missed by {100 * (28.0 / 23.2 - 1.15) / 1.15:.1f} %")

    def test_fraction_bars_need_ceilings_and_show_fla(self):
        no_ceilings = self.write("nc.json", [row("fwd", 16 * K, 92.0, heads=16, e=256)])
        _, lines, _ = self.run_tool(no_ceilings)
        self.assertEqual(lines[("forward", "b1 h16 d128 e256 n16k")][5], "not measured")
        la2 = self.write("la2.json", [row("fwd", 16 * K, 92.0, heads=16, e=256, fraction=0.536)])
        fla = self.write("fla.json", [row("fwd", 16 * K, 25.1, impl="ext:fla_chunk", heads=16, e=256, timer=None)],
                         date="2026-12-03T00:00:00Z", flush=None)
        _, lines, _ = self.run_tool(la2, fla)
        cells = lines[("forward", "b1 h16 d128 e256 n16k")]
        self.assertEqual(cells[3:6], ["0.536", "0.5", "met"])
        self.assertIn("la2 / fla 3.67x (la2 2026-12-05, fla 2026-12-03)", cells[6])

    def test_packed_ratio_and_strict(self):
        packed = row("fwd", 256 * K, 121.8, packed="31 sequences", equal_length_tokens_per_s=118.4e6)
        slow = row("fwdbwd", 256 * K, 25.0, packed="31 sequences", equal_length_tokens_per_s=32.8e6)
        path = self.write("packed.json", [packed, slow])
        rc, lines, out = self.run_tool(path)
        self.assertEqual(rc, 0)
        self.assertEqual(lines[("packed forward / equal lengths", "h32 d128 packed")][3:6], ["1.029", "0.9", "met"])
        self.assertEqual(lines[("packed forward+backward / equal lengths", "h32 d128 packed")][5],
                         f"missed by {100 * (0.9 - 25.0 / 32.8) / 0.9:.1f} %")
        self.assertIn("47 bars: 1 met, 1 missed, 45 not measured", out)
        rc, _, _ = self.run_tool(path, strict=True)
        self.assertEqual(rc, 1)

    def test_an_unreadable_file_is_refused(self):
        bad = os.path.join(self.dir.name, "bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        p = subprocess.run([sys.executable, TOOL, bad], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("cannot read", p.stderr)


if __name__ == "__main__":
    unittest.main()

"""scripts/check_bars.py on result files written here: which rows count for a bar (la2 on an H200, bf16, ALiBi,
the dirty flush, launches, ok, no --impl-option), the newest file deciding, the shortfall's arithmetic, flatness
from one file's four lengths, the fraction bars needing ceilings, the memory bar, the packed ratio, fla's ratios
(the same packed lengths) with both dates, an unreadable file reported, --strict's exit code."""
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

    def write(self, name, rows, date="2026-12-05T00:00:00Z", flush="dirty", device="NVIDIA H200",
              command="lasuite bench --impl la2", timer_option=None):
        path = os.path.join(self.dir.name, name)
        timing = {"l2_flush_mode": flush}
        if timer_option:
            timing["timer_option"] = timer_option
        meta = {"date": date, "timing": timing, "device": {"name": device}, "command": command}
        with open(path, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f)
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
        self.assertEqual(lines[("forward", "b1 h32 d128 n16k")][3:6], ["83.10", "85.0", "missed by 2.2 %"])
        self.assertIn("2 row(s)", lines[("forward", "b1 h32 d128 n16k")][6])
        self.assertEqual(lines[("forward", "b1 h32 d128 n128k")][5], "met")
        self.assertEqual(lines[("forward", "b1 h32 d128 n64k")][5], "not measured")

    def test_rows_that_are_not_the_bars_do_not_count(self):
        rows = [row("fwd", 16 * K, 99.0, dtype="f16"), row("fwd", 16 * K, 99.0, decay="none"),
                row("fwd", 16 * K, 99.0, timer="graph"), row("fwd", 16 * K, 99.0, status="timeout"),
                row("fwd", 16 * K, 99.0, impl="la1")]
        clean = self.write("clean_flush.json", [row("fwd", 16 * K, 99.0)], flush="clean")
        h100 = self.write("h100.json", [row("fwd", 16 * K, 99.0)], device="NVIDIA H100 80GB HBM3")
        probe = self.write("probe.json", [row("fwd", 16 * K, 99.0)], command="lasuite bench --impl-option segments=8")
        _, lines, _ = self.run_tool(self.write("other.json", rows), clean, h100, probe)
        self.assertEqual(lines[("forward", "b1 h32 d128 n16k")][5], "not measured")
        # A newer probe does not displace the default plan's row.
        default = self.write("default.json", [row("fwd", 16 * K, 83.1)], date="2026-12-01T00:00:00Z")
        _, lines, _ = self.run_tool(default, probe)
        self.assertEqual(lines[("forward", "b1 h32 d128 n16k")][3], "83.10")

    def test_flatness_wants_four_lengths_from_one_file(self):
        four = [row("fwdbwd", n, r) for n, r in zip((4 * K, 16 * K, 64 * K, 128 * K), (23.2, 26.5, 26.8, 28.0))]
        split = self.write("split.json", four[:2])
        rest = self.write("rest.json", four[2:])
        _, lines, _ = self.run_tool(split, rest)
        self.assertEqual(lines[("forward+backward flatness 4k..128k", "b1 h32 d128")][5], "not measured")
        _, lines, _ = self.run_tool(self.write("whole.json", four))
        cells = lines[("forward+backward flatness 4k..128k", "b1 h32 d128")]
        self.assertEqual(cells[3], f"{28.0 / 23.2:.3f}")
        self.assertEqual(cells[5], f"missed by {100 * (28.0 / 23.2 - 1.15) / 1.15:.1f} %")

    def test_fraction_bars_need_ceilings_and_show_fla(self):
        no_ceilings = self.write("nc.json", [row("fwd", 16 * K, 92.0, heads=16, e=256)])
        _, lines, _ = self.run_tool(no_ceilings)
        self.assertEqual(lines[("forward", "b1 h16 d128 e256 n16k")][5], "not measured")
        la2 = self.write("la2.json", [row("fwd", 16 * K, 92.0, heads=16, e=256, fraction=0.536)])
        fla = self.write("fla.json", [row("fwd", 16 * K, 25.1, impl="ext:fla_chunk", heads=16, e=256, timer=None)],
                         date="2026-12-03T00:00:00Z", timer_option="events")
        graph = self.write("fla_graph.json", [row("fwd", 16 * K, 50.0, impl="ext:fla_chunk", heads=16, e=256, timer=None)],
                           date="2026-12-04T00:00:00Z", timer_option="graph")
        _, lines, _ = self.run_tool(la2, fla, graph)
        self.assertEqual(lines[("forward", "b1 h16 d128 e256 n16k")][3:6], ["0.5360", "0.5", "met"])
        cells = lines[("forward, la2 / fla", "b1 h16 d128 e256 n16k")]
        self.assertEqual(cells[3:6], [f"{92.0 / 25.1:.3f}", "1.0", "met"])  # the events timer's row, not the graph's
        self.assertEqual(cells[6], "la2 2026-12-05, fla 2026-12-03")

    def test_memory_bar(self):
        over = row("fwdbwd", 128 * K, 28.0, peak_extra_bytes=24 * (1 << 20))
        _, lines, _ = self.run_tool(self.write("mem.json", [over]))
        self.assertEqual(lines[("forward+backward peak extra memory (MiB, outputs apart)", "b1 h32 d128 n128k")][3:6],
                         ["24.000", "16.0", "missed by 50.0 %"])

    def test_packed_ratio_and_strict(self):
        packed = row("fwd", 256 * K, 121.8, packed="31 sequences", equal_length_tokens_per_s=118.4e6)
        slow = row("fwdbwd", 256 * K, 25.0, packed="31 sequences", equal_length_tokens_per_s=32.8e6)
        other_total = row("fwd", 128 * K, 200.0, packed="9 sequences", equal_length_tokens_per_s=100e6)
        path = self.write("packed.json", [packed, slow, other_total])
        fla = self.write("fla_packed.json", [row("fwd", 256 * K, 38.0, impl="ext:fla_chunk", packed="31 sequences"),
                                             row("fwdbwd", 256 * K, 9.0, impl="ext:fla_chunk", packed="other lengths")])
        rc, lines, out = self.run_tool(path, fla)
        self.assertEqual(rc, 0)
        shape = "h32 d128 n256k packed"
        self.assertEqual(lines[("packed forward / equal lengths", shape)][3:6], ["1.0287", "0.9", "met"])
        self.assertEqual(lines[("packed forward+backward / equal lengths", shape)][5],
                         f"missed by {100 * (0.9 - 25.0 / 32.8) / 0.9:.1f} %")
        self.assertEqual(lines[("packed forward, la2 / fla", shape)][3:6], [f"{121.8 / 38.0:.3f}", "2.0", "met"])
        self.assertEqual(lines[("packed forward+backward, la2 / fla", shape)][5], "not measured")
        self.assertRegex(out, r"\d+ bars: 2 met, 1 missed, \d+ not measured")
        rc, _, _ = self.run_tool(path, strict=True)
        self.assertEqual(rc, 1)

    def test_verify_files(self):
        def vrow(impl, n, status):
            return dict(impl=impl, seqlen=n, status=status, case=f"n{n}", dtype="bf16", checks=[])
        def write_verify(name, rows, date, command="lasuite verify --device cuda"):
            path = os.path.join(self.dir.name, name)
            meta = {"date": date, "device": {"name": "NVIDIA H200"}, "command": command, "git_commit": "abc1234",
                    "schema_version": "lasuite.verify/1"}
            with open(path, "w") as f:
                json.dump({"meta": meta, "rows": rows}, f)
            return path
        old = write_verify("old.json", [vrow("la2", 16 * K, "fail")], "2026-12-01T00:00:00Z")
        new = write_verify("new.json", [vrow("la2", 16 * K, "pass"), vrow("la2", 16 * K, "pass"),
                                        vrow("la2", 1024 * K, "fail"), vrow("la2", 1024 * K, "pass")], "2026-12-05T00:00:00Z")
        wide = write_verify("all.json", [vrow("la2", 4 * K, "pass"), vrow("la1", 4 * K, "pass"), vrow("la1", 4 * K, "skipped")],
                            "2026-12-04T00:00:00Z")
        probe = write_verify("probe.json", [vrow("la2", 128 * K, "pass")], "2026-12-06T00:00:00Z",
                             command="lasuite verify --impl-option segments=8")
        _, lines, _ = self.run_tool(old, new, wide, probe)
        self.assertEqual(lines[("verify: la2's long cases pass", "n16k")][3:6], ["2 passed, 0 failed", "0 failed", "met"])
        self.assertEqual(lines[("verify: la2's long cases pass", "n1M")][3:6], ["1 passed, 1 failed", "0 failed", "missed"])
        self.assertEqual(lines[("verify: la2's long cases pass", "n128k")][5], "not measured")  # only a probe ran it
        cells = lines[("verify: every GPU implementation, 0 failed", "default cases")]
        self.assertEqual(cells[3:6], ["2 passed, 0 failed", "0 failed", "met"])
        self.assertIn("2 implementations", cells[6])
        self.assertIn("abc1234", cells[6])

    def test_a_case_that_threw_is_a_failure(self):
        """A verify case whose run threw ("error") neither passes nor is skipped: both verify bars count it failed."""
        path = os.path.join(self.dir.name, "errors.json")
        rows = [dict(impl="la2", seqlen=16 * K, status="pass", case="a", dtype="bf16", checks=[]),
                dict(impl="la2", seqlen=16 * K, status="error", case="b", dtype="bf16", checks=[]),
                dict(impl="la1", seqlen=16 * K, status="pass", case="c", dtype="bf16", checks=[])]
        meta = {"date": "2026-12-05T00:00:00Z", "device": {"name": "NVIDIA H200"}, "command": "lasuite verify",
                "git_commit": "abc1234", "schema_version": "lasuite.verify/1"}
        with open(path, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f)
        _, lines, _ = self.run_tool(path)
        self.assertEqual(lines[("verify: la2's long cases pass", "n16k")][3:6],
                         ["1 passed, 1 failed (1 with an error)", "0 failed", "missed"])
        self.assertEqual(lines[("verify: every GPU implementation, 0 failed", "default cases")][3:6],
                         ["2 passed, 1 failed (1 with an error)", "0 failed", "missed"])

    def test_an_unreadable_file_is_reported_and_the_others_read(self):
        bad = os.path.join(self.dir.name, "bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        good = self.write("good.json", [row("fwd", 16 * K, 86.0)])
        p = subprocess.run([sys.executable, TOOL, bad, good], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot read", p.stderr)
        self.assertIn("| #14 | forward | b1 h32 d128 n16k | 86.00 | 85.0 | met |", p.stdout)


if __name__ == "__main__":
    unittest.main()

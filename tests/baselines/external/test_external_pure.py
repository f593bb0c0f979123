#!/usr/bin/env python3
"""The GPU-free parts of baselines/external/run_external.py: lasuite's length syntax, the ALiBi
slopes, the work model, the row figures, the result rows and file, and the command line. Runs
without torch (the script imports torch only once it is about to use the GPU)."""

import contextlib
import json
import math
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "baselines", "external"))
import lasuite_conventions as conv  # noqa: E402
import result_file  # noqa: E402
import decode_external  # noqa: E402
import run_external  # noqa: E402
import verify_external  # noqa: E402


class Lengths(unittest.TestCase):
    def test_range_is_powers_of_two(self):
        self.assertEqual(conv.parse_seqlens("1k..128k"), [1024 * 2 ** i for i in range(8)])

    def test_lists_suffixes_order_and_duplicates(self):
        self.assertEqual(conv.parse_seqlens("4096, 1k,16K,1m,4k"), [4096, 1024, 16384, 1 << 20])
        self.assertEqual(conv.parse_seqlens("1000,2k..8k"), [1000, 2048, 4096, 8192])

    def test_bad_input_says_what(self):
        cases = {"": "empty", "1k,,2k": "empty item", "1k..3k": "not a power of two", "8k..1k": "backwards",
                 "k": "no number", "1.5k": "not a number", "-4": "negative", "0": "zero", "1k..": "both ends"}
        for text, why in cases.items():
            with self.assertRaises(conv.UsageError, msg=text) as ctx:
                conv.parse_seqlens(text)
            self.assertIn(why, str(ctx.exception), text)

    def test_modes_and_dtypes(self):
        self.assertEqual(conv.parse_modes("fwdbwd,fwd,fwd+bwd"), ["fwdbwd", "fwd"])
        self.assertEqual(conv.parse_dtype("bfloat16"), "bf16")
        self.assertEqual(conv.parse_dtype("fp16"), "f16")
        with self.assertRaises(conv.UsageError):
            conv.parse_modes("fwd,back")
        with self.assertRaises(conv.UsageError):
            conv.parse_dtype("int8")

    def test_size_text(self):
        self.assertEqual([conv.size_text(n) for n in (1000, 4096, 131072, 1 << 20)], ["1000", "4k", "128k", "1M"])


class Slopes(unittest.TestCase):
    def test_32_heads_known_values(self):
        s = conv.alibi_slopes(32)
        self.assertEqual(len(s), 32)
        self.assertAlmostEqual(s[0], 2 ** -0.25, places=15)   # ≈ 0.8409
        self.assertAlmostEqual(s[-1], 2 ** -8, places=15)     # ≈ 0.0039
        self.assertAlmostEqual(s[-1], 0.0039, places=4)

    def test_power_of_two_closed_form(self):
        for h in (1, 2, 4, 8, 16, 64):
            for i, v in enumerate(conv.alibi_slopes(h)):
                self.assertAlmostEqual(v, 2.0 ** (-8.0 * (i + 1) / h), places=14, msg=f"h={h} i={i}")

    def test_not_a_power_of_two(self):
        # 12 heads: the 8 slopes of h = 8, then every other slope of h = 16 (2^-0.5, 2^-1.5, ...).
        s = conv.alibi_slopes(12)
        expected = [2.0 ** -(i + 1) for i in range(8)] + [2.0 ** -(0.5 + i) for i in range(4)]
        self.assertEqual(len(s), 12)
        for a, b in zip(s, expected):
            self.assertAlmostEqual(a, b, places=14)
        self.assertEqual(len(conv.alibi_slopes(3)), 3)
        self.assertEqual(conv.alibi_slopes(0), [])

    def test_all_slopes_positive_and_decreasing_for_powers_of_two(self):
        s = conv.alibi_slopes(32)
        self.assertTrue(all(a > b > 0 for a, b in zip(s, s[1:])))


class Work(unittest.TestCase):
    def test_linear_matches_math_md(self):
        w = conv.linear_block_work(1, 32, 4096, 128, 128, 2, block=64)
        per_token_head = 98304  # math.md: 4Bd + 4de at B = 64, d = e = 128
        self.assertEqual(w["fwd_flops"], 32 * 4096 * per_token_head)
        self.assertEqual(w["bwd_flops"], 2 * w["fwd_flops"])
        self.assertEqual(w["fwd_bytes"], 32 * 4096 * 1024)            # 1 KiB per token and head
        self.assertEqual(w["bwd_bytes"], 32 * 4096 * 2 * (4 * 128 + 3 * 128))

    def test_softmax_is_the_causal_half(self):
        w = conv.softmax_causal_work(2, 4, 1000, 64, 32, 2)
        self.assertEqual(w["fwd_flops"], 2 * 4 * 1000 * 1000 * 96)

    def test_modes_add_up(self):
        w = {"fwd_flops": 1.0, "bwd_flops": 2.0, "fwd_bytes": 10.0, "bwd_bytes": 20.0}
        self.assertEqual(conv.mode_work(w, "fwd"), (1.0, 10.0))
        self.assertEqual(conv.mode_work(w, "bwd"), (2.0, 20.0))
        self.assertEqual(conv.mode_work(w, "fwdbwd"), (3.0, 30.0))

    def test_figures(self):
        f = conv.timing_figures([2.0, 1.0, 4.0], 2, 1000, 1e9, 3e9, {"copy_bytes_per_s": 3e12, "gemm_flops_per_s": 1e15})
        self.assertEqual((f["median_ms"], f["min_ms"], f["max_ms"], f["repeats"]), (2.0, 1.0, 4.0, 3))
        self.assertAlmostEqual(f["tokens_per_s"], 2000 / 2e-3)
        self.assertAlmostEqual(f["flops_per_s"], 1e9 / 2e-3)
        self.assertAlmostEqual(f["floor_ms"], 1.0)  # bytes bound: 3e9 / 3e12 s
        self.assertAlmostEqual(f["fraction_of_floor"], 0.5)
        self.assertNotIn("floor_ms", conv.timing_figures([1.0], 1, 1, 1.0, 1.0, None))


class Rows(unittest.TestCase):
    def base(self):
        return result_file.base_row("ext:fla_chunk", "linear_decay", 1, 32, 4096, 128, 128, "bf16", "alibi", "fwd")

    def test_failed_row_has_no_numbers(self):
        r = result_file.finish_row(self.base(), "oom", "CUDA out of memory", {"median_ms": 1.0}, {"outputs_bytes": 5})
        self.assertEqual(r["status"], "oom")
        self.assertNotIn("median_ms", r)
        self.assertNotIn("outputs_bytes", r)
        self.assertEqual(r["seqlen"], 4096)

    def test_ok_row_fields_in_schema_order(self):
        figures = conv.timing_figures([1.0], 1, 4096, 1.0, 1.0, None)
        r = result_file.finish_row(self.base(), "ok", "", figures,
                                   {"peak_extra_bytes": 1, "outputs_bytes": 2, "driver_delta_bytes": 3})
        keys = list(r)
        self.assertEqual(keys[:13], ["impl", "device", "function", "batch", "heads", "seqlen", "dim_qk", "dim_v",
                                     "dtype", "decay", "mode", "status", "reason"])
        self.assertEqual(keys[-3:], ["peak_extra_bytes", "outputs_bytes", "driver_delta_bytes"])
        with self.assertRaises(ValueError):
            result_file.finish_row(self.base(), "unavailable")

    def test_first_call_is_reported_apart_whatever_the_status(self):
        ok = result_file.finish_row(self.base(), "ok", "", conv.timing_figures([1.0], 1, 4096, 1.0, 1.0, None),
                                    {"peak_extra_bytes": 1, "outputs_bytes": 2, "driver_delta_bytes": 3}, 38000.0)
        self.assertEqual(ok["first_call_ms"], 38000.0)
        self.assertEqual(list(ok).index("first_call_ms"), list(ok).index("reason") + 1)
        timeout = result_file.finish_row(self.base(), "timeout", "one run took 30 s", None, None, 38000.0)
        self.assertEqual(timeout["first_call_ms"], 38000.0)
        self.assertNotIn("first_call_ms", result_file.finish_row(self.base(), "oom", "inputs"))

    def test_file_round_trips_and_plot_reads_it(self):
        row = result_file.finish_row(self.base(), "ok", "", conv.timing_figures([1.0], 1, 4096, 1.0, 1.0, None),
                                     {"peak_extra_bytes": 1, "outputs_bytes": 2, "driver_delta_bytes": 3})
        doc = result_file.document({"command": "test"}, [row])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "sub", "r.json")
            result_file.write_json(path, doc)
            with open(path) as f:
                self.assertEqual(json.load(f), doc)
            self.assertEqual(os.listdir(os.path.dirname(path)), ["r.json"])  # no temporary left behind
            sys.path.insert(0, os.path.join(ROOT, "plots"))
            import bench_data
            meta, rows = bench_data.load_file(path)
            self.assertEqual(rows[0]["impl"], "ext:fla_chunk")
            self.assertTrue(math.isclose(bench_data.tokens_per_s(rows[0]), 4096 / 1e-3))


class VerifyCases(unittest.TestCase):
    """verify_external's cases are lasuite verify's (harness/verify_cases.cpp): same labels, same heads."""

    def test_labels_match_lasuite(self):
        self.assertEqual(verify_external.label(63, 64, 64, 2, 3, "alibi", False, 0), "n63-d64-e64-b2h3-alibi")
        self.assertEqual(verify_external.label(63, 32, 32, 1, 2, "alibi", False, 0.5), "n63-d32-e32-b1h2-alibi-scale0.5")
        self.assertEqual(verify_external.label(1000, 128, 64, 2, 1, "none", True, 0), "n1000-d128-e64-b2h1-nodecay-state")
        self.assertEqual(verify_external.label(131072, 128, 128, 1, 4, "alibi", False, 0, 2),
                         "n131072-d128-e128-b1h4-alibi-sampled2")
        self.assertEqual(len(verify_external.DEFAULT_SHAPES), 11)

    def test_sampled_heads_first_and_last(self):
        self.assertEqual(verify_external.spread_heads(1, 4, 2), [(0, 0), (0, 3)])
        self.assertEqual(verify_external.spread_heads(1, 2, 2), [], "all of them, as the C++ says it")
        self.assertEqual(verify_external.spread_heads(2, 16, 3), [(0, 0), (1, 0), (1, 15)])  # as the C++ gives

    def test_arguments_are_checked_before_torch_and_its_absence_is_said(self):
        import contextlib
        import io

        def exit_of(argv):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as ctx:
                verify_external.main(argv)
            return ctx.exception.code, err.getvalue()

        for argv, message in ((["--impl", "nocolon"], "unknown implementation 'nocolon'"),
                              (["--impl", "m:"], "'m:' is not module:callable"),
                              (["--impl", "m:f", "--long-heads", "0"], "'0' must be > 0"),
                              (["--impl", "m:f", "--json", "/nonexistent/dir/v.json"], "its folder does not exist"),
                              (["--impl", "m:f", "--dtype", "f64"], "dtype f64 is not verified here")):
            code, err = exit_of(argv)
            self.assertEqual(code, 2, argv)
            self.assertIn(message, err, argv)
        try:
            import torch  # noqa: F401
        except ImportError:
            code, err = exit_of(["--impl", "m:f"])
            self.assertEqual(code, 2)
            self.assertIn("PyTorch is not importable", err)

    def test_worst_block_is_the_bar_lasuite_verify_sets(self):
        # One block of two wholly off, beside a right one: the slice's error is diluted, the block's is not.
        self.assertAlmostEqual(verify_external.worst_block_rel([0.0, 4.0], [4.0, 4.0]), 1.0)
        self.assertEqual(verify_external.worst_block_rel([1e-6, 0.0], [0.0, 1.0]), 1e-3, "absolute where ref is zero")
        self.assertEqual(verify_external.worst_block_rel([float("nan"), 0.0], [1.0, 1.0]), float("inf"))
        self.assertEqual(verify_external.worst_block_rel([], []), 0.0)
        self.assertEqual((verify_external.ROW_BLOCK, verify_external.ROWS_TOLERANCE_FACTOR), (64, 10))

    def test_slopes(self):
        self.assertEqual(verify_external.slopes_for("none", 3), [0.0] * 3)
        mixed = verify_external.slopes_for("mixed", 4)
        self.assertEqual((mixed[0], mixed[-1]), (0.0, verify_external.LARGE_SLOPE))


class DecodeExternal(unittest.TestCase):
    def test_work_counts_the_state_read_and_written(self):
        # harness/implementation.cpp: q, k, v, o of the tokens plus the fp32 state in and out.
        w = decode_external.decode_work(8, 32, 1, 128, 128, 2)
        self.assertEqual(w["fwd_bytes"], 8 * 32 * 1 * 2 * (2 * 128 + 2 * 128) + 2 * 8 * 32 * 128 * 128 * 4)

    def test_defaults_and_refusals(self):
        a = decode_external.parse_options([])
        self.assertEqual((a.batches, a.timers, a.impls), ([1, 8, 64, 256], ["launches", "graph"], ["ext:fla_recurrent"]))
        for argv in (["--decode-timer", "wall"], ["--decode-tokens", "17"], ["--decode-batch", "0"],
                     ["--graph-steps", "0"], ["--impl", "nope"]):
            with self.assertRaises(SystemExit, msg=argv) as ctx:
                decode_external.parse_options(argv)
            self.assertEqual(ctx.exception.code, 2, argv)


class PackedCommandLine(unittest.TestCase):
    def test_lengths_give_the_offsets_and_the_total(self):
        a = run_external.parse_options(["--packed", "3, 0,5", "--impl", "fla_chunk"])
        self.assertEqual(a.cu_seqlens, [0, 3, 3, 8])
        self.assertEqual(a.seqlens, [8])
        self.assertEqual(run_external.packed_summary(a.cu_seqlens), "3 sequences, 0..5 tokens")

    def test_refusals(self):
        for argv in (["--packed", "3,x"], ["--packed", "0,0"], ["--packed", "-1,4"], ["--packed", "4", "--batch", "2"],
                     ["--packed", "4", "--seqlen", "4k"]):
            with self.assertRaises(SystemExit, msg=argv) as ctx:
                run_external.parse_options(argv)
            self.assertEqual(ctx.exception.code, 2, argv)


class CommandLine(unittest.TestCase):
    def test_defaults_are_the_issue_sweep(self):
        a = run_external.parse_options([])
        self.assertEqual(a.seqlens, [1024 * 2 ** i for i in range(8)])
        self.assertEqual((a.batch, a.heads, a.dim, a.dim_v, a.dtype), (1, 32, 128, 128, "bf16"))
        self.assertEqual(a.modes, ["fwd", "bwd", "fwdbwd"])

    def test_value_dim_apart_from_the_head_dim(self):
        a = run_external.parse_options(["--dim", "128", "--dim-v", "256"])
        self.assertEqual((a.dim, a.dim_v), (128, 256))
        self.assertEqual(run_external.parse_options(["--dim", "96"]).dim_v, 96)
        with self.assertRaises(SystemExit):
            run_external.parse_options(["--dim-v", "0"])
        self.assertEqual(a.impls, list(run_external.SWEEP_NAMES))
        self.assertNotIn("ext:fla_recurrent", a.impls, "a decode kernel is not in the training sweep")

    def test_impl_names_with_or_without_prefix_and_sorted_lengths(self):
        a = run_external.parse_options(["--impl", "fla_chunk,ext:sdpa_cudnn", "--seqlen", "16k,1k", "--dtype", "fp16",
                                        "--extra-path", ".ext"])
        self.assertEqual(a.impls, ["ext:fla_chunk", "ext:sdpa_cudnn"])
        self.assertEqual(a.seqlens, [1024, 16384])
        self.assertEqual(a.dtype, "f16")
        self.assertEqual(a.extra_path, [".ext"])

    def test_module_callable_specs_are_taken(self):
        a = run_external.parse_options(["--impl", "mypkg.attn:my_attention,fla_chunk,builtin_callables:fla_chunk"])
        self.assertEqual(a.impls, ["mypkg.attn:my_attention", "ext:fla_chunk", "builtin_callables:fla_chunk"])
        a = run_external.parse_options(["--timer", "graph"])
        self.assertEqual(a.timer, "graph")
        for argv in (["--impl", "mypkg:"], ["--impl", ":fn"], ["--impl", "a:b:c"], ["--timer", "wall"]):
            self.assert_options_exit_2(argv)

    def test_bad_options_exit_2(self):
        for argv in (["--impl", "flash"], ["--seqlen", "1k..3k"], ["--dtype", "f64"], ["--mode", "up"],
                     ["--heads", "0"], ["--row-time-limit", "0"]):
            self.assert_options_exit_2(argv)

    def assert_options_exit_2(self, argv):
        """run_external refuses argv as a usage error (exit 2), its message kept off the test's output."""
        with self.assertRaises(SystemExit, msg=argv) as ctx:
            with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
                run_external.parse_options(argv)
        self.assertEqual(ctx.exception.code, 2, argv)

    def test_check_heads_keep_largest_and_smallest_slope(self):
        self.assertEqual(run_external.check_heads(32), [0, 10, 21, 31])
        self.assertEqual(run_external.check_heads(2), [0, 1])
        self.assertEqual(run_external.check_heads(1), [0])


if __name__ == "__main__":
    unittest.main(verbosity=2)

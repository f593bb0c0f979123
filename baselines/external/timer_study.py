"""The same external call timed four ways, to say what run_external.py's timer measures (issue 15: its
fla forward at 4k disagreed about 2x with triton's do_bench).

  synced    run_external's method: per sample an L2 flush, then CUDA events around one call, and a
            synchronize after it, so each call starts from an idle device and an empty launch queue;
            where the call's host work (Python, argument checks, launches) outlasts the flush on the
            GPU, the window holds the host time too.
  pipelined the same flush and events, no synchronize between samples: the host runs ahead and the
            window holds GPU time unless the host cannot keep up over many calls.
  do_bench  triton.testing.do_bench (its own cache clearing, median).
  graph     the call captured once in a CUDA graph, replayed with the flush before each sample:
            the GPU's time alone, no host work.
Also `host_ms`: the host time of one call (perf_counter around it, no synchronize).

Usage (on the GPU machine):
  python3 baselines/external/timer_study.py --extra-path .ext --impl ext:fla_chunk,ext:lightning_attn2 \\
      --seqlen 4k,16k,128k --json timer_study.json
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lasuite_conventions as conv  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--extra-path", default="")
    ap.add_argument("--impl", default="ext:fla_chunk")
    ap.add_argument("--seqlen", default="4k,16k,128k")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--json", required=True)
    args = ap.parse_args(argv)
    if args.extra_path:
        sys.path.insert(0, os.path.abspath(args.extra_path))

    import torch
    import triton.testing

    import externals
    import gpu_measure as gm

    device = torch.device("cuda")
    flush = gm.L2Flush(device)
    slopes = conv.alibi_slopes(args.heads)
    rows = []
    for name in args.impl.split(","):
        ext = externals.by_name(name)
        try:
            ext.load()
        except Exception as e:  # noqa: BLE001 - any import failure means the package is unusable here
            rows.append({"impl": name, "status": "unavailable", "reason": str(e)[:300]})
            continue
        for n in conv.parse_seqlens(args.seqlen):
            gen = torch.Generator(device=device)
            gen.manual_seed(1 + n)
            shape = (args.batch, args.heads, n, args.dim)
            q, k, v = (ext.native(torch.empty(shape, dtype=torch.bfloat16, device=device).uniform_(-1, 1, generator=gen))
                       for _ in range(3))
            ext.prepare(slopes, device)

            def call():
                with torch.no_grad():
                    return ext.forward(q, k, v)

            t0 = time.perf_counter()
            call()
            torch.cuda.synchronize()
            first_ms = (time.perf_counter() - t0) * 1e3
            for _ in range(3):
                call()
            torch.cuda.synchronize()

            synced = []
            for _ in range(args.samples):
                flush()
                ms, out = gm.time_once(call)
                del out
                synced.append(ms)

            starts = [torch.cuda.Event(enable_timing=True) for _ in range(args.samples)]
            ends = [torch.cuda.Event(enable_timing=True) for _ in range(args.samples)]
            host = []
            for i in range(args.samples):
                flush()
                starts[i].record()
                h0 = time.perf_counter()
                call()
                host.append((time.perf_counter() - h0) * 1e3)
                ends[i].record()
            torch.cuda.synchronize()
            pipelined = [s.elapsed_time(e) for s, e in zip(starts, ends)]

            bench = triton.testing.do_bench(call, warmup=25, rep=100, return_mode="median")

            graph_ms, graph_error = [], ""
            try:
                replay = gm.graphed(call)  # the runner's own capture (--timer graph)
                for _ in range(args.samples):
                    flush()
                    ms, _ = gm.time_once(replay)
                    graph_ms.append(ms)
            except Exception as e:  # noqa: BLE001 - capture may be refused by the call; say so
                graph_error = str(e)[:300]

            row = {"impl": name, "batch": args.batch, "heads": args.heads, "seqlen": n, "dim": args.dim,
                   "dtype": "bf16", "mode": "fwd", "first_call_ms": first_ms,
                   "synced_ms": statistics.median(synced), "pipelined_ms": statistics.median(pipelined),
                   "do_bench_ms": bench, "graph_ms": statistics.median(graph_ms) if graph_ms else None,
                   "graph_error": graph_error, "host_ms": statistics.median(host), "samples": args.samples}
            for key in ("synced_ms", "pipelined_ms", "do_bench_ms", "graph_ms"):
                if row[key]:
                    row[key.replace("_ms", "_mtok_s")] = args.batch * n / (row[key] * 1e-3) / 1e6
            print(json.dumps({k: (round(x, 4) if isinstance(x, float) else x) for k, x in row.items()}), flush=True)
            rows.append(row)
            del q, k, v
            torch.cuda.empty_cache()
    meta = {"command": " ".join(sys.argv), "device": torch.cuda.get_device_name(device),
            "torch": torch.__version__, "triton": triton.__version__, "flush_bytes": flush.bytes,
            "git_commit": os.environ.get("LASUITE_GIT_COMMIT", ""), "methods": __doc__}
    with open(args.json, "w") as f:
        json.dump({"schema": "lasuite.timer_study/1", "meta": meta, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Timing two implementations side by side, under the same load and thread count."""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits


def best_times(fn_a, fn_b, repeats, min_seconds=0.5):
    """Best time of each of two functions, run alternately so both see the same machine load."""
    fn_a()  # warm up
    fn_b()
    times_a, times_b = [], []
    start = time.perf_counter()
    while len(times_a) < repeats or time.perf_counter() - start < min_seconds:
        for fn, times in ((fn_a, times_a), (fn_b, times_b)):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return min(times_a), min(times_b)


def side_by_side(ddl_step, torch_step, threads, repeats):
    """Best times of ``ddl_step`` and ``torch_step`` with both libraries on ``threads`` threads."""
    torch.set_num_threads(threads)
    with threadpool_limits(limits=threads):
        return best_times(ddl_step, torch_step, repeats)


def compare_table(description, cases, label, bench):
    """Command line and table of a side-by-side benchmark: one row per case, dtype and thread
    count, with both times and ``speed(ddl) / speed(torch) = t_torch / t_ddl``.

    ``bench(case, threads, dtype, repeats)`` returns ``(t_ddl, t_torch)`` in seconds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dtype", nargs="+", default=["float64", "float32"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    width = max(len(label), *(len(str(case)) for case in cases)) + 2
    print(f"numpy {np.__version__}, torch {torch.__version__}")
    print(
        f"{label:{width}s} {'dtype':8s} {'thr':>3s} "
        f"{'ddl ms':>9s} {'torch ms':>9s} {'speed ratio':>11s}"
    )
    for dtype in args.dtype:
        for threads in args.threads:
            for case in cases:
                t_ddl, t_torch = bench(case, threads, dtype, args.repeats)
                print(
                    f"{case!s:{width}s} {dtype:8s} {threads:3d} {1e3 * t_ddl:9.2f} "
                    f"{1e3 * t_torch:9.2f} {t_torch / t_ddl:11.2f}",
                    flush=True,
                )

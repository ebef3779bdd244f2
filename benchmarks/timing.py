"""Timing two implementations side by side, under the same load and thread count."""

from __future__ import annotations

import time

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

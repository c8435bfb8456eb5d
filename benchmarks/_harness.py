"""Shared benchmark harness: one BLAS thread, medians of repeats, ratio tables.

Import this module before NumPy so the thread limits take effect.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402


def median_time(fn: Callable[[], object], repeats: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs (after ``warmup`` runs)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def try_import_torch():
    """PyTorch pinned to one thread, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def report(title: str, unit: str, rows: list[tuple[str, float]], baseline: str,
           target: float | None = None) -> None:
    """Print each row's time and its ratio to the ``baseline`` row."""
    base = dict(rows)[baseline]
    print(f"\n{title}")
    for name, value in rows:
        ratio = value / base
        mark = ""
        if target is not None and name == "tinygrad_edu":
            mark = f"   (target <= {target:g}x: {'met' if ratio <= target else 'NOT met'})"
        print(f"  {name:<22} {value:12.3f} {unit}   {ratio:6.2f}x {baseline}{mark}")

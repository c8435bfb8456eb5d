"""Shared benchmark harness: one BLAS thread, interleaved repeats, ratio tables.

Import this module before NumPy so the thread limits take effect.

Shared and virtual machines change speed by tens of percent within minutes, so timing one
candidate for a while and then the other compares two different machines.  `compare`
interleaves them instead: each round runs every candidate once (in a rotating order), and a
ratio is the median over rounds of that round's ratio, so a slow spell slows both sides.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402


def compare(candidates: dict[str, Callable[[], object]], rounds: int = 7,
            warmup: int = 1) -> dict[str, list[float]]:
    """Wall times in seconds of each candidate, one run per candidate per round, interleaved."""
    names = list(candidates)
    for _ in range(warmup):
        for name in names:
            candidates[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            t0 = time.perf_counter()
            candidates[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def parse_args(doc: str):
    """``--quick`` from the command line (the script's docstring is its help), and PyTorch
    pinned to one thread or None when it is not installed."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    return ap.parse_args().quick, try_import_torch()


def try_import_torch():
    """PyTorch pinned to one thread, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def report(title: str, unit: str, scale: float, times: dict[str, list[float]], baseline: str,
           target: float | None = None) -> dict[str, float]:
    """Print each candidate's median time (seconds x ``scale``, in ``unit``) and its ratio to
    ``baseline`` (median of the per-round ratios); returns the ratios."""
    print(f"\n{title}")
    ratios = {}
    for name, ts in times.items():
        ratio = statistics.median(t / b for t, b in zip(ts, times[baseline]))
        ratios[name] = ratio
        mark = ""
        if target is not None and name == "tinygrad_edu":
            mark = f"   (target <= {target:g}x: {'met' if ratio <= target else 'NOT met'})"
        print(f"  {name:<22} {statistics.median(ts) * scale:12.3f} {unit}   "
              f"{ratio:6.2f}x {baseline}{mark}")
    return ratios

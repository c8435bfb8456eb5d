"""Shared benchmark harness: one BLAS thread, interleaved repeats, ratio tables.

Import this module before NumPy so the thread limits take effect.

Shared and virtual machines change speed by tens of percent within minutes, so timing one
candidate for a while and then the other compares two different machines.  `compare`
interleaves them instead: each round runs every candidate once (in a rotating order), and a
ratio is the median over rounds of that round's ratio, so a slow spell slows both sides.

Memory: with glibc's default settings, a freed block above 128 KiB goes back to the OS
(munmap, or a trim of the heap's top) and the next allocation of that size page-faults its
way back in; whether it does depends on what the process allocated before (importing
PyTorch alone made the hand-written NumPy MNIST epoch 1.5x faster on the project's VM).  So
the harness asks glibc to serve blocks below 32 MiB from the heap and keep freed memory
(``mallopt``), for every candidate alike: the figures measure the work and the Python
around it, not the allocator's history.  Elsewhere the default allocator stays, and the
header says so.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import ctypes  # noqa: E402
import ctypes.util  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>


def _keep_freed_memory() -> bool:
    """glibc: blocks below 32 MiB from the heap, freed memory kept (see the module doc)."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 1 << 30))


MEMORY_KEPT = _keep_freed_memory()


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


def parser(doc: str) -> argparse.ArgumentParser:
    """A command line with ``--quick`` (the script's docstring is its help)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    return ap


def print_allocator() -> None:
    print("allocator: " + ("glibc, blocks < 32 MiB from the heap, freed memory kept"
                           if MEMORY_KEPT else "the platform's default"))


def parse_args(doc: str):
    """``--quick`` from the command line, and PyTorch pinned to one thread or None when it
    is not installed."""
    quick = parser(doc).parse_args().quick
    print_allocator()
    return quick, try_import_torch()


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

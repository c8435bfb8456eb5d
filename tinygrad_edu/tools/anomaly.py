"""``detect_anomaly()``: find the op, and your line of code, where a NaN or an inf appeared.

Inside the block (PyTorch's name and use)::

    with detect_anomaly():
        loss = model(x)          # each recorded op remembers the line of *your* code
        loss.backward()          # that called it

a recorded op whose forward output, or whose backward's gradient for one of its inputs,
contains NaN or inf raises ``RuntimeError`` naming the op and that line (file, line number,
function, source).  The line is the innermost stack frame outside the ``tinygrad_edu``
package, captured when the op runs; outside the block nothing is captured or checked
(the engine tests one flag).  Only recorded ops are seen: ops on tensors that require grad,
with grad mode on.  The previous mode is restored on exit, also when an exception leaves
the block.
"""

from __future__ import annotations

import contextlib
import linecache
import sys
import traceback
import types
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Function, is_anomaly_enabled, set_anomaly_hooks
from ..tensor import Tensor

_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def _in_package(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(_PACKAGE)
    except (OSError, ValueError):
        return False


def _caller() -> traceback.FrameSummary | None:
    """The innermost frame outside tinygrad_edu (file, line, function; no locals kept)."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and _in_package(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return None
    return traceback.FrameSummary(frame.f_code.co_filename, frame.f_lineno,
                                  frame.f_code.co_name, lookup_line=False)


def _bad(values: np.ndarray) -> str:
    """"nan", "inf", "nan and inf" or "" for a float array."""
    if values.dtype.kind not in "fc":
        return ""
    nan, inf = bool(np.isnan(values).any()), bool(np.isinf(values).any())
    return " and ".join(w for w, hit in (("nan", nan), ("inf", inf)) if hit)


def _where(ctx: Function) -> str:
    where = getattr(ctx, "anomaly_trace", None)
    if where is None:
        return ("  It was recorded outside detect_anomaly(), so its line is unknown: build "
                "the graph inside the block too.")
    line = linecache.getline(where.filename, where.lineno).strip()
    return (f'  The op was called at File "{where.filename}", line {where.lineno}, in '
            f"{where.name}:\n    {line}")


def _record(ctx: Function, out: np.ndarray) -> None:
    ctx.anomaly_trace = _caller()
    what = _bad(out)
    if what:
        raise RuntimeError(f"detect_anomaly: op {ctx.name} produced {what} in its forward "
                           f"output (shape {out.shape}).\n{_where(ctx)}")


def _check(ctx: Function, grads: Any) -> None:
    for i, g in enumerate(grads):
        if g is None:
            continue
        what = _bad(g.data if isinstance(g, Tensor) else np.asarray(g))
        if what:
            raise RuntimeError(
                f"detect_anomaly: {type(ctx).__name__}Backward (op {ctx.name}) produced "
                f"{what} in the gradient of its input {i} (shape {np.shape(g)}).\n"
                f"{_where(ctx)}")


def _record_only(ctx: Function, out: np.ndarray) -> None:
    ctx.anomaly_trace = _caller()


def _no_check(ctx: Function, grads: Any) -> None:
    pass


class detect_anomaly(contextlib.ContextDecorator):
    """Context manager / decorator: NaN or inf from a recorded op's forward or backward
    raises ``RuntimeError`` naming the op and the line of user code that ran it.

    ``check_nan=False`` only records the lines (PyTorch's flag of the same name).
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._saved: list[tuple] = []

    def __enter__(self) -> None:
        hooks = (_record, _check) if self.check_nan else (_record_only, _no_check)
        self._saved.append(set_anomaly_hooks(True, *hooks))

    def __exit__(self, *exc: object) -> None:
        set_anomaly_hooks(*self._saved.pop())


__all__ = ["detect_anomaly", "is_anomaly_enabled"]

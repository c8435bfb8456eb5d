"""``pad``: PyTorch's ``F.pad`` with modes constant, reflect, replicate and circular.

The pad tuple names the last dim first: ``(left, right)`` pads the last dim,
``(left, right, top, bottom)`` the last two, and so on.  Negative entries crop (first, so
the other modes then pad the cropped tensor, as PyTorch).  Constant padding is an op of its
own (`ConstantPad`: its gradient crops g back); the other modes read each output position
from a source position of the input, an indexing op (its gradient adds g back there).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from ..autograd import Function
from ..errors import ShapeError
from ..tensor import Tensor


class ConstantPad(Function):
    """out = a inside a ``value``-filled array, ``widths`` (before, after) per axis;
    da = g cropped back to a's block.  Keeps only that block's slices."""

    op_name = "pad"
    saves_inputs = saves_output = False

    def forward(self, a, widths, value):
        self.inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        out = np.full_like(a, value, shape=tuple(lo + n + hi for (lo, hi), n in zip(widths,
                                                                                a.shape)))
        out[self.inner] = a
        return out

    def backward(self, g, out, a):
        return (g[self.inner],)


_NON_CONSTANT = {"reflect", "replicate", "circular"}


def _source(mode: str, n: int, lo: int, hi: int) -> np.ndarray:
    """The input position each of the lo + n + hi output positions reads along one axis."""
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        return np.where(j < 0, -j, np.where(j >= n, 2 * (n - 1) - j, j))
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    return j % n  # circular


def _check_non_constant(x: Tensor, mode: str, count: int, widths: list) -> None:
    """PyTorch's limits for reflect / replicate / circular padding."""
    if count not in (1, 2, 3) or x.ndim not in (count + 1, count + 2):
        raise NotImplementedError(
            f"pad: Padding size {2 * count} is not supported for {x.ndim}D input tensor "
            f"(shape {tuple(x.shape)}) in mode {mode!r}. Supported combinations for "
            f"non-constant padding: 2D or 3D input with padding size 2, 3D or 4D with 4, "
            f"4D or 5D with 6")
    for d, (lo, hi) in enumerate(widths):
        n = x.shape[d]
        if not (lo or hi):
            continue
        if mode == "reflect" and max(lo, hi) >= n:
            raise ShapeError(f"pad: in mode 'reflect' the padding ({lo}, {hi}) of dimension "
                             f"{d} should be less than its size {n} (input shape "
                             f"{tuple(x.shape)})")
        if mode == "circular" and max(lo, hi) > n:
            raise ShapeError(f"pad: in mode 'circular' the padding ({lo}, {hi}) of dimension "
                             f"{d} wraps around more than once (size {n}, input shape "
                             f"{tuple(x.shape)})")
        if n == 0:
            raise ShapeError(f"pad: cannot pad dimension {d} of size 0 in mode {mode!r} "
                             f"(input shape {tuple(x.shape)})")


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """x padded by ``pad`` = (left, right) for the last dim, then the one before ...;
    ``mode``: "constant" (``value``, default 0), "reflect" (mirror without repeating the
    edge), "replicate" (repeat the edge), "circular" (wrap around).  Negative pads crop."""
    widths_given = tuple(pad)
    if not all(isinstance(p, numbers.Integral) for p in widths_given):
        raise TypeError(f"pad: pad must be a sequence of ints, got {pad!r}")
    if len(widths_given) % 2:
        raise ShapeError(f"pad: Padding length must be divisible by 2, got {widths_given}")
    count = len(widths_given) // 2
    if count > x.ndim:
        raise ShapeError(f"pad: Padding length should be less than or equal to two times "
                         f"the input dimension but got padding length {len(widths_given)} "
                         f"and input of shape {tuple(x.shape)}")
    if mode != "constant" and mode not in _NON_CONSTANT:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode!r}")
    if mode != "constant" and value is not None:
        raise ValueError(f"pad: Padding mode {mode!r} doesn't take in value argument")
    widths = [(0, 0)] * (x.ndim - count) + [
        (int(widths_given[2 * i]), int(widths_given[2 * i + 1])) for i in reversed(range(count))]
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        kept = [n + min(lo, 0) + min(hi, 0) for (lo, hi), n in zip(widths, x.shape)]
        if min(kept) < 0:
            raise ShapeError(f"pad: the pad {widths_given} crops more than the input of shape "
                             f"{tuple(x.shape)} has")
        x = x[tuple(slice(-min(lo, 0), -min(lo, 0) + k) for (lo, _), k in zip(widths, kept))]
        widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    if mode == "constant":
        return ConstantPad.apply(x, widths=tuple(widths), value=0 if value is None else value)
    _check_non_constant(x, mode, count, widths)
    for d, (lo, hi) in enumerate(widths):
        if lo or hi:
            x = x[(slice(None),) * d + (_source(mode, x.shape[d], lo, hi),)]
    return x

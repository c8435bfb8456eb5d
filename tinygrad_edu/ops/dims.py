"""Checking ``dim`` arguments the PyTorch way: one helper for every op that takes a dim.

A dim out of range raises ``IndexError`` with PyTorch's message ("Dimension out of range
(expected to be in range of [-2, 1], but got 5)") instead of wrapping modulo ndim; a 0-d
tensor accepts 0 and -1 (PyTorch treats it as having one dim for this purpose).
"""

from __future__ import annotations

import numbers
from typing import Any

from ..errors import ShapeError


def normalize_dim(op: str, dim: Any, ndim: int) -> int:
    """``dim`` as a position in ``[0, max(ndim, 1))``; IndexError when out of range."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__} {dim!r}")
    n, dim = (ndim if ndim else 1), int(dim)
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def normalize_dims(op: str, dims: Any, ndim: int) -> tuple[int, ...]:
    """An int or a sequence of ints as distinct positions (see `normalize_dim`)."""
    if isinstance(dims, numbers.Integral):
        return (normalize_dim(op, dims, ndim),)
    out = tuple(normalize_dim(op, d, ndim) for d in dims)
    for i, d in enumerate(out):
        if d in out[:i]:
            raise ShapeError(f"{op}: dim {d} appears multiple times in the list of dims "
                             f"{tuple(dims)}")
    return out


def reduction_axis(op: str, axis: Any, ndim: int) -> int | tuple[int, ...] | None:
    """A reduction's axis checked and normalised for NumPy: None, an int or a tuple.

    A 0-d tensor reduced over 0 / -1 gives None (NumPy has no axis to name there).
    """
    if axis is None:
        return None
    if isinstance(axis, numbers.Integral):
        d = normalize_dim(op, axis, ndim)
        return d if ndim else None
    dims = normalize_dims(op, axis, ndim)
    return dims if ndim else None


def along(axis: int, key: Any) -> tuple[Any, ...]:
    """The index ``x[..., key]`` with ``key`` at position ``axis`` (all of the axes before)."""
    return (*(slice(None),) * axis, key)

"""Reductions over an ``axis`` (int, tuple or None) with ``keepdims``: ``sum max min``.

``mean``, ``var`` and ``std`` are composites of these (see ``ops/__init__.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..autograd import Function
from .shape import BroadcastTo


def reduced_axes(ndim: int, axis) -> set[int]:
    """The axes a reduction over ``axis`` removes, as non-negative positions.

    A 0-d tensor accepts axis 0 / -1 and has nothing to remove, as in PyTorch.
    """
    if axis is None:
        return set(range(ndim))
    if not ndim:
        return set()
    return {ax % ndim for ax in (axis if isinstance(axis, tuple) else (axis,))}


def keepdims_shape(shape: tuple[int, ...], axis) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (what ``keepdims=True`` gives)."""
    axes = reduced_axes(len(shape), axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def reduced_count(shape: tuple[int, ...], axis) -> int:
    """How many values each output of a reduction over ``axis`` combines."""
    return math.prod(shape[i] for i in reduced_axes(len(shape), axis))


def _upstream(g, shape, axis, keepdims):
    """The upstream gradient reshaped so it broadcasts against the input."""
    if keepdims or axis is None:
        return g
    return g.reshape(keepdims_shape(shape, axis))


class Sum(Function):
    """out = sum of a over axis;  da = g broadcast back to a's shape."""

    saves_inputs = saves_output = False

    def forward(self, a, axis=None, keepdims=False):
        self.axis, self.keepdims, self.in_shape = axis, keepdims, a.shape
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, g, out, a):
        shape = self.in_shape
        return (BroadcastTo.call(_upstream(g, shape, self.axis, self.keepdims), shape=shape),)


class Max(Function):
    """out = max of a over axis;  da = g shared equally among the maximal entries."""

    saves_output = False
    reduce: Callable[..., np.ndarray] = staticmethod(np.max)

    def forward(self, a, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims
        return self.reduce(a, axis=axis, keepdims=keepdims)

    def backward(self, g, out, a):
        x = self.inputs[0]
        m = self.reduce(x, axis=self.axis, keepdims=True)
        hit = x == m
        count = hit.sum(axis=self.axis, keepdims=True)
        if not count.all():  # the extreme is NaN: the NaN entries get the gradient
            hit |= np.isnan(x) & np.isnan(m)
            count = hit.sum(axis=self.axis, keepdims=True)
        weight = (hit / count).astype(x.dtype, copy=False)
        return (_upstream(g, x.shape, self.axis, self.keepdims) * weight,)


class Min(Max):
    """out = min of a over axis;  da = g shared equally among the minimal entries."""

    reduce: Callable[..., np.ndarray] = staticmethod(np.min)

"""Reductions over an ``axis`` (int, tuple or None) with ``keepdims``: ``sum max min``.

``mean``, ``var`` and ``std`` are composites of these (see ``ops/__init__.py``).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .shape import BroadcastTo


def keepdims_shape(shape: tuple[int, ...], axis) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (what ``keepdims=True`` gives)."""
    if axis is None:
        return (1,) * len(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = {ax % len(shape) for ax in axes}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


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
    reduce = staticmethod(np.max)

    def forward(self, a, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims
        return self.reduce(a, axis=axis, keepdims=keepdims)

    def backward(self, g, out, a):
        x = self.inputs[0]
        hit = x == self.reduce(x, axis=self.axis, keepdims=True)
        weight = (hit / hit.sum(axis=self.axis, keepdims=True)).astype(x.dtype, copy=False)
        return (_upstream(g, x.shape, self.axis, self.keepdims) * weight,)


class Min(Max):
    """out = min of a over axis;  da = g shared equally among the minimal entries."""

    reduce = staticmethod(np.min)

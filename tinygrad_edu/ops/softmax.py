"""Softmax family along one axis, computed stably (the max is subtracted first)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .reduce import keepdims_shape
from .unary import Exp


def _shifted(a, axis):
    """a - max(a) along axis, with all -inf slices left finite (they give 0/ -inf, not NaN)."""
    m = a.max(axis=axis, keepdims=True)
    return a - np.where(np.isfinite(m), m, 0)


class Softmax(Function):
    """out_i = e^{a_i} / sum_j e^{a_j};  da = out * (g - sum(g * out))."""

    saves_inputs = False

    def forward(self, a, axis=-1):
        self.axis = axis
        e = np.exp(_shifted(a, axis))
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def backward(self, g, out, a):
        return (out * (g - (g * out).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """out_i = a_i - log sum_j e^{a_j};  da = g - softmax(a) * sum(g)."""

    op_name = "log_softmax"

    saves_inputs = False

    def forward(self, a, axis=-1):
        self.axis = axis
        z = _shifted(a, axis)
        return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))

    def backward(self, g, out, a):
        return (g - Exp.call(out) * g.sum(axis=self.axis, keepdims=True),)


class LogSumExp(Function):
    """out = log sum_j e^{a_j} over axis;  da = g * e^{a - out}."""

    def forward(self, a, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims
        m = a.max(axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
        return out if keepdims else np.squeeze(out, axis=axis)

    def backward(self, g, out, a):
        if not self.keepdims and self.axis is not None:
            kshape = keepdims_shape(self.inputs[0].shape, self.axis)  # a is saved
            g, out = g.reshape(kshape), out.reshape(kshape)
        return (g * Exp.call(a - out),)

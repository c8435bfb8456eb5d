"""Softmax family along one axis, computed stably (the max is subtracted first)."""

from __future__ import annotations

import contextlib

import numpy as np

from ..autograd import Function
from .reduce import keepdims_shape
from .unary import Exp


def _shift(a, axis):
    """max(a) along axis (keepdims) as the stabilising shift; 0 where that max is not
    finite (an all -inf slice then gives 0 / -inf, not NaN) or the axis is empty."""
    if a.size == 0:
        return np.zeros(keepdims_shape(a.shape, axis), a.dtype)
    m = a.max(axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


def _quiet_unless(ok: bool) -> contextlib.AbstractContextManager:
    """Silence NumPy's divide/invalid warnings unless ``ok``: a slice whose terms sum to 0
    (all -inf, or empty) gives -inf / NaN, PyTorch's results, without a warning."""
    return _LOUD if ok else np.errstate(divide="ignore", invalid="ignore")


_LOUD = contextlib.nullcontext()


class Softmax(Function):
    """out_i = e^{a_i} / sum_j e^{a_j};  da = out * (g - sum(g * out))."""

    promote = "float"

    saves_inputs = False

    def forward(self, a, axis=-1):
        self.axis = axis
        e = np.exp(a - _shift(a, axis))
        total = e.sum(axis=axis, keepdims=True)
        with _quiet_unless(total.all()):
            e /= total
        return e

    def backward(self, g, out, a):
        return (out * (g - (g * out).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """out_i = a_i - log sum_j e^{a_j};  da = g - softmax(a) * sum(g)."""

    promote = "float"

    op_name = "log_softmax"

    saves_inputs = False

    def forward(self, a, axis=-1):
        self.axis = axis
        z = a - _shift(a, axis)
        total = np.exp(z).sum(axis=axis, keepdims=True)
        with _quiet_unless(total.all()):
            return z - np.log(total)

    def backward(self, g, out, a):
        return (g - Exp.call(out) * g.sum(axis=self.axis, keepdims=True),)


class LogSumExp(Function):
    """out = log sum_j e^{a_j} over axis;  da = g * e^{a - out}."""

    promote = "float"

    def forward(self, a, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims
        m = _shift(a, axis)
        total = np.exp(a - m).sum(axis=axis, keepdims=True)
        with _quiet_unless(total.all()):
            out = np.log(total) + m
        return out if keepdims or not out.ndim else np.squeeze(out, axis=axis)

    def backward(self, g, out, a):
        if not self.keepdims and self.axis is not None:
            kshape = keepdims_shape(self.inputs[0].shape, self.axis)  # a is saved
            g, out = g.reshape(kshape), out.reshape(kshape)
        with _quiet_unless(np.isfinite(self.out).all()):  # out = -inf: NaN, as PyTorch
            return (g * Exp.call(a - out),)

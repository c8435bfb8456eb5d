"""Softmax family along one axis, computed stably (the max is subtracted first)."""

from __future__ import annotations

import contextlib

import numpy as np

from ..autograd import Function
from .reduce import keepdims_shape
from .unary import Exp


def _max(a, axis):
    """max(a) along axis (keepdims); 0 for an empty axis."""
    if a.size == 0:
        return np.zeros(keepdims_shape(a.shape, axis), a.dtype)
    return a.max(axis=axis, keepdims=True)


def _quiet_unless(ok: bool) -> contextlib.AbstractContextManager:
    """Silence NumPy's floating-point warnings unless ``ok``: a slice with an infinite
    entry, or whose terms sum to 0 (all -inf, or empty), gives PyTorch's inf / -inf / NaN
    without a warning."""
    return _LOUD if ok else np.errstate(divide="ignore", invalid="ignore", over="ignore")


_LOUD = contextlib.nullcontext()


def _shifted(a, axis):
    """a - max(a) along axis, the stable form of softmax's exponent.  As in PyTorch the
    max is subtracted even when it is infinite, so a slice holding +inf, or only -inf,
    is NaN throughout (inf - inf)."""
    m = _max(a, axis)
    with _quiet_unless(np.isfinite(m).all()):
        return a - m


class Softmax(Function):
    """out_i = e^{a_i} / sum_j e^{a_j};  da = out * (g - sum(g * out))."""

    promote = "float"

    saves_inputs = False

    def forward(self, a, axis=-1):
        self.axis = axis
        e = np.exp(_shifted(a, axis))
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
        z = _shifted(a, axis)
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
        m = _max(a, axis)
        is_finite = np.isfinite(m)
        finite = is_finite.all()
        m = m if finite else np.where(is_finite, m, 0)  # PyTorch: an infinite max -> 0
        with _quiet_unless(finite):  # exp(+inf) or an overflow: the sum is inf, exactly
            total = np.exp(a - m).sum(axis=axis, keepdims=True)
        with _quiet_unless(finite and total.all()):
            out = np.log(total) + m
        return out if keepdims or not out.ndim else np.squeeze(out, axis=axis)

    def backward(self, g, out, a):
        if not self.keepdims and self.axis is not None:
            kshape = keepdims_shape(self.inputs[0].shape, self.axis)  # a is saved
            g, out = g.reshape(kshape), out.reshape(kshape)
        with _quiet_unless(np.isfinite(self.out).all()):  # out = -inf: NaN, as PyTorch
            return (g * Exp.call(a - out),)

"""Activation functions, each stable for any input magnitude."""

from __future__ import annotations

import functools

import numpy as np

from ..autograd import Function


@functools.cache
def _exp_max(dtype: np.dtype) -> np.floating:
    """The largest x of ``dtype`` with exp(x) finite in ``dtype``."""
    x = np.log(np.finfo(dtype).max, dtype=dtype)
    with np.errstate(over="ignore"):
        while not np.isfinite(np.exp(x)):
            x = np.nextafter(x, dtype.type(0))
    return x


class Sigmoid(Function):
    """out = 1 / (1 + e^-a);  da = g * out * (1 - out).

    e^-a is capped at the dtype's largest finite exponential, so there is no overflow
    warning: for a below -709.78 (float64) / -88.72 (float32) the result is that cap's
    sigmoid, 5.6e-309 / 2.9e-39, instead of something even closer to 0 (float16 is
    computed in float32 and rounded).  For
    log-probabilities use the logits-based losses (log-sum-exp), not log(sigmoid(a)).
    The backward uses only ``out``: no NaN at large |a|.
    """

    promote = "float"

    saves_inputs = False

    def forward(self, a):
        if a.dtype.char == "e":  # float16: its cap (-11.09) is far above its smallest
            return self.forward(a.astype(np.float32)).astype(np.float16)  # values
        e = np.empty(a.shape, a.dtype if a.dtype.kind == "f" else np.float64)  # even for 0-d
        np.negative(a, out=e)
        np.minimum(e, _exp_max(e.dtype), out=e)
        np.exp(e, out=e)
        e += 1
        return np.reciprocal(e, out=e)

    def backward(self, g, out, a):
        return (g * (out * (1 - out)),)


class Tanh(Function):
    """out = tanh a;  da = g * (1 - out^2)."""

    promote = "float"

    saves_inputs = False

    def forward(self, a):
        return np.tanh(a)

    def backward(self, g, out, a):
        return (g * (1 - out * out),)


class Relu(Function):
    """out = max(a, 0);  da = g where a > 0 (equivalently out > 0), else 0."""

    saves_inputs = False

    def forward(self, a):
        return np.maximum(a, 0)

    def backward(self, g, out, a):
        return (g * (self.out > 0),)


class LeakyRelu(Function):
    """out = a if a > 0 else slope * a;  da = g * (1 or slope)."""

    promote = "float"

    op_name = "leaky_relu"

    saves_output = False

    def forward(self, a, negative_slope=0.01):
        self.slope = negative_slope
        return np.where(a > 0, a, a * negative_slope)

    def backward(self, g, out, a):
        x = self.inputs[0]
        return (g * np.where(x > 0, 1, self.slope).astype(x.dtype),)


class Softplus(Function):
    """out = ln(1 + e^a) (computed as logaddexp(0, a));  da = g * sigmoid(a)."""

    promote = "float"

    saves_output = False

    def forward(self, a):
        return np.logaddexp(0, a)

    def backward(self, g, out, a):
        return (g * Sigmoid.call(a),)

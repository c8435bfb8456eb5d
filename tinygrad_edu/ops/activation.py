"""Activation functions, each stable for any input magnitude (0-d to N-d, any float dtype)."""

from __future__ import annotations

import functools
import math

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ._special import erfc
from .select import Clip, Where
from .unary import Abs, Exp


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
        e = np.empty_like(a, a.dtype if a.dtype.kind == "f" else np.float64)  # even for 0-d
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


# ----------------------------------------------------------------------------- PyTorch's zoo
# gelu silu mish hardswish elu/celu/selu hardtanh softsign (nn.functional builds relu6,
# hardsigmoid, logsigmoid, softmin, glu and prelu from these and the primitives).

_BIG = 1e3  # |x| beyond which every derivative below has reached its limit in float64


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _sigmoid(x):
    """`Sigmoid` on a Tensor (recorded); on an ndarray without `Sigmoid`'s cap, e^x / (1 +
    e^x) for x < 0, which is exactly 0 at -1000 (x sigmoid(x) is then -0, not -5.6e-306)."""
    if isinstance(x, Tensor):
        return Sigmoid.apply(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


class _Gated(Function):
    """out = x gate(x) for a gate rising from 0 (x -> -inf) to 1 (x -> +inf);
    da = g (gate(x) + x gate'(x)).

    Both are evaluated at x clipped to [-1000, 1000], where the gate has reached 0 or 1 in
    float64: no overflow (x^3), and no 0 * inf = NaN at x = -inf (the result is the limit,
    -0; PyTorch gives NaN there), nor in the gradient at +-inf (PyTorch: NaN).  ``gate`` and
    ``gate_grad`` use shared operators, so the backward is recorded under create_graph.
    """

    promote = "float"

    saves_output = False

    def gate(self, x):
        raise NotImplementedError

    def gate_grad(self, x, gate):
        raise NotImplementedError

    def forward(self, a):
        return np.maximum(a, -_BIG) * self.gate(np.clip(a, -_BIG, _BIG))

    def backward(self, g, out, a):
        x = Clip.call(a, -_BIG, _BIG)
        gate = self.gate(x)
        return (g * (gate + x * self.gate_grad(x, gate)),)


class Silu(_Gated):
    """SiLU (swish): x sigmoid(x);  gate' = sigmoid (1 - sigmoid)."""

    def gate(self, x):
        return _sigmoid(x)

    def gate_grad(self, x, gate):
        return gate * (1 - gate)


class Mish(_Gated):
    """x tanh(softplus(x));  gate' = (1 - tanh^2) sigmoid(x)."""

    def gate(self, x):
        return Tanh.call(Softplus.call(x))

    def gate_grad(self, x, gate):
        return (1 - gate * gate) * _sigmoid(x)


class Hardswish(_Gated):
    """x relu6(x + 3) / 6;  gate' = 1/6 on -3 < x < 3, else 0 (PyTorch's gradient at +-3)."""

    def gate(self, x):
        return Hardtanh.call(x + 3, min_val=0.0, max_val=6.0) / 6

    def gate_grad(self, x, gate):
        v = _data(x)
        return ((v > -3) & (v < 3)) / np.asarray(6, v.dtype)


_SQRT_2PI = math.sqrt(2 * math.pi)
_TANH_C = math.sqrt(2 / math.pi)


class Gelu(_Gated):
    """GELU: x Phi(x), Phi the standard normal CDF (``approximate='none'``), or with
    Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2 (``approximate='tanh'``).

    gate' = e^(-x^2/2) / sqrt(2 pi), resp. 2 Phi (1 - Phi) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
    """

    def forward(self, a, approximate="none"):
        self.approximate = approximate
        return super().forward(a)

    def gate(self, x):
        if self.approximate == "tanh":
            return (1 + Tanh.call((x + x * x * x * 0.044715) * _TANH_C)) * 0.5
        return NormalCdf.call(x)

    def gate_grad(self, x, gate):
        if self.approximate == "tanh":
            return gate * (1 - gate) * (2 * _TANH_C) * (1 + x * x * (3 * 0.044715))
        return Exp.call(x * x * -0.5) * (1 / _SQRT_2PI)


class NormalCdf(Function):
    """out = Phi(a) = erfc(-a / sqrt 2) / 2 (accurate in the lower tail);
    da = g e^(-a^2/2) / sqrt(2 pi).  GELU's gate; recorded when GELU's backward is."""

    promote = "float"

    op_name = "normal_cdf"
    saves_output = False

    def forward(self, a):
        return erfc(a * -math.sqrt(0.5)) * 0.5

    def backward(self, g, out, a):
        return (g * (Exp.call(a * a * -0.5) * (1 / _SQRT_2PI)),)


class Elu(Function):
    """out = scale * (a if a > 0 else alpha (e^(input_scale a) - 1)), PyTorch's ELU family:
    ELU (scale = input_scale = 1), CELU (input_scale = 1 / alpha), SELU (fixed alpha, scale).

    da = g scale (1 if a > 0 else alpha input_scale e^(input_scale a)) (a = 0: the second).
    """

    promote = "float"

    op_name = "elu"
    saves_output = False

    def forward(self, a, alpha=1.0, scale=1.0, input_scale=1.0):
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale
        negative = np.expm1(np.clip(a, -_BIG, 0) * input_scale) * alpha  # no overflow
        return np.where(a > 0, a, negative) * scale

    def backward(self, g, out, a):
        slope = Exp.call(Clip.call(a, -_BIG, 0) * self.input_scale) * (
            self.alpha * self.scale * self.input_scale)
        return (Where.call(self.inputs[0] > 0, g * self.scale, g * slope),)


class Hardtanh(Function):
    """out = a clipped to [min_val, max_val];  da = g strictly inside (0 at the bounds, as
    PyTorch's hardtanh, relu6 and hardsigmoid; `Clip` passes the gradient at the bounds)."""

    saves_output = False

    def forward(self, a, min_val=-1.0, max_val=1.0):
        self.lo, self.hi = min_val, max_val
        return np.clip(a, min_val, max_val)

    def backward(self, g, out, a):
        x = self.inputs[0]
        return (g * ((x > self.lo) & (x < self.hi)),)


class Softsign(Function):
    """out = a / (1 + |a|) (+-1 at +-inf);  da = g / (1 + |a|)^2."""

    promote = "float"

    saves_output = False

    def forward(self, a):
        big = np.finfo(a.dtype if a.dtype.kind == "f" else np.float64).max
        x = np.clip(a, -big, big)  # big / (1 + big) is exactly 1: no inf / inf
        return x / (1 + np.abs(x))

    def backward(self, g, out, a):
        d = 1 / (1 + Abs.call(a))  # squared after the division: no overflow
        return (g * (d * d),)


# ----------------------------------------------------------------------------- functions
def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) (Phi the standard normal CDF), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate argument must be either 'none' or 'tanh', "
                         f"got {approximate!r}")
    return Gelu.apply(x, approximate=approximate)


def silu(x: Tensor) -> Tensor:
    """x sigmoid(x)."""
    return Silu.apply(x)


def mish(x: Tensor) -> Tensor:
    """x tanh(softplus(x))."""
    return Mish.apply(x)


def hardswish(x: Tensor) -> Tensor:
    """0 for x <= -3, x for x >= 3, x (x + 3) / 6 between."""
    return Hardswish.apply(x)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise."""
    return Elu.apply(x, alpha=alpha)


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1))."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    return Elu.apply(x, alpha=alpha, input_scale=1 / alpha)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Tensor) -> Tensor:
    """scale (x for x > 0, alpha (e^x - 1) otherwise), alpha ~ 1.6733, scale ~ 1.0507."""
    return Elu.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val] (gradient 0 at and beyond the bounds)."""
    if not max_val > min_val:
        raise ValueError(f"hardtanh: max_val ({max_val}) must be larger than min_val "
                         f"({min_val})")
    return Hardtanh.apply(x, min_val=min_val, max_val=max_val)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return Softsign.apply(x)

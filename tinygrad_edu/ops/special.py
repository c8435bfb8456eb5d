"""Elementwise maths beyond ``exp log sqrt abs`` (PyTorch's names and gradients).

Unary ops share one pattern, `Unary`: ``forward`` is a NumPy ufunc and ``backward`` is
``g * derivative(a, out)``; each op states its derivative next to its ufunc.  The
piecewise-constant ones (``sign floor ceil round trunc``) have gradient 0, as in PyTorch.
Binary ops (``atan2 hypot copysign logaddexp``) and ``lerp`` write their backward in full.

Like PyTorch these ops return inf/NaN outside their domain (``log2(0) = -inf``,
``acosh(0.5) = nan``) without NumPy's RuntimeWarnings.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ._special import erf, erfc
from .activation import Sigmoid
from .select import Where
from .unary import Exp

_QUIET = dict(over="ignore", divide="ignore", invalid="ignore", under="ignore")


def _zeros_like(g):
    """A gradient of 0 shaped like ``g`` (a Tensor under ``create_graph``, else an ndarray)."""
    return Where.call(np.zeros(np.shape(g), dtype=bool), g, 0.0)


class Unary(Function):
    """out = fn(a);  da = g * derivative(a, out).  Subclasses set both."""

    promote = "float"

    saves_output = False

    @staticmethod
    def fn(a):
        raise NotImplementedError

    def derivative(self, a, out):
        raise NotImplementedError

    def forward(self, a):
        with np.errstate(**_QUIET):
            return self.fn(a)

    def backward(self, g, out, a):
        with np.errstate(**_QUIET):
            return (g * self.derivative(a, out),)


# ----------------------------------------------------------------------------- trigonometric
class Sin(Unary):
    """sin a;  d/da = cos a."""

    fn = staticmethod(np.sin)

    def derivative(self, a, out):
        return Cos.call(a)


class Cos(Unary):
    """cos a;  d/da = -sin a."""

    fn = staticmethod(np.cos)

    def derivative(self, a, out):
        return -Sin.call(a)


class Tan(Unary):
    """tan a;  d/da = 1 + tan^2 a."""

    saves_inputs, saves_output = False, True
    fn = staticmethod(np.tan)

    def derivative(self, a, out):
        return out * out + 1


class Asin(Unary):
    """arcsin a;  d/da = 1 / sqrt(1 - a^2)."""

    fn = staticmethod(np.arcsin)

    def derivative(self, a, out):
        return (1 - a * a) ** -0.5


class Acos(Unary):
    """arccos a;  d/da = -1 / sqrt(1 - a^2)."""

    fn = staticmethod(np.arccos)

    def derivative(self, a, out):
        return -((1 - a * a) ** -0.5)


class Atan(Unary):
    """arctan a;  d/da = 1 / (1 + a^2)."""

    fn = staticmethod(np.arctan)

    def derivative(self, a, out):
        return 1 / (a * a + 1)


# ----------------------------------------------------------------------------- hyperbolic
class Sinh(Unary):
    """sinh a;  d/da = cosh a."""

    fn = staticmethod(np.sinh)

    def derivative(self, a, out):
        return Cosh.call(a)


class Cosh(Unary):
    """cosh a;  d/da = sinh a."""

    fn = staticmethod(np.cosh)

    def derivative(self, a, out):
        return Sinh.call(a)


class Asinh(Unary):
    """arsinh a;  d/da = 1 / sqrt(a^2 + 1)."""

    fn = staticmethod(np.arcsinh)

    def derivative(self, a, out):
        return (a * a + 1) ** -0.5


class Acosh(Unary):
    """arcosh a (a >= 1);  d/da = 1 / sqrt(a^2 - 1)."""

    fn = staticmethod(np.arccosh)

    def derivative(self, a, out):
        return (a * a - 1) ** -0.5


class Atanh(Unary):
    """artanh a (|a| < 1);  d/da = 1 / (1 - a^2)."""

    fn = staticmethod(np.arctanh)

    def derivative(self, a, out):
        return 1 / (1 - a * a)


# ----------------------------------------------------------------------------- erf
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class Erf(Unary):
    """erf a = 2/sqrt(pi) int_0^a e^(-t^2) dt;  d/da = 2/sqrt(pi) e^(-a^2)."""

    fn = staticmethod(erf)

    def derivative(self, a, out):
        return Exp.call(-(a * a)) * _TWO_OVER_SQRT_PI


class Erfc(Unary):
    """erfc a = 1 - erf a (accurate where erf a is near 1);  d/da = -2/sqrt(pi) e^(-a^2)."""

    fn = staticmethod(erfc)

    def derivative(self, a, out):
        return Exp.call(-(a * a)) * -_TWO_OVER_SQRT_PI


# ----------------------------------------------------------------------------- exp and log
class Exp2(Unary):
    """2^a;  d/da = 2^a ln 2."""

    saves_inputs, saves_output = False, True
    fn = staticmethod(np.exp2)

    def derivative(self, a, out):
        return out * math.log(2)


class Expm1(Unary):
    """e^a - 1 (accurate near 0);  d/da = e^a = out + 1."""

    saves_inputs, saves_output = False, True
    fn = staticmethod(np.expm1)

    def derivative(self, a, out):
        return out + 1


class Log2(Unary):
    """log2 a;  d/da = 1 / (a ln 2)."""

    fn = staticmethod(np.log2)

    def derivative(self, a, out):
        return 1 / (a * math.log(2))


class Log10(Unary):
    """log10 a;  d/da = 1 / (a ln 10)."""

    fn = staticmethod(np.log10)

    def derivative(self, a, out):
        return 1 / (a * math.log(10))


class Log1p(Unary):
    """ln(1 + a) (accurate near 0);  d/da = 1 / (1 + a)."""

    fn = staticmethod(np.log1p)

    def derivative(self, a, out):
        return 1 / (a + 1)


# ----------------------------------------------------------------------------- powers
class Rsqrt(Unary):
    """1 / sqrt(a);  d/da = -out^3 / 2."""

    saves_inputs, saves_output = False, True

    @staticmethod
    def fn(a):
        return 1 / np.sqrt(a)

    def derivative(self, a, out):
        return out * out * out * -0.5


class Reciprocal(Unary):
    """1 / a;  d/da = -out^2."""

    saves_inputs, saves_output = False, True
    fn = staticmethod(np.reciprocal)

    def derivative(self, a, out):
        return -(out * out)


class Square(Unary):
    """a^2;  d/da = 2a."""

    fn = staticmethod(np.square)

    def derivative(self, a, out):
        return a * 2


# ----------------------------------------------------------------------------- rounding
class PiecewiseConstant(Unary):
    """A step function: gradient 0 everywhere (PyTorch's convention, also at the steps)."""

    promote = "common"

    saves_inputs = False

    def backward(self, g, out, a):
        return (_zeros_like(g),)


class Sign(PiecewiseConstant):
    """-1, 0 or 1 (NaN stays NaN);  gradient 0."""

    fn = staticmethod(np.sign)


class Floor(PiecewiseConstant):
    """The largest integer <= a;  gradient 0."""

    fn = staticmethod(np.floor)


class Ceil(PiecewiseConstant):
    """The smallest integer >= a;  gradient 0."""

    fn = staticmethod(np.ceil)


class Trunc(PiecewiseConstant):
    """a rounded towards 0;  gradient 0."""

    fn = staticmethod(np.trunc)


class Round(PiecewiseConstant):
    """a rounded to ``decimals`` places, halves to even (as PyTorch and NumPy);  gradient 0."""

    def forward(self, a, decimals=0):
        return np.round(a, decimals)


class Frac(Unary):
    """a - trunc(a) (the sign of a);  d/da = 1."""

    saves_inputs = False

    @staticmethod
    def fn(a):
        return a - np.trunc(a)

    def backward(self, g, out, a):
        return (g,)


class NanToNum(Function):
    """NaN, +inf, -inf replaced by ``nan``, ``posinf``, ``neginf`` (None: 0 and the dtype's
    largest / lowest finite value, as PyTorch);  da = g where a is finite, else 0."""

    saves_inputs = saves_output = False

    def forward(self, a, nan=0.0, posinf=None, neginf=None):
        self.finite = np.isfinite(a)
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g, out, a):
        return (g * self.finite,)


# ----------------------------------------------------------------------------- binary
class Atan2(Function):
    """out = atan2(a, b), the angle of the point (b, a);
    da = g b / (a^2 + b^2),  db = -g a / (a^2 + b^2)."""

    promote = "float"

    saves_output = False

    def forward(self, a, b):
        return np.arctan2(a, b)

    def backward(self, g, out, a, b):
        with np.errstate(**_QUIET):
            gr = g / (a * a + b * b)
            return gr * b, -gr * a


class Hypot(Function):
    """out = sqrt(a^2 + b^2) without overflow (hypot(1e200, 1e200) is finite);
    da = g a / out,  db = g b / out."""

    promote = "float"

    def forward(self, a, b):
        return np.hypot(a, b)

    def backward(self, g, out, a, b):
        with np.errstate(**_QUIET):
            gr = g / out
            return gr * a, gr * b


class Copysign(Function):
    """out = |a| with the sign of b;  da = g * (out / a) (0 where a == 0, as PyTorch), db = 0."""

    promote = "float"

    saves_inputs = saves_output = False

    def forward(self, a, b):
        out = np.copysign(a, b)
        flip = np.signbit(out) != np.signbit(a)
        self.slope = np.where(a == 0, 0, np.where(flip, -1, 1)).astype(out.dtype)
        return out

    def backward(self, g, out, a, b):
        return g * self.slope, (_zeros_like(g) if self.needs_grad(1) else None)


class LogAddExp(Function):
    """out = log(e^a + e^b), stable for any a, b;  da = g sigmoid(a - b), db = g sigmoid(b - a)."""

    promote = "float"

    saves_output = False
    op_name = "logaddexp"

    def forward(self, a, b):
        return np.logaddexp(a, b)

    def backward(self, g, out, a, b):
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, as PyTorch
            d = a - b
        return g * Sigmoid.call(d), g * Sigmoid.call(-d)


class Lerp(Function):
    """out = start + weight (end - start), evaluated from the nearer end as PyTorch (exact at
    weight 0 and 1);  dstart = g (1 - weight), dend = g weight, dweight = g (end - start)."""

    promote = "float"

    saves_output = False

    def forward(self, start, end, weight):
        diff = end - start  # weight stays as given: a Python float must not upcast float32
        return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))

    def backward(self, g, out, start, end, weight):
        return (g * (1 - weight), g * weight,
                g * (end - start) if self.needs_grad(2) else None)

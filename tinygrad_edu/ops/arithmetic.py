"""Arithmetic: ``+ - * / neg **`` with NumPy broadcasting.

Gradients may come back in the broadcast shape; the engine sums them to each input's shape.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function, save_each_for_the_other
from .select import Where
from .unary import Log


class Add(Function):
    """out = a + b;  da = g, db = g."""

    promote = "common"

    saves_inputs = saves_output = False

    def forward(self, a, b):
        return a + b

    def backward(self, g, out, a, b):
        return g, g


class Sub(Function):
    """out = a - b;  da = g, db = -g."""

    promote = "common"

    saves_inputs = saves_output = False

    def forward(self, a, b):
        return a - b

    def backward(self, g, out, a, b):
        return g, -g


class Mul(Function):
    """out = a * b;  da = g * b, db = g * a."""

    promote = "common"

    saves_output = False

    save_inputs = save_each_for_the_other

    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        return (g * b if self.needs_grad(0) else None,
                g * a if self.needs_grad(1) else None)


class Div(Function):
    """out = a / b;  da = g / b, db = -g * a / b^2 = -(g / b) * out."""

    promote = "float"

    def save_inputs(self, arrays):
        return None, arrays[1]

    def forward(self, a, b):
        return a / b

    def backward(self, g, out, a, b):
        ga = g / b
        return ga, (-ga * out if self.needs_grad(1) else None)


class Neg(Function):
    """out = -a;  da = -g."""

    saves_inputs = saves_output = False

    def forward(self, a):
        return -a

    def backward(self, g, out, a):
        return (-g,)


class Pow(Function):
    """out = a ** b;  da = g * b * a^(b-1),  db = g * out * log(a).

    PyTorch's values, special cases included: da is 0 wherever b == 0 (so d/da a^0 is 0 at
    a = +-inf too), db is 0 where a == 0 and b >= 0; elsewhere the formula's own value
    (d/da 0^b = -inf for b < 0, d/db 0^b = -inf for b < 0, NaN for a negative base).  The
    masked places are evaluated at a safe base (1) and then selected away, so no 0 * inf
    leaks into first or second derivatives, and no NumPy warning is raised.  One deliberate
    difference: for a tensor exponent only a == b == 0 is masked in da (b * a^(b-1) is
    already 0 at b == 0 elsewhere), so d(da)/db = a^(b-1) stays exact at b == 0 where
    PyTorch's mask gives 0.
    """

    promote = "common"

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):  # 0^-1 = inf, (-1)^0.5 = nan
            return a ** b

    def backward(self, g, out, a, b):
        a_data, b_data = self.inputs
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_grad(0):
                flat = np.equal(b_data, 0)
                if self.needs_grad(1):  # keep d(da)/db = a^(b-1) at b == 0 (a != 0) exact
                    flat = flat & np.equal(a_data, 0)
                if flat.any():
                    ga = Where.call(flat, 0.0, g * b * Where.call(flat, 1.0, a) ** (b - 1))
                else:
                    ga = g * b * a ** (b - 1)
            if self.needs_grad(1):
                if isinstance(a, int | float):  # a Python base: keep it weakly typed
                    gb = g * out * _log_of_python_base(a, b_data, out)
                else:
                    flat = np.equal(a_data, 0) & np.greater_equal(b_data, 0)
                    if flat.any():
                        gb = Where.call(flat, 0.0, g * out * Log.call(Where.call(flat, 1.0, a)))
                    else:
                        gb = g * out * Log.call(a)
        return ga, gb


def _log_of_python_base(a: float, b, out) -> Any:
    """log(a) for db of a ** b with a Python base: 0 where a == 0 and b >= 0 (PyTorch's mask),
    -inf where a == 0 and b < 0, NaN for a < 0 (log a is not real)."""
    if a > 0:
        return math.log(a)
    if a < 0:
        return math.nan
    return np.where(np.greater_equal(b, 0), 0.0, -np.inf).astype(np.result_type(out))

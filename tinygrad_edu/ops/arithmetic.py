"""Arithmetic: ``+ - * / neg **`` with NumPy broadcasting.

Gradients may come back in the broadcast shape; the engine sums them to each input's shape.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function, save_each_for_the_other
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

    Where b == 0 (and b is a constant), or a == b == 0, da is 0 for any a (a^0 is
    constant), as in PyTorch; where a == 0, db is taken as 0 (the limit for b > 0).  Both
    evaluate the formula with the base shifted to 1 by a constant in those places, so
    first and second derivatives elsewhere are unchanged and no 0 * inf appears.  For a
    negative Python base db is NaN (log a is not real), as in PyTorch.
    """

    promote = "common"

    def forward(self, a, b):
        return a ** b

    def backward(self, g, out, a, b):
        a_data, b_data = self.inputs
        zero_base = np.equal(a_data, 0)
        ga = gb = None
        if self.needs_grad(0):
            flat = np.equal(b_data, 0)
            if self.needs_grad(1):  # keep d(da)/db = a^(b-1) exact at b == 0 (a != 0)
                flat = flat & zero_base
            ga = g * b * (a + np.where(flat, 1 - a_data, 0) if flat.any() else a) ** (b - 1)
        if self.needs_grad(1):
            if isinstance(a, int | float):  # a Python base: keep it weakly typed (float32 stays)
                log_a = math.log(a) if a > 0 else 0.0 if a == 0 else math.nan  # NaN as PyTorch
            else:
                log_a = Log.call(a + zero_base if zero_base.any() else a)
            gb = g * out * log_a
        return ga, gb

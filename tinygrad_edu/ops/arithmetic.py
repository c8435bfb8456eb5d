"""Arithmetic: ``+ - * / neg **`` with NumPy broadcasting.

Gradients may come back in the broadcast shape; the engine sums them to each input's shape.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .unary import Log


class Add(Function):
    """out = a + b;  da = g, db = g."""

    saves_inputs = saves_output = False

    def forward(self, a, b):
        return a + b

    def backward(self, g, out, a, b):
        return g, g


class Sub(Function):
    """out = a - b;  da = g, db = -g."""

    saves_inputs = saves_output = False

    def forward(self, a, b):
        return a - b

    def backward(self, g, out, a, b):
        return g, -g


class Mul(Function):
    """out = a * b;  da = g * b, db = g * a."""

    saves_output = False

    def save_inputs(self, arrays):
        """Each input is needed only for the other's gradient."""
        a, b = arrays
        return (a if self.next[1] is not None else None,
                b if self.next[0] is not None else None)

    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        return (g * b if self.needs_grad(0) else None,
                g * a if self.needs_grad(1) else None)


class Div(Function):
    """out = a / b;  da = g / b, db = -g * a / b^2 = -(g / b) * out."""

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
    """out = a ** b;  da = g * b * a^(b-1),  db = g * out * log(a) (taken as 0 where a == 0)."""

    def forward(self, a, b):
        return a ** b

    def backward(self, g, out, a, b):
        ga = g * b * a ** (b - 1) if self.needs_grad(0) else None
        gb = None
        if self.needs_grad(1):
            zero = np.equal(self.inputs[0], 0)  # d/db 0^b = 0 for b > 0: avoid 0 * log(0)
            gb = g * out * Log.call(a + zero if zero.any() else a)
        return ga, gb

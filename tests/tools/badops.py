"""Deliberately wrong ops for the tests (importable as ``tests.tools.badops`` or, with this
folder on ``sys.path``, as ``badops`` from the command line)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


class BadMul(Function):
    """a * b whose gradient for b is wrong at one Jacobian entry: d out[1, 2] / d b[1, 2] is
    a[1, 2] + 0.5."""

    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        oops = np.zeros(self.inputs[1].shape)
        oops[1, 2] = 0.5
        return g * b, g * (a + oops)


class FrozenSquare(Function):
    """a ** 2 whose backward uses the saved ndarray instead of ``a``: first derivatives are
    right, but under create_graph the gradient is a constant in a (second derivative 0, not 2)."""

    def forward(self, a):
        return a * a

    def backward(self, g, out, a):
        return (g * 2 * self.inputs[0],)


class CrashingBackward(Function):
    """a * 2 whose backward raises (a bug in the op, not a usage error)."""

    def forward(self, a):
        return a * 2

    def backward(self, g, out, a):
        return (a.no_such_attribute,)

"""Elementwise maths: ``exp log sqrt abs``."""

from __future__ import annotations

import numpy as np

from ..autograd import Function


class Exp(Function):
    """out = e^a;  da = g * out."""

    promote = "float"

    saves_inputs = False

    def forward(self, a):
        return np.exp(a)

    def backward(self, g, out, a):
        return (g * out,)


class Log(Function):
    """out = ln a;  da = g / a."""

    promote = "float"

    saves_output = False

    def forward(self, a):
        return np.log(a)

    def backward(self, g, out, a):
        return (g / a,)


class Sqrt(Function):
    """out = sqrt(a);  da = g / (2 out)."""

    promote = "float"

    saves_inputs = False

    def forward(self, a):
        return np.sqrt(a)

    def backward(self, g, out, a):
        return (g / (out * 2),)


class Abs(Function):
    """out = |a|;  da = g * sign(a)  (0 at a == 0, like PyTorch)."""

    saves_output = False

    def forward(self, a):
        return np.abs(a)

    def backward(self, g, out, a):
        return (g * np.sign(self.inputs[0]),)

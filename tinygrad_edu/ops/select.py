"""Elementwise choices: ``maximum minimum clip where`` (and the comparisons, not differentiable)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function


class Maximum(Function):
    """out = max(a, b) elementwise;  g goes to the larger input, split in half on ties."""

    promote = "common"

    saves_output = False

    pick = staticmethod(np.maximum)
    wins = staticmethod(np.greater)

    def forward(self, a, b):
        return self.pick(a, b)

    def backward(self, g, out, a, b):
        x, y = self.inputs
        wa = self.wins(x, y)
        tie = np.equal(x, y)
        if tie.any():
            wa = (wa + 0.5 * tie).astype(np.result_type(x, y))
            wb = 1 - wa
        else:
            wb = ~wa
        return g * wa, g * wb


class Minimum(Maximum):
    """out = min(a, b) elementwise;  g goes to the smaller input, split in half on ties."""

    pick = staticmethod(np.minimum)
    wins = staticmethod(np.less)


class Clip(Function):
    """out = a limited to [lo, hi] (either may be None);  da = g where lo <= a <= hi."""

    saves_output = False

    def forward(self, a, lo=None, hi=None):
        self.lo, self.hi = lo, hi
        return np.clip(a, lo, hi)

    def backward(self, g, out, a):
        x = self.inputs[0]
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return (g * inside,)


class Where(Function):
    """out = a where cond else b;  da = g where cond, db = g elsewhere."""

    promote = "common"
    promote_from = 1  # the condition is not an operand

    saves_inputs = saves_output = False

    def forward(self, cond, a, b):
        self.cond = np.asarray(cond, dtype=bool)
        return np.where(self.cond, a, b)

    def backward(self, g, out, cond, a, b):
        return None, g * self.cond, g * ~self.cond

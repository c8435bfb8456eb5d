"""Elementwise choices: ``maximum minimum clip where`` (and the comparisons, not differentiable)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..tensor import as_array


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
    """out = min(max(a, lo), hi) (PyTorch's clamp; lo and hi: None, numbers or tensors);
    da = g where lo <= a <= hi,  dlo = g where a < lo < hi,  dhi = g where a > hi or lo > hi
    (lo > hi gives hi everywhere; lo == hi > a gives neither bound a gradient: PyTorch's
    rules)."""

    saves_output = False
    op_name = "clamp"
    promote = "common"  # PyTorch: clamp(int tensor, 0.5) is float32, float32 stays float32

    def forward(self, a, lo, hi):
        return np.clip(a, lo, hi)

    def backward(self, g, out, a, lo, hi):
        x, lo, hi = self.inputs
        inside = np.ones(np.shape(x), dtype=bool)
        if lo is not None:
            inside = inside & (x >= lo)
        if hi is not None:
            inside = inside & (x <= hi)
        both = lo is not None and hi is not None
        return (g * inside,
                g * ((x < lo) & (np.less(lo, hi) if both else True))
                if self.needs_grad(1) else None,
                g * ((x > hi) | (np.greater(lo, hi) if both else False))
                if self.needs_grad(2) else None)


class Where(Function):
    """out = a where cond else b;  da = g where cond, db = g elsewhere."""

    promote = "common"
    promote_from = 1  # the condition is not an operand

    saves_inputs = saves_output = False

    def forward(self, cond, a, b):
        self.cond = as_array(cond).astype(bool, copy=False)
        return np.where(self.cond, a, b)

    def backward(self, g, out, cond, a, b):
        return None, g * self.cond, g * ~self.cond

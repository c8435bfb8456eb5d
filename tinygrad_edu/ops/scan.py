"""Running reductions along one axis: ``cumsum cumprod`` (``dim`` required, as PyTorch)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .reduce import Sum
from .select import Where


def check_dim(op: str, dim: int, ndim: int) -> int:
    """``dim`` as a non-negative axis, or PyTorch's IndexError (a 0-d tensor takes 0 / -1)."""
    top = max(ndim, 1)
    if not -top <= dim < top:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-top}, {top - 1}], but got {dim})")
    return dim % top


def flip(a, axis: int):
    """``a`` reversed along ``axis`` (an ndarray or a Tensor: a recorded index then)."""
    return a[(slice(None),) * axis + (slice(None, None, -1),)]


def reverse_cumsum(a, axis: int):
    """out[i] = sum of a[j] for j >= i along ``axis``."""
    return flip(Cumsum.call(flip(a, axis), axis=axis), axis)


class Cumsum(Function):
    """out[i] = a[0] + ... + a[i] along ``axis``;  da[j] = g[j] + ... + g[n-1]."""

    saves_inputs = saves_output = False

    def forward(self, a, axis):
        self.axis = axis
        return np.cumsum(a, axis=axis) if a.ndim else a + 0

    def backward(self, g, out, a):
        return (reverse_cumsum(g, self.axis) if np.ndim(g) else g,)


class Cumprod(Function):
    """out[i] = a[0] * ... * a[i] along ``axis``;  da[j] = sum_{i >= j} g[i] out[i] / a[j].

    Where some out[i] is 0 (a zero factor, or an underflow) that quotient is lost, so the
    exact product is taken instead: da[j] = sum_{i >= j} g[i] prod_{m <= i, m != j} a[m],
    from an n x n copy of the slice with a[j] set to 1 in row j (O(n^2) work, exact to every
    order).  (The quotient's own derivative cancels badly for factors below ~1e-100.)
    """

    def forward(self, a, axis):
        self.axis = axis
        return np.cumprod(a, axis=axis) if a.ndim else a + 0

    def backward(self, g, out, a):
        x, ax = self.inputs[0], self.axis
        if x.ndim == 0:
            return (g,)
        if not (self.out == 0).any():  # no zero factor, and no product underflowed to 0
            return (reverse_cumsum(g * out, ax) / a,)
        n = x.shape[ax]
        last = a.swapaxes(ax, -1)
        rows = Where.call(np.eye(n, dtype=bool), 1.0, last.reshape(*last.shape[:-1], 1, n))
        partial = Cumprod.call(rows, axis=last.ndim)  # [..., j, i] = prod_{m<=i, m!=j} a[m]
        gl = g.swapaxes(ax, -1)
        terms = gl.reshape(*gl.shape[:-1], 1, n) * partial * np.triu(np.ones((n, n), bool))
        return (Sum.call(terms, axis=-1).swapaxes(ax, -1),)

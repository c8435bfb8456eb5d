"""More reductions: ``prod amax amin`` (ops) and the norms built exactly from primitives.

``prod``'s gradient is out / a where no factor is 0, and the product of the other factors
(exclusive running products from both ends) where one is, so one zero, several zeros and
second derivatives are all right.  ``amax``/``amin`` share the gradient equally among tied
extremes (PyTorch's rule for them; ``max(dim)`` gives it to one index).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .reduce import Max, keepdims_shape
from .scan import Cumprod, check_dim, flip
from .shape import Cat


class Prod(Function):
    """out = product of a over ``axis`` (an int, or None for all);
    da = g * out / a, or g * prod(the others) along the axis where the product is 0 (a zero
    factor, or an underflow)."""

    def forward(self, a, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims
        return np.prod(a, axis=axis, keepdims=keepdims)

    def backward(self, g, out, a):
        x, axis = self.inputs[0], self.axis
        shape = keepdims_shape(x.shape, axis)
        g = g.reshape(shape)
        if not (self.out == 0).any():  # no zero factor, and no product underflowed to 0
            return (g * out.reshape(shape) / a,)
        if axis is None or x.ndim == 0:
            return (g * _others(a.reshape(-1), 0).reshape(x.shape),)
        return (g * _others(a, axis % x.ndim),)


def _exclusive_cumprod(a, axis: int):
    """out[i] = a[0] * ... * a[i-1] along ``axis`` (1 for i = 0), without dividing."""
    n = a.shape[axis]
    ones = np.ones((*a.shape[:axis], 1, *a.shape[axis + 1:]), dtype=a.dtype)
    head = a[(slice(None),) * axis + (slice(0, n - 1),)]
    return Cumprod.call(Cat.call(ones, head, axis=axis), axis=axis)


def _others(a, axis: int):
    """out[j] = the product of a[m] for m != j along ``axis`` (exact with zeros)."""
    return _exclusive_cumprod(a, axis) * flip(_exclusive_cumprod(flip(a, axis), axis), axis)


class Amax(Max):
    """out = max of a over ``axis``;  da = g shared equally among the maximal entries."""


class Amin(Amax):
    """out = min of a over ``axis``;  da = g shared equally among the minimal entries."""

    reduce = staticmethod(np.min)


def prod_axis(op: str, dim: int | None, ndim: int) -> int | None:
    """Check prod's ``dim`` (an int or None: PyTorch takes no tuple)."""
    if dim is None:
        return None
    if not isinstance(dim, int | np.integer):
        raise TypeError(f"{op}: dim must be an int or None (as torch.prod), got {dim!r}")
    return check_dim(op, int(dim), ndim)


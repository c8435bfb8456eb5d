"""Triangular parts of (stacks of) matrices: ``tril triu`` over the last two axes."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..errors import ShapeError
from ..tensor import Tensor


class Tril(Function):
    """out = a with the elements above diagonal k zeroed (k > 0 above the main one, k < 0
    below);  da = tril(g, k): the kept elements pass the gradient, the zeroed ones get 0."""

    saves_inputs = saves_output = False
    part = staticmethod(np.tril)

    def forward(self, a, diagonal=0):
        if a.ndim < 2:
            raise ShapeError(f"{self.name}: input tensor must have at least 2 dimensions, "
                             f"got shape {a.shape}")
        self.diagonal = diagonal
        return self.part(a, diagonal)

    def backward(self, g, out, a):
        return (type(self).call(g, diagonal=self.diagonal),)


class Triu(Tril):
    """out = a with the elements below diagonal k zeroed;  da = triu(g, k)."""

    part = staticmethod(np.triu)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes: out[..., i, j] = a[..., i, j] if j - i <= k."""
    return Tril.apply(input, diagonal=diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes: out[..., i, j] = a[..., i, j] if j - i >= k."""
    return Triu.apply(input, diagonal=diagonal)

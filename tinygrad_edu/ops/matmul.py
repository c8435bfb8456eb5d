"""Matrix product with NumPy's ``matmul`` semantics (1-D, 2-D and batched, via BLAS)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function, save_each_for_the_other
from ..promotion import check_same_dtype


class Matmul(Function):
    """out = a @ b.

    For 2-D and batched operands: da = g @ b^T, db = a^T @ g (batch dimensions that were
    broadcast are summed by the engine).  A 1-D operand is treated as a row (left) or a
    column (right) vector and its gradient reshaped back.
    """

    saves_output = False

    save_inputs = save_each_for_the_other

    def forward(self, a, b):
        if type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype is not b.dtype:
            check_same_dtype("matmul", "mat1 and mat2", a, b)  # no promotion, as PyTorch
            a, b = np.asarray(a), np.asarray(b)
        self.ndims = (a.ndim, b.ndim)
        return a @ b

    def backward(self, g, out, a, b):
        na, nb = self.ndims
        need_a, need_b = self.needs_grad(0), self.needs_grad(1)
        if na == 1 and nb == 1:                       # dot product: scalar out
            return (g * b if need_a else None), (g * a if need_b else None)
        if na == 1:                                   # (k,) @ (..., k, n) -> (..., n)
            g = g.reshape((*g.shape[:-1], 1, g.shape[-1]))
            if need_b:
                a = a.reshape((1, a.shape[0]))
        elif nb == 1:                                 # (..., m, k) @ (k,) -> (..., m)
            g = g.reshape((*g.shape, 1))
            if need_a:
                b = b.reshape((b.shape[0], 1))
        ga = g @ b.swapaxes(-1, -2) if need_a else None
        gb = a.swapaxes(-1, -2) @ g if need_b else None
        if nb == 1 and need_b:                        # (..., k, 1) -> (..., k)
            gb = gb.reshape(gb.shape[:-1])
        return ga, gb

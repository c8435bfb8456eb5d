"""Tests and logic: ``isclose allclose equal isnan isinf isfinite isposinf isneginf
logical_and logical_or logical_not logical_xor any all`` (PyTorch's names and arguments).

None is differentiable: each returns a bool tensor outside the graph (``allclose`` and
``equal`` a Python bool), as the comparisons ``eq ne lt le gt ge`` do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Operand, Tensor, _wrap, as_array


def _data(a: Any) -> Any:
    return a.data if isinstance(a, Tensor) else a


def _unary(ufunc: Callable[..., Any], name: str, doc: str) -> Callable[[Operand], Tensor]:
    """A bool-valued elementwise function of one operand."""
    def op(input: Operand) -> Tensor:
        return _wrap(as_array(ufunc(_data(input))))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _binary(ufunc: np.ufunc, name: str, doc: str) -> Callable[[Operand, Operand], Tensor]:
    """A bool-valued elementwise function of two operands (broadcasting)."""
    def op(input: Operand, other: Operand) -> Tensor:
        return _wrap(as_array(ufunc(_data(input), _data(other))))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


isnan = _unary(np.isnan, "isnan", "Whether each element is NaN.")
isinf = _unary(np.isinf, "isinf", "Whether each element is +inf or -inf.")
isfinite = _unary(np.isfinite, "isfinite", "Whether each element is neither inf nor NaN.")
isposinf = _unary(np.isposinf, "isposinf", "Whether each element is +inf.")
isneginf = _unary(np.isneginf, "isneginf", "Whether each element is -inf.")
logical_not = _unary(np.logical_not, "logical_not", "not x elementwise (nonzero is True).")
logical_and = _binary(np.logical_and, "logical_and", "a and b elementwise (broadcasting).")
logical_or = _binary(np.logical_or, "logical_or", "a or b elementwise (broadcasting).")
logical_xor = _binary(np.logical_xor, "logical_xor", "a xor b elementwise (broadcasting).")


def isclose(input: Operand, other: Operand, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other| elementwise (infinities equal to themselves,
    NaN equal to NaN only with ``equal_nan``), a bool tensor."""
    return _wrap(as_array(np.isclose(_data(input), _data(other), rtol=rtol, atol=atol,
                                       equal_nan=equal_nan)))


def allclose(input: Operand, other: Operand, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether `isclose` holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether the two have the same shape and the same elements (a Python bool; NaN is
    never equal)."""
    a, b = as_array(_data(input)), as_array(_data(other))
    return a.shape == b.shape and bool((a == b).all())


def _truth(reduce: Callable[..., Any], name: str) -> Callable[..., Tensor]:
    def op(input: Tensor, dim: int | tuple[int, ...] | None = None, keepdim: bool = False, *,
           axis: int | tuple[int, ...] | None = None, keepdims: bool | None = None) -> Tensor:
        x = input.data
        axis = dim if axis is None else axis
        if isinstance(axis, list):
            axis = tuple(axis)
        if x.ndim == 0:  # PyTorch accepts dim 0 / -1 here
            axis = None
        keep = keepdim if keepdims is None else keepdims
        return _wrap(as_array(reduce(x, axis=axis, keepdims=keep)))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Whether {'any' if name == 'any' else 'every'} element over ``dim`` (all "
                  f"when None) is nonzero: a bool tensor (``axis``/``keepdims`` are aliases).")
    return op


any = _truth(np.any, "any")
all = _truth(np.all, "all")

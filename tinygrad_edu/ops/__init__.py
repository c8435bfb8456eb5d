"""The differentiable ops as functions, and their binding to `Tensor` methods and operators.

Where things live
-----------------
Each primitive op is a `Function` subclass with ``forward`` and ``backward`` side by side:

==================  =========================================================
``arithmetic.py``   ``+ - * / neg **``
``unary.py``        ``exp log sqrt abs``
``activation.py``   ``sigmoid tanh relu leaky_relu softplus``
``select.py``       ``maximum minimum clip where``
``reduce.py``       ``sum max min``
``softmax.py``      ``softmax log_softmax logsumexp``
``matmul.py``       ``@``
``shape.py``        ``reshape permute broadcast_to [] cat stack astype clone``
``triangular.py``   ``tril triu``
==================  =========================================================

This module defines the public functions (``tinygrad_edu.exp(x)`` ...), the composites built
exactly from primitives (``mean var std squeeze unsqueeze flatten transpose expand``), and at
the bottom the table that makes them ``Tensor`` methods (``x.exp()``, ``x + y`` ...).
Reductions take NumPy's ``axis``/``keepdims``; PyTorch's ``dim``/``keepdim`` are aliases.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, _wrap
from .activation import LeakyRelu, Relu, Sigmoid, Softplus, Tanh
from .arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .matmul import Matmul
from .reduce import Max, Min, Sum
from .reduce import reduced_axes as _reduced_axes
from .reduce import reduced_count as _reduced_count
from .select import Clip, Maximum, Minimum, Where
from .shape import BroadcastTo, Cast, Cat, Clone, GetItem, Permute, Reshape, Stack
from .softmax import LogSoftmax, LogSumExp, Softmax
from .triangular import tril, triu
from .unary import Abs, Exp, Log, Sqrt

Axis = int | tuple[int, ...] | None
Operand = Tensor | float | int | np.ndarray


# ----------------------------------------------------------------------------- arithmetic
def add(a: Operand, b: Operand) -> Tensor:
    """a + b (broadcasting)."""
    return Add.apply(a, b)


def sub(a: Operand, b: Operand) -> Tensor:
    """a - b (broadcasting)."""
    return Sub.apply(a, b)


def mul(a: Operand, b: Operand) -> Tensor:
    """a * b (broadcasting)."""
    return Mul.apply(a, b)


def div(a: Operand, b: Operand) -> Tensor:
    """a / b (broadcasting)."""
    return Div.apply(a, b)


def neg(a: Tensor) -> Tensor:
    """-a."""
    return Neg.apply(a)


def pow(a: Operand, b: Operand) -> Tensor:
    """a ** b (tensor or scalar exponent)."""
    return Pow.apply(a, b)


def matmul(a: Operand, b: Operand) -> Tensor:
    """a @ b (NumPy rules): (k,)@(k,) -> (); (m,k)@(k,n) -> (m,n); (...,m,k)@(...,k,n)."""
    return Matmul.apply(a, b)


# ----------------------------------------------------------------------------- elementwise
def exp(x: Tensor) -> Tensor:
    """e^x."""
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    """Natural logarithm."""
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    """Square root."""
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:
    """|x| (gradient 0 at 0)."""
    return Abs.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x), stable for any x."""
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(x)


def relu(x: Tensor) -> Tensor:
    """max(x, 0) (gradient 0 at 0)."""
    return Relu.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), stable for any x."""
    return Softplus.apply(x)


def maximum(a: Operand, b: Operand) -> Tensor:
    """Elementwise max (broadcasting); ties split the gradient in half."""
    return Maximum.apply(a, b)


def minimum(a: Operand, b: Operand) -> Tensor:
    """Elementwise min (broadcasting); ties split the gradient in half."""
    return Minimum.apply(a, b)


def clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """x limited to [min, max]; gradient 1 inside (bounds included), 0 outside."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    return Clip.apply(x, lo=min, hi=max)


def where(condition: Tensor | np.ndarray, a: Operand, b: Operand) -> Tensor:
    """a where condition is true, else b (broadcasting); condition gets no gradient."""
    return Where.apply(condition, a, b)


# ----------------------------------------------------------------------------- reductions
def _axis(op: str, axis: Any, keepdims: bool, dim: Any, keepdim: bool | None):
    """Merge NumPy's axis/keepdims with PyTorch's dim/keepdim aliases."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis or dim, not both")
        axis = dim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, keepdims if keepdim is None else keepdim


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Sum over ``axis`` (all axes when None)."""
    axis, keepdims = _axis("sum", axis, keepdims, dim, keepdim)
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Mean over ``axis``: sum / count (NaN over no values, as NumPy and PyTorch)."""
    axis, keepdims = _axis("mean", axis, keepdims, dim, keepdim)
    s = Sum.apply(x, axis=axis, keepdims=keepdims)
    count = _reduced_count(x.shape, axis)
    return s / count if count else s * np.nan


def _correction(op: str, ddof: int | None, correction: int | None) -> int:
    """PyTorch's ``correction`` or NumPy's ``ddof`` (one of them), PyTorch's 1 by default."""
    if correction is None:
        return 1 if ddof is None else ddof
    if ddof is not None:
        raise TypeError(f"{op}: give ddof or correction, not both")
    return correction


def var(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *,
        dim: Axis = None, keepdim: bool | None = None, correction: int | None = None) -> Tensor:
    """Variance over ``axis``: sum((x - mean)^2) / (count - correction).

    The default is PyTorch's unbiased estimate (``correction=1``); NumPy's ``np.var``
    default is ``ddof=0`` (``ddof`` is NumPy's name for ``correction``).
    """
    c = _correction("var", ddof, correction)
    axis, keepdims = _axis("var", axis, keepdims, dim, keepdim)
    count = _reduced_count(x.shape, axis)
    if count - c <= 0:
        raise ValueError(f"var: correction={c} leaves no degrees of freedom for {count} "
                         f"values per output (input shape {x.shape}, axis {axis})")
    d = x - mean(x, axis=axis, keepdims=True)
    return Sum.apply(d * d, axis=axis, keepdims=keepdims) / (count - c)


def std(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *,
        dim: Axis = None, keepdim: bool | None = None, correction: int | None = None) -> Tensor:
    """Standard deviation: sqrt(var) (unbiased by default, as `var`).

    Where the deviation is exactly 0 the gradient is 0, as in PyTorch, not 0 * inf = NaN.
    """
    v = var(x, axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction)
    zero = v.data == 0
    if not zero.any():
        return sqrt(v)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))  # no path through sqrt'(0)


def max(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Maximum over ``axis`` (values only, as NumPy; use ``argmax`` for positions)."""
    axis, keepdims = _axis("max", axis, keepdims, dim, keepdim)
    return Max.apply(x, axis=axis, keepdims=keepdims)


def min(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Minimum over ``axis`` (values only, as NumPy; use ``argmin`` for positions)."""
    axis, keepdims = _axis("min", axis, keepdims, dim, keepdim)
    return Min.apply(x, axis=axis, keepdims=keepdims)


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Index of the maximum (int64, not differentiable)."""
    axis, keepdims = _axis("argmax", axis, keepdims, dim, keepdim)
    return _wrap(np.asarray(np.argmax(x.data, axis=axis, keepdims=keepdims), dtype=np.int64))


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Index of the minimum (int64, not differentiable)."""
    axis, keepdims = _axis("argmin", axis, keepdims, dim, keepdim)
    return _wrap(np.asarray(np.argmin(x.data, axis=axis, keepdims=keepdims), dtype=np.int64))


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """e^x / sum(e^x) along ``axis``, computed stably."""
    return Softmax.apply(x, axis=dim if dim is not None else axis)


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x - logsumexp(x) along ``axis``, computed stably."""
    return LogSoftmax.apply(x, axis=dim if dim is not None else axis)


def logsumexp(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
              dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """log(sum(e^x)) over ``axis``, computed stably."""
    axis, keepdims = _axis("logsumexp", axis, keepdims, dim, keepdim)
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- shapes
def _shape_args(shape: tuple) -> tuple[int, ...]:
    """Accept f(2, 3) and f((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return tuple(shape)


def reshape(x: Tensor, *shape: int) -> Tensor:
    """The same data with a new shape (one entry may be -1)."""
    return Reshape.apply(x, shape=_shape_args(shape))


def permute(x: Tensor, *dims: int) -> Tensor:
    """Reorder the axes: out.shape[i] = x.shape[dims[i]]."""
    dims = _shape_args(dims)
    if sorted(d % builtins.max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} axes of a "
                         f"tensor of shape {x.shape}")
    return Permute.apply(x, axes=dims)


def swapaxes(x: Tensor, axis0: int, axis1: int) -> Tensor:
    """Exchange two axes."""
    axes = list(range(x.ndim))
    axes[axis0], axes[axis1] = axes[axis1], axes[axis0]
    return Permute.apply(x, axes=tuple(axes))


def transpose(x: Tensor, *axes: int) -> Tensor:
    """PyTorch's ``transpose(dim0, dim1)`` swaps two axes; NumPy's ``transpose()`` reverses
    them all and ``transpose((axes...))`` permutes."""
    if len(axes) == 2 and all(isinstance(a, int) for a in axes):
        return swapaxes(x, *axes)
    if not axes:
        return Permute.apply(x, axes=tuple(reversed(range(x.ndim))))
    return permute(x, *axes)


def broadcast_to(x: Tensor, *shape: int) -> Tensor:
    """A read-only view of x broadcast to ``shape`` (NumPy rules)."""
    return BroadcastTo.apply(x, shape=_shape_args(shape))


def expand(x: Tensor, *sizes: int) -> Tensor:
    """PyTorch's expand: broadcast_to where -1 keeps that axis's size."""
    sizes = _shape_args(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0 or -1 in sizes[:lead]:
        raise ValueError(f"expand: sizes {sizes} for a tensor of shape {x.shape}: expected "
                         f"at least {x.ndim} sizes, and -1 only where the tensor has an axis")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return BroadcastTo.apply(x, shape=shape)


def squeeze(x: Tensor, axis: Axis = None, *, dim: Axis = None) -> Tensor:
    """Remove size-1 axes (all of them, or those in ``axis`` that have size 1, like PyTorch)."""
    axis = dim if dim is not None else axis
    axes = _reduced_axes(x.ndim, axis)
    return Reshape.apply(x, shape=tuple(n for i, n in enumerate(x.shape)
                                        if not (i in axes and n == 1)))


def unsqueeze(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert a size-1 axis at position ``axis`` (negative counts from the end of the result)."""
    axis = dim if dim is not None else axis
    if axis is None:
        raise TypeError("unsqueeze: missing the axis (dim) argument")
    pos = axis % (x.ndim + 1)
    return Reshape.apply(x, shape=(*x.shape[:pos], 1, *x.shape[pos:]))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes start_dim..end_dim into one (PyTorch semantics)."""
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
    s, e = start_dim % x.ndim, end_dim % x.ndim
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"for a tensor of shape {x.shape}")
    merged = math.prod(x.shape[s:e + 1])  # not -1: that is ambiguous for empty tensors
    return Reshape.apply(x, shape=(*x.shape[:s], merged, *x.shape[e + 1:]))


def _index(index: Any) -> Any:
    """Tensors and lists inside an index become ndarrays (NumPy semantics from there on)."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index]: basic slicing and integer/boolean array indexing, as NumPy."""
    return GetItem.apply(x, index=_index(index))


def cat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis."""
    if len(tensors) == 0:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    return Cat.apply(*tensors, axis=dim if dim is not None else axis)


concatenate = cat


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of equal shape along a new axis."""
    if len(tensors) == 0:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    return Stack.apply(*tensors, axis=dim if dim is not None else axis)


def astype(x: Tensor, dtype: Any) -> Tensor:
    """x converted to ``dtype`` (gradient converted back); the tensor itself if it already
    has that dtype.  Integer and bool results have no gradient (they do not require grad,
    as in PyTorch)."""
    dtype = np.dtype(dtype)
    if dtype == x.dtype:
        return x
    if dtype.kind not in "fc":
        return _wrap(x.data.astype(dtype))
    return Cast.apply(x, dtype=dtype)


def clone(x: Tensor) -> Tensor:
    """A copy of x in new memory, still connected to the graph (gradient passes through)."""
    return Clone.apply(x)


# ----------------------------------------------------------------------------- comparisons
def _compare(ufunc, name: str):
    def compare(a: Operand, b: Operand) -> Tensor:
        """Elementwise comparison: a bool tensor that does not require grad."""
        return _wrap(np.asarray(ufunc(a.data if isinstance(a, Tensor) else a,
                                      b.data if isinstance(b, Tensor) else b)))
    compare.__name__ = compare.__qualname__ = name
    return compare


eq, ne = _compare(np.equal, "eq"), _compare(np.not_equal, "ne")
lt, le = _compare(np.less, "lt"), _compare(np.less_equal, "le")
gt, ge = _compare(np.greater, "gt"), _compare(np.greater_equal, "ge")


# ----------------------------------------------------------------------------- the table
def _bind() -> None:
    """Make the functions above methods and operators of Tensor."""
    T = Tensor
    for fn in (add, sub, mul, div, neg, pow, matmul, exp, log, sqrt, abs, sigmoid, tanh, relu,
               leaky_relu, softplus, maximum, minimum, clip, sum, mean, var, std, max, min,
               argmax, argmin, softmax, log_softmax, logsumexp, reshape, permute, swapaxes,
               transpose, broadcast_to, expand, squeeze, unsqueeze, flatten, astype, clone,
               eq, ne, lt, le, gt, ge):
        setattr(T, fn.__name__, fn)
    T.tril, T.triu = tril, triu
    T.clamp = clip
    T.view = reshape
    T.float = lambda self: astype(self, np.float32)
    T.double = lambda self: astype(self, np.float64)
    T.__add__ = add
    T.__radd__ = lambda self, other: Add.apply(other, self)
    T.__sub__ = sub
    T.__rsub__ = lambda self, other: Sub.apply(other, self)
    T.__mul__ = mul
    T.__rmul__ = lambda self, other: Mul.apply(other, self)
    T.__truediv__ = div
    T.__rtruediv__ = lambda self, other: Div.apply(other, self)
    T.__neg__ = neg
    T.__pow__ = pow
    T.__rpow__ = lambda self, other: Pow.apply(other, self)
    T.__matmul__ = matmul
    T.__rmatmul__ = lambda self, other: Matmul.apply(other, self)
    T.__abs__ = abs
    T.__getitem__ = getitem
    # `x == None` is False (as in PyTorch), not an elementwise comparison with an object
    T.__eq__ = lambda self, other: NotImplemented if other is None else eq(self, other)
    T.__ne__ = lambda self, other: NotImplemented if other is None else ne(self, other)
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = lt, le, gt, ge
    T.T = property(lambda self: Permute.apply(self, axes=tuple(reversed(range(self.ndim)))))
    T.mT = property(lambda self: swapaxes(self, -1, -2))


_bind()

"""The differentiable ops as functions, and their binding to `Tensor` methods and operators.

Where things live
-----------------
Each primitive op is a `Function` subclass with ``forward`` and ``backward`` side by side:

==================  =========================================================
``arithmetic.py``   ``+ - * / neg **``
``unary.py``        ``exp log sqrt abs``
``activation.py``   ``sigmoid tanh relu leaky_relu softplus``; PyTorch's ``gelu silu mish
                    hardswish elu celu selu hardtanh softsign`` (functions defined there)
``select.py``       ``maximum minimum clamp (clip) where``
``special.py``      ``sin cos tan asin acos atan sinh cosh asinh acosh atanh erf erfc exp2
                    expm1 log2 log10 log1p rsqrt reciprocal square sign floor ceil round
                    trunc frac nan_to_num atan2 hypot copysign logaddexp lerp``
``logic.py``        ``isclose allclose equal isnan isinf isfinite isposinf isneginf
                    logical_and logical_or logical_not logical_xor any all`` (not
                    differentiable)
``reduce.py``       ``sum max min`` (``max()``/``min()`` over all entries)
``stats.py``        ``prod amax amin``
``scan.py``         ``cumsum cumprod``
``softmax.py``      ``softmax log_softmax logsumexp``
``matmul.py``       ``@ mm bmm mv dot outer addmm einsum``
``shape.py``        ``reshape permute broadcast_to [] cat stack astype clone``
``movement.py``     ``flip roll repeat tile repeat_interleave narrow split chunk unbind
                    movedim contiguous view_as reshape_as expand_as``
``index.py``        ``gather scatter scatter_add index_select index_add index_copy
                    masked_fill masked_select take_along_dim nonzero``; PyTorch's layout
                    for ``x[1, :, idx]``
``sort.py``         ``max/min(dim) sort argsort topk median mode kthvalue aminmax``
                    (named tuples)
``dims.py``         ``normalize_dim``: every dim argument checked the PyTorch way
``inplace.py``      ``x[i] = v`` (``SetItem``) and every in-place op (see below)
``triangular.py``   ``tril triu``
``conv.py``         ``unfold fold`` (im2col and its adjoint) and ``conv1d conv2d
                    conv_transpose2d`` built on them (not bound to ``Tensor``: PyTorch's
                    ``Tensor.unfold`` is another op; ``nn.functional`` exports them)
``pool.py``         ``max_pool2d avg_pool2d adaptive_avg_pool2d`` (``nn.functional``'s)
``pad.py``          ``pad`` (``nn.functional``'s): constant, reflect, replicate, circular
==================  =========================================================

In-place twins: ``inplace.inplace_twins("sin", "cos")`` (at the end of `_bind`, on a line of
your own) makes ``x.sin_()`` and ``x.cos_()`` from the bound ``x.sin()`` and ``x.cos()``; the
rules (no_grad writes, recorded rebase, errors) are in ``inplace.py``'s docstring.

This module defines the public functions (``tinygrad_edu.exp(x)`` ...), the composites built
exactly from primitives (``mean var std squeeze unsqueeze flatten transpose expand``, and
``norm vector_norm matrix_norm var_mean std_mean``), and at
the bottom the table that makes them ``Tensor`` methods (``x.exp()``, ``x + y`` ...).
Reductions take NumPy's ``axis``/``keepdims``; PyTorch's ``dim``/``keepdim`` are aliases.
A dim out of range raises IndexError (PyTorch's message), never wraps around.
"""

from __future__ import annotations

import builtins
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any, cast, overload

import numpy as np

from .. import return_types
from ..autograd import Function
from ..errors import DTypeError, ShapeError
from ..tensor import Operand, Tensor, _wrap, as_array
from . import inplace
from . import sort as _sort
from .activation import (
    LeakyRelu,
    Relu,
    Sigmoid,
    Softplus,
    Tanh,
    celu,
    elu,
    gelu,
    hardswish,
    hardtanh,
    mish,
    selu,
    silu,
    softsign,
)
from .arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .dims import normalize_dim as _normalize_dim
from .dims import normalize_dims as _normalize_dims
from .dims import reduction_axis as _reduction_axis
from .index import (
    gather,
    index_add,
    index_copy,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
    take_along_dim,
)
from .index import torch_index as _torch_index
from .logic import (
    all,
    allclose,
    any,
    equal,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
)
from .matmul import Matmul, addmm, bmm, dot, einsum, ger, mm, mv, outer
from .movement import (
    chunk,
    contiguous,
    expand_as,
    flip,
    is_contiguous,
    moveaxis,
    movedim,
    narrow,
    repeat,
    repeat_interleave,
    reshape_as,
    roll,
    split,
    tile,
    unbind,
    view_as,
)
from .reduce import Max, Min, Sum
from .reduce import reduced_count as _reduced_count
from .scan import Cumprod, Cumsum
from .scan import check_dim as _check_dim
from .select import Clip, Maximum, Minimum, Where
from .shape import BroadcastTo, Cast, Cat, Clone, GetItem, Permute, Reshape, Stack
from .softmax import LogSoftmax, LogSumExp, Softmax
from .sort import aminmax, argsort, kthvalue, median, mode, sort, topk
from .special import (
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atan2,
    Atanh,
    Ceil,
    Copysign,
    Cos,
    Cosh,
    Erf,
    Erfc,
    Exp2,
    Expm1,
    Floor,
    Frac,
    Hypot,
    Lerp,
    Log1p,
    Log2,
    Log10,
    LogAddExp,
    NanToNum,
    Reciprocal,
    Round,
    Rsqrt,
    Sign,
    Sin,
    Sinh,
    Square,
    Tan,
    Trunc,
)
from .stats import Amax, Amin, Prod
from .stats import prod_axis as _prod_axis
from .triangular import tril, triu
from .unary import Abs, Exp, Log, Sqrt

Axis = int | tuple[int, ...] | None


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


def clamp(x: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:
    """min(max(x, min), max) elementwise (PyTorch's clamp; bounds are numbers or tensors,
    broadcasting).  Gradient 1 inside (bounds included), 0 outside; a tensor bound gets the
    gradient where it is the output."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clip.apply(x, min, max)


def clamp_min(x: Tensor, min: Operand) -> Tensor:
    """max(x, min) elementwise (``clamp(x, min=min)``)."""
    return Clip.apply(x, min, None)


def clamp_max(x: Tensor, max: Operand) -> Tensor:
    """min(x, max) elementwise (``clamp(x, max=max)``)."""
    return Clip.apply(x, None, max)


clip = clamp  # PyTorch's alias


def where(condition: Tensor | np.ndarray, a: Operand, b: Operand) -> Tensor:
    """a where condition is true, else b (broadcasting); condition gets no gradient."""
    return Where.apply(condition, a, b)


# ----------------------------------------------------------------------------- maths (issue 13)
def _unary(cls: type[Function], name: str) -> Callable[[Tensor], Tensor]:
    def op(input: Tensor) -> Tensor:
        return cls.apply(input)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = cls.__doc__
    return op


sin, cos, tan = _unary(Sin, "sin"), _unary(Cos, "cos"), _unary(Tan, "tan")
asin, acos, atan = _unary(Asin, "asin"), _unary(Acos, "acos"), _unary(Atan, "atan")
sinh, cosh = _unary(Sinh, "sinh"), _unary(Cosh, "cosh")
asinh, acosh, atanh = _unary(Asinh, "asinh"), _unary(Acosh, "acosh"), _unary(Atanh, "atanh")
erf, erfc = _unary(Erf, "erf"), _unary(Erfc, "erfc")
exp2, expm1 = _unary(Exp2, "exp2"), _unary(Expm1, "expm1")
log2, log10, log1p = _unary(Log2, "log2"), _unary(Log10, "log10"), _unary(Log1p, "log1p")
rsqrt, reciprocal = _unary(Rsqrt, "rsqrt"), _unary(Reciprocal, "reciprocal")
square, sign, frac = _unary(Square, "square"), _unary(Sign, "sign"), _unary(Frac, "frac")
floor, ceil, trunc = _unary(Floor, "floor"), _unary(Ceil, "ceil"), _unary(Trunc, "trunc")


def round(x: Tensor, decimals: int = 0) -> Tensor:
    """x rounded to ``decimals`` places, halves to even (gradient 0, as PyTorch)."""
    return Round.apply(x, decimals=decimals)


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced (defaults: 0, the dtype's largest and lowest finite
    values); gradient 1 where x is finite, 0 elsewhere."""
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)


def atan2(input: Operand, other: Operand) -> Tensor:
    """The angle of the point (other, input) in (-pi, pi] (broadcasting)."""
    return Atan2.apply(input, other)


def hypot(input: Operand, other: Operand) -> Tensor:
    """sqrt(input^2 + other^2) without overflow (broadcasting)."""
    return Hypot.apply(input, other)


def copysign(input: Operand, other: Operand) -> Tensor:
    """|input| with the sign of other (broadcasting); other gets gradient 0."""
    return Copysign.apply(input, other)


def logaddexp(input: Operand, other: Operand) -> Tensor:
    """log(e^input + e^other), stable for any values (broadcasting)."""
    return LogAddExp.apply(input, other)


def lerp(input: Operand, end: Operand, weight: Operand) -> Tensor:
    """input + weight * (end - input) (weight a number or a tensor; broadcasting)."""
    return Lerp.apply(input, end, weight)


_MATH = (sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, erf, erfc, exp2,
         expm1, log2, log10, log1p, rsqrt, reciprocal, square, sign, floor, ceil, round,
         trunc, frac, nan_to_num, atan2, hypot, copysign, logaddexp, lerp, clamp, clamp_min,
         clamp_max)


# ----------------------------------------------------------------------------- reductions
def _axis(op: str, axis: Any, keepdims: bool, dim: Any, keepdim: bool | None,
          ndim: int | None = None):
    """Merge NumPy's axis/keepdims with PyTorch's dim/keepdim aliases; with ``ndim``, the
    axis is also checked and normalised (`reduction_axis`)."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis or dim, not both")
        axis = dim
    if isinstance(axis, list):
        axis = tuple(axis)
    if ndim is not None:
        axis = _reduction_axis(op, axis, ndim)
    return axis, keepdims if keepdim is None else keepdim


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
        dim: Axis = None, keepdim: bool | None = None, dtype: Any = None) -> Tensor:
    """Sum over ``axis`` (all axes when None), in ``dtype`` if given (x is cast first)."""
    axis, keepdims = _axis("sum", axis, keepdims, dim, keepdim, x.ndim)
    return Sum.apply(_cast(x, dtype), axis=axis, keepdims=keepdims)


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None, dtype: Any = None) -> Tensor:
    """Mean over ``axis``: sum / count (NaN over no values, as NumPy and PyTorch).

    An integer or bool tensor needs ``dtype=`` (a float dtype), as in PyTorch.
    """
    axis, keepdims = _axis("mean", axis, keepdims, dim, keepdim, x.ndim)
    x = _cast(x, dtype)
    if x.dtype.kind not in "fc":
        raise DTypeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {_TORCH_NAMES.get(x.dtype.name, x.dtype.name)} "
            f"(pass dtype=tg.float32, or convert with .float() first)")
    s = Sum.apply(x, axis=axis, keepdims=keepdims)
    count = _reduced_count(x.shape, axis)
    return s / count if count else s * np.nan


_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool"}


def _cast(x: Tensor, dtype: Any) -> Tensor:
    """x in ``dtype`` (a reduction's ``dtype=``: the input is cast before reducing)."""
    return x if dtype is None else astype(x, dtype)


def _correction(op: str, ddof: int | None, correction: int | None) -> int:
    """PyTorch's ``correction`` or NumPy's ``ddof`` (one of them), PyTorch's 1 by default."""
    if correction is None:
        return 1 if ddof is None else ddof
    if ddof is not None:
        raise TypeError(f"{op}: give ddof or correction, not both")
    return correction


def var(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *,
        dim: Axis = None, keepdim: bool | None = None, correction: int | None = None) -> Tensor:
    """Variance over ``axis``: sum((x - mean)^2) / max(0, count - correction).

    The default is PyTorch's unbiased estimate (``correction=1``); NumPy's ``np.var``
    default is ``ddof=0`` (``ddof`` is NumPy's name for ``correction``).  With no degrees
    of freedom left the result is inf (NaN where the sum is 0), with PyTorch's UserWarning.
    """
    return _variance("var", x, axis, keepdims, ddof, dim, keepdim, correction)


def _variance(op: str, x: Tensor, axis: Axis, keepdims: bool, ddof: int | None, dim: Axis,
              keepdim: bool | None, correction: int | None) -> Tensor:
    c = _correction(op, ddof, correction)
    axis, keepdims = _axis(op, axis, keepdims, dim, keepdim, x.ndim)
    dof = _reduced_count(x.shape, axis) - c
    d = x - mean(x, axis=axis, keepdims=True)
    squares = Sum.apply(d * d, axis=axis, keepdims=keepdims)
    if dof > 0:
        return squares / dof
    warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                  f"than the reduction factor (input numel divided by output numel).",
                  UserWarning, stacklevel=3)
    # sum / 0 as PyTorch, without NumPy's divide warning: inf, or NaN where the sum is 0
    return squares * np.where(squares.data == 0, np.nan, np.inf).astype(squares.dtype)


def std(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *,
        dim: Axis = None, keepdim: bool | None = None, correction: int | None = None) -> Tensor:
    """Standard deviation: sqrt(var) (unbiased by default, as `var`).

    Where the deviation is exactly 0 the gradient is 0, as in PyTorch, not 0 * inf = NaN.
    """
    v = _variance("std", x, axis, keepdims, ddof, dim, keepdim, correction)
    zero = v.data == 0
    if not zero.any():
        return sqrt(v)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))  # no path through sqrt'(0)


def _extreme(op: str, x: Tensor, axis: Any, keepdims: bool, dim: Any,
             keepdim: bool | None) -> Any:
    """max/min: of all entries, along one dim (values, indices), or against a tensor."""
    if isinstance(axis, Tensor | np.ndarray):  # max(x, other): PyTorch's maximum
        if dim is not None or keepdim is not None or keepdims:
            raise TypeError(f"{op}(input, other) takes no dim or keepdim")
        return (maximum if op == "max" else minimum)(x, axis)
    axis, keepdims = _axis(op, axis, keepdims, dim, keepdim)
    if axis is None:
        if keepdims:
            raise TypeError(f"{op}: keepdim needs a dim; {op}() over all entries returns a "
                            f"0-d tensor")
        return (Max if op == "max" else Min).apply(x)
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: dim must be one int ({op}(dim) returns (values, indices) "
                        f"along it), got {axis!r}; amax/amin reduce several dims")
    return _sort.extreme(op, x, int(axis), keepdims)


@overload
def max(x: Tensor, axis: None = None, keepdims: bool = False, *, dim: None = None,
        keepdim: None = None) -> Tensor: ...
@overload
def max(x: Tensor, axis: Tensor | np.ndarray) -> Tensor: ...
@overload
def max(x: Tensor, axis: int, keepdims: bool = False, *, keepdim: bool | None = None
        ) -> return_types.max: ...
@overload
def max(x: Tensor, axis: None = None, keepdims: bool = False, *, dim: int,
        keepdim: bool | None = None) -> return_types.max: ...
def max(x: Tensor, axis: Any = None, keepdims: bool = False, *,
        dim: int | None = None, keepdim: bool | None = None) -> Any:
    """As ``torch.max``: ``max(x)`` is the largest entry (0-d; tied entries share the
    gradient); ``max(x, dim, keepdim=False)`` is the named tuple (values, indices) of the
    first maximum along dim (the gradient goes to that entry only); ``max(x, other)`` with
    a tensor is `maximum`."""
    return _extreme("max", x, axis, keepdims, dim, keepdim)


@overload
def min(x: Tensor, axis: None = None, keepdims: bool = False, *, dim: None = None,
        keepdim: None = None) -> Tensor: ...
@overload
def min(x: Tensor, axis: Tensor | np.ndarray) -> Tensor: ...
@overload
def min(x: Tensor, axis: int, keepdims: bool = False, *, keepdim: bool | None = None
        ) -> return_types.min: ...
@overload
def min(x: Tensor, axis: None = None, keepdims: bool = False, *, dim: int,
        keepdim: bool | None = None) -> return_types.min: ...
def min(x: Tensor, axis: Any = None, keepdims: bool = False, *,
        dim: int | None = None, keepdim: bool | None = None) -> Any:
    """As ``torch.min``: the smallest entry, (values, indices) along dim, or `minimum`
    against a tensor (see `max`)."""
    return _extreme("min", x, axis, keepdims, dim, keepdim)


def _arg_extreme(op: str, x: Tensor, axis: Any, keepdims: bool, dim: Any,
                 keepdim: bool | None) -> Tensor:
    axis, keepdims = _axis(op, axis, keepdims, dim, keepdim)
    if axis is None:
        if not x.data.size:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for "
                             f"input.numel() == 0 (shape {x.shape}).")
    else:
        axis = _normalize_dim(op, axis, x.ndim)
        if x.ndim == 0:
            axis = None
        elif not x.shape[axis]:
            raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size "
                             f"(shape {x.shape}).")
    pick = np.argmax if op == "argmax" else np.argmin
    return _wrap(as_array(pick(x.data, axis=axis, keepdims=keepdims)).astype(np.int64, copy=False))


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Position of the (first) maximum along dim, int64 and not differentiable; without a
    dim, the index into the flattened tensor (as PyTorch)."""
    return _arg_extreme("argmax", x, axis, keepdims, dim, keepdim)


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Position of the (first) minimum (see `argmax`)."""
    return _arg_extreme("argmin", x, axis, keepdims, dim, keepdim)


# -------------------------------------------------------------------- more reductions (issue 13)
def prod(x: Tensor, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
         keepdim: bool | None = None, dtype: Any = None) -> Tensor:
    """Product over ``axis`` (an int, or all elements when None), in ``dtype`` if given.

    The gradient is exact with zeros (one or several) and differentiable again.
    """
    axis, keepdims = _axis("prod", axis, keepdims, dim, keepdim)
    x = _cast(x, dtype)
    return Prod.apply(x, axis=_prod_axis("prod", axis, x.ndim), keepdims=keepdims)


def amax(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Maximum over ``axis`` (all when None or ()); tied maxima share the gradient equally."""
    axis, keepdims = _axis("amax", axis, keepdims, dim, keepdim, x.ndim)
    return Amax.apply(x, axis=axis if axis != () else None, keepdims=keepdims)


def amin(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Minimum over ``axis`` (all when None or ()); tied minima share the gradient equally."""
    axis, keepdims = _axis("amin", axis, keepdims, dim, keepdim, x.ndim)
    return Amin.apply(x, axis=axis if axis != () else None, keepdims=keepdims)


def _scan_dim(op: str, x: Tensor, dim: int | None, axis: int | None) -> int:
    if dim is None:
        dim = axis
    if dim is None:
        raise TypeError(f"{op}(): missing the required argument 'dim' (PyTorch has no "
                        f"flattening default)")
    return _check_dim(op, dim, x.ndim)


def cumsum(x: Tensor, dim: int | None = None, *, dtype: Any = None,
           axis: int | None = None) -> Tensor:
    """Running sum along ``dim`` (required), in ``dtype`` if given."""
    return Cumsum.apply(_cast(x, dtype), axis=_scan_dim("cumsum", x, dim, axis))


def cumprod(x: Tensor, dim: int | None = None, *, dtype: Any = None,
            axis: int | None = None) -> Tensor:
    """Running product along ``dim`` (required), in ``dtype`` if given; the gradient is
    exact with zeros."""
    return Cumprod.apply(_cast(x, dtype), axis=_scan_dim("cumprod", x, dim, axis))


def var_mean(x: Tensor, dim: Axis = None, *, correction: int = 1,
             keepdim: bool = False) -> tuple[Tensor, Tensor]:
    """(var, mean) over ``dim``, as ``torch.var_mean``."""
    return (var(x, dim=dim, keepdim=keepdim, correction=correction),
            mean(x, dim=dim, keepdim=keepdim))


def std_mean(x: Tensor, dim: Axis = None, *, correction: int = 1,
             keepdim: bool = False) -> tuple[Tensor, Tensor]:
    """(std, mean) over ``dim``, as ``torch.std_mean``."""
    return (std(x, dim=dim, keepdim=keepdim, correction=correction),
            mean(x, dim=dim, keepdim=keepdim))


def vector_norm(x: Tensor, ord: float = 2, dim: Axis = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over ``dim`` (all when None), as ``torch.linalg.vector_norm``:
    ord inf / -inf is max / min |x|, ord 0 counts the nonzeros.

    Computed as c * norm(x / c) with c = max |x| (a constant), so 1e200 entries do not
    overflow; the gradient is 0 at the zero vector (PyTorch's choice), and tied maxima
    share it for ord inf.
    """
    x = _cast(x, dtype)
    if isinstance(ord, str) or not isinstance(ord, int | float | np.number):
        raise TypeError(f"vector_norm: ord must be a number (inf included), got {ord!r}")
    axis, _ = _axis("vector_norm", dim, keepdim, None, None, x.ndim)
    a = abs(x)
    if ord == math.inf:
        return amax(a, axis, keepdim)
    if ord == -math.inf:
        return amin(a, axis, keepdim)
    if ord == 0:
        return sum(sign(a), axis, keepdim)
    if ord == 1:
        return sum(a, axis, keepdim)
    c = np.max(a.data, axis=axis, keepdims=True, initial=0)
    c = np.where((c > 0) & np.isfinite(c), c, 1).astype(x.dtype)
    y = x / c
    s = sum(y * y if ord == 2 else abs(y) ** ord, axis, keepdim)
    c = c if keepdim else c.reshape(s.shape)
    zero = s.data == 0
    if ord < 0 or not zero.any():
        return s ** (1 / ord) * c
    return where(zero, 0.0, where(zero, 1.0, s) ** (1 / ord)) * c  # no path through 0^(1/p-1)


_MATRIX_ORDS = ("fro", 1, -1, math.inf, -math.inf)


def matrix_norm(x: Tensor, ord: str | float = "fro", dim: tuple[int, ...] = (-2, -1),
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """A matrix norm over the two axes ``dim``, as ``torch.linalg.matrix_norm``: 'fro',
    1 / -1 (max / min column sum of |x|), inf / -inf (max / min row sum).

    'nuc', 2 and -2 need singular values, whose gradient is not implemented here: they
    raise NotImplementedError.
    """
    x = _cast(x, dtype)
    if x.ndim < 2:
        raise ShapeError(f"matrix_norm: expected a tensor with 2 or more dimensions, got "
                         f"shape {x.shape}")
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(
            f"matrix_norm: ord={ord!r} needs the singular values (an SVD), whose gradient "
            f"tinygrad_edu does not implement; use one of {_MATRIX_ORDS}")
    if ord not in _MATRIX_ORDS:
        raise ValueError(f"matrix_norm: ord must be one of 'fro', 'nuc', 1, -1, 2, -2, inf, "
                         f"-inf, got {ord!r}")
    if len(dim) != 2:
        raise ValueError(f"matrix_norm: dim must be a 2-tuple of ints, got {dim}")
    rows, cols = (_check_dim("matrix_norm", d, x.ndim) for d in dim)
    if rows == cols:
        raise ValueError(f"matrix_norm: dim must name two different axes, got {dim}")
    if isinstance(ord, str):  # "fro", the only string left
        return vector_norm(x, 2, (rows, cols), keepdim)
    inner, outer = (rows, cols) if builtins.abs(ord) == 1 else (cols, rows)
    pick = amax if ord > 0 else amin
    out = pick(sum(abs(x), inner, keepdims=True), outer, keepdims=True)
    return out if keepdim else squeeze(out, (rows, cols))


def norm(x: Tensor, p: str | float | None = "fro", dim: Axis = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """``torch.norm``: a number p is `vector_norm` over ``dim`` (all when None); 'fro' is the
    2-norm over up to two axes; 'nuc' (or 'fro' over more axes) is `matrix_norm`."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(x, 2, dim, keepdim, dtype=dtype)
        dims = tuple(range(x.ndim)) if dim is None else (dim,) if isinstance(dim, int) else dim
        return matrix_norm(x, p, dims, keepdim, dtype=dtype)
    return vector_norm(x, 2 if p is None else p, dim, keepdim, dtype=dtype)


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """e^x / sum(e^x) along ``axis``, computed stably."""
    return Softmax.apply(x, axis=_normalize_dim("softmax", dim if dim is not None else axis,
                                               x.ndim))


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x - logsumexp(x) along ``axis``, computed stably."""
    return LogSoftmax.apply(x, axis=_normalize_dim(
        "log_softmax", dim if dim is not None else axis, x.ndim))


def logsumexp(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
              dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """log(sum(e^x)) over ``axis``, computed stably."""
    axis, keepdims = _axis("logsumexp", axis, keepdims, dim, keepdim, x.ndim)
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- shapes
def _shape_args(shape: tuple[int | Sequence[int], ...]) -> tuple[int, ...]:
    """Accept f(2, 3) and f((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        return tuple(shape[0])
    return cast("tuple[int, ...]", shape)  # f(2, 3): ints (each op checks them)


def reshape(x: Tensor, *shape: int | Sequence[int]) -> Tensor:
    """The same data with a new shape (one entry may be -1)."""
    return Reshape.apply(x, shape=_shape_args(shape))


def permute(x: Tensor, *dims: int | Sequence[int]) -> Tensor:
    """Reorder the axes: out.shape[i] = x.shape[dims[i]]."""
    dims = _shape_args(dims)
    axes = _normalize_dims("permute", dims, x.ndim)
    if len(axes) != x.ndim:
        raise ShapeError(f"permute: {dims} is not a permutation of the {x.ndim} axes of a "
                         f"tensor of shape {x.shape}")
    return Permute.apply(x, axes=axes)


def swapaxes(x: Tensor, axis0: int, axis1: int) -> Tensor:
    """Exchange two axes."""
    axis0, axis1 = (_normalize_dim("transpose", a, x.ndim) for a in (axis0, axis1))
    axes = list(range(x.ndim))
    if not axes:
        return Permute.apply(x, axes=())
    axes[axis0], axes[axis1] = axes[axis1], axes[axis0]
    return Permute.apply(x, axes=tuple(axes))


def transpose(x: Tensor, *axes: int | Sequence[int]) -> Tensor:
    """PyTorch's ``transpose(dim0, dim1)`` swaps two axes; NumPy's ``transpose()`` reverses
    them all and ``transpose((axes...))`` permutes."""
    if len(axes) == 2 and isinstance(axes[0], int) and isinstance(axes[1], int):
        return swapaxes(x, axes[0], axes[1])
    if not axes:
        return Permute.apply(x, axes=tuple(reversed(range(x.ndim))))
    return permute(x, *axes)


def broadcast_to(x: Tensor, *shape: int | Sequence[int]) -> Tensor:
    """A read-only view of x broadcast to ``shape`` (NumPy rules)."""
    return BroadcastTo.apply(x, shape=_shape_args(shape))


def expand(x: Tensor, *sizes: int | Sequence[int]) -> Tensor:
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
    axes = set(range(x.ndim)) if axis is None else set(_normalize_dims("squeeze", axis, x.ndim))
    return Reshape.apply(x, shape=tuple(n for i, n in enumerate(x.shape)
                                        if not (i in axes and n == 1)))


def unsqueeze(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert a size-1 axis at position ``axis`` (negative counts from the end of the result)."""
    axis = dim if dim is not None else axis
    if axis is None:
        raise TypeError("unsqueeze: missing the axis (dim) argument")
    pos = _normalize_dim("unsqueeze", axis, x.ndim + 1)
    return Reshape.apply(x, shape=(*x.shape[:pos], 1, *x.shape[pos:]))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes start_dim..end_dim into one (PyTorch semantics)."""
    s, e = (_normalize_dim("flatten", d, x.ndim) for d in (start_dim, end_dim))
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
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
        return as_array(index)
    return index


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index]: basic slicing and integer/boolean array indexing, as PyTorch: as NumPy,
    except that integers are applied first, like slices (see `index.torch_index`)."""
    index = _index(index)
    steps = _torch_index(index)
    if steps is None:
        return GetItem.apply(x, index=index)
    return GetItem.apply(GetItem.apply(x, index=steps[0]), index=steps[1])


def cat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis."""
    if len(tensors) == 0:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    axis = _normalize_dim("cat", dim if dim is not None else axis, tensors[0].ndim)
    return Cat.apply(*tensors, axis=axis)


concatenate = cat


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of equal shape along a new axis."""
    if len(tensors) == 0:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    axis = _normalize_dim("stack", dim if dim is not None else axis, tensors[0].ndim + 1)
    return Stack.apply(*tensors, axis=axis)


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
    def compare(a: Operand, b: Any) -> Tensor:  # b: whatever NumPy compares with
        """Elementwise comparison: a bool tensor that does not require grad."""
        return _wrap(as_array(ufunc(a.data if isinstance(a, Tensor) else a,
                                      b.data if isinstance(b, Tensor) else b)))
    compare.__name__ = compare.__qualname__ = name
    return compare


eq, ne = _compare(np.equal, "eq"), _compare(np.not_equal, "ne")
lt, le = _compare(np.less, "lt"), _compare(np.less_equal, "le")
gt, ge = _compare(np.greater, "gt"), _compare(np.greater_equal, "ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne  # PyTorch's aliases
_REDUCTIONS = (prod, amax, amin, cumsum, cumprod, norm)
_LOGIC = (isclose, allclose, equal, isnan, isinf, isfinite, isposinf, isneginf, logical_and,
          logical_or, logical_not, logical_xor, any, all)


# ------------------------------------------------------- reflected operators, properties
def _reflected(cls: type[Function], symbol: str) -> Callable[[Tensor, Operand], Tensor]:
    """``other <symbol> x`` for ``x.__r<op>__(other)`` (a number or an array on the left)."""
    def op(x: Tensor, other: Operand) -> Tensor:
        return cls.apply(other, x)
    op.__name__ = op.__qualname__ = f"_r{cls.__name__.lower()}"
    op.__doc__ = f"other {symbol} x."
    return op


_radd, _rsub, _rmul, _rtruediv, _rpow, _rmatmul = (
    _reflected(cls, symbol) for cls, symbol in ((Add, "+"), (Sub, "-"), (Mul, "*"), (Div, "/"),
                                                (Pow, "**"), (Matmul, "@")))


def _eq(x: Tensor, other: Any) -> Tensor:
    """x == other elementwise; ``x == None`` is False (as in PyTorch), not a comparison
    with an object."""
    return NotImplemented if other is None else eq(x, other)


def _ne(x: Tensor, other: Any) -> Tensor:
    """x != other elementwise; ``x != None`` is True (see `_eq`)."""
    return NotImplemented if other is None else ne(x, other)


def _float(x: Tensor) -> Tensor:
    """``to(float32)`` (the tensor itself if it already is)."""
    return astype(x, np.float32)


def _double(x: Tensor) -> Tensor:
    """``to(float64)`` (the tensor itself if it already is)."""
    return astype(x, np.float64)


def _T(x: Tensor) -> Tensor:
    """All axes reversed (``x.permute(n-1, ..., 0)``)."""
    return transpose(x)


def _mT(x: Tensor) -> Tensor:
    """The last two axes swapped (a batch of matrices transposed)."""
    return swapaxes(x, -1, -2)


# ----------------------------------------------------------------------------- the table
def _bind() -> None:
    """Make the functions above methods and operators of Tensor."""
    T: Any = Tensor  # the stub declares these attributes; this table defines them
    for fn in (add, sub, mul, div, neg, pow, matmul, exp, log, sqrt, abs, sigmoid, tanh, relu,
               leaky_relu, softplus, maximum, minimum, clip, sum, mean, var, std, max, min,
               argmax, argmin, softmax, log_softmax, logsumexp, reshape, permute, swapaxes,
               transpose, broadcast_to, expand, squeeze, unsqueeze, flatten, astype, clone,
               eq, ne, lt, le, gt, ge):
        setattr(T, fn.__name__, fn)
    # movement, indexing, order statistics, the matmul family
    for fn in (flip, roll, repeat, tile, repeat_interleave, narrow, split, chunk, unbind,
               movedim, contiguous, is_contiguous, view_as, expand_as, gather, scatter,
               scatter_add, index_select, masked_fill, masked_select, take_along_dim, nonzero,
               sort, argsort, topk, median, mode, kthvalue, aminmax, index_add, index_copy,
               mm, bmm, mv, dot, outer, addmm):
        setattr(T, fn.__name__, fn)
    T.moveaxis, T.reshape_as, T.ger = moveaxis, reshape_as, ger
    for fn in (*_MATH, *_LOGIC, *_REDUCTIONS):  # issue 13
        setattr(T, fn.__name__, fn)
    T.greater, T.greater_equal, T.less, T.less_equal, T.not_equal = gt, ge, lt, le, ne
    T.clip = clamp
    T.tril, T.triu = tril, triu
    T.view = reshape
    T.float, T.double = _float, _double
    T.__add__, T.__radd__ = add, _radd
    T.__sub__, T.__rsub__ = sub, _rsub
    T.__mul__, T.__rmul__ = mul, _rmul
    T.__truediv__, T.__rtruediv__ = div, _rtruediv
    T.__neg__ = neg
    T.__pow__, T.__rpow__ = pow, _rpow
    T.__matmul__, T.__rmatmul__ = matmul, _rmatmul
    T.__abs__ = abs
    T.__getitem__ = getitem
    T.__eq__, T.__ne__ = _eq, _ne
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = lt, le, gt, ge
    T.T, T.mT = property(_T), property(_mT)
    inplace.bind(_index)  # x[i] = v, add_ ... relu_, +=: after the ops they are twins of
    inplace.inplace_twins("sin", "cos", "atan", "sinh", "cosh", "asinh", "expm1", "log1p",
                          "log2", "log10", "exp2", "square", "reciprocal", "rsqrt", "erf")


_bind()

"""Order statistics, PyTorch's way: ``max/min(dim)``, ``sort argsort topk median mode
kthvalue``.  Those given a dim return named tuples (``values, indices``, see
`tinygrad_edu.return_types`); the values are the input gathered at the indices, so the
gradient flows to the selected entry only (PyTorch's rule; the full reductions ``max()``,
``min()``, ``median()`` share it among ties instead).  Indices are int64; ties pick the
first position (max, min, median), the last (mode), or keep the input order (sort, stable).
"""

from __future__ import annotations

from typing import TypeVar, overload

import numpy as np

from .. import return_types
from ..errors import ShapeError
from ..tensor import Tensor, _wrap
from .dims import normalize_dim
from .index import Gather
from .reduce import Max, Min
from .shape import Reshape

_R = TypeVar("_R", bound=return_types.ValuesIndices)


def _prepared(op: str, x: Tensor, dim: int, nonempty: bool = True) -> tuple[Tensor, int]:
    """x as at least 1-d and dim as a position (checked); a 0-d x counts as one element."""
    d = normalize_dim(op, dim, x.ndim)
    x1 = x if x.ndim else Reshape.apply(x, shape=(1,))
    if nonempty and x1.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size "
                         f"(input shape {x.shape})")
    return x1, d


def _pick(x: Tensor, x1: Tensor, d: int, index: np.ndarray, keepdim: bool,
          result: type[_R]) -> _R:
    """(values, indices) with values = x1 gathered at ``index`` (a keepdim-shaped array)."""
    values = Gather.apply(x1, dim=d, index=index, unique=True)
    if x.ndim == 0 or not keepdim:
        shape = () if x.ndim == 0 else index.shape[:d] + index.shape[d + 1:]
        values, index = Reshape.apply(values, shape=shape), index.reshape(shape)
    return result(values, _wrap(index.astype(np.int64, copy=False)))


def _order(a: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """A stable argsort along dim (NaN last ascending, first descending, as PyTorch)."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    # sort the reversed array and reverse back: descending, ties still in input order
    rev = np.argsort(np.flip(a, dim), axis=dim, kind="stable")
    return (a.shape[dim] - 1) - np.flip(rev, dim)


def extreme(op: str, x: Tensor, dim: int, keepdim: bool) -> return_types.ValuesIndices:
    """``max(dim)`` / ``min(dim)``: (values, indices) of the first extreme (NaN wins)."""
    x1, d = _prepared(op, x, dim)
    arg = np.argmax if op == "max" else np.argmin
    return _pick(x, x1, d, arg(x1.data, axis=d, keepdims=True), keepdim,
                 getattr(return_types, op))


def sort(x: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool = False) -> return_types.sort:
    """(values, indices) sorted along dim.  Always stable (so ``stable=False`` gives one of
    the orders PyTorch may give); NaN sorts as the largest value."""
    x1, d = _prepared("sort", x, dim, nonempty=False)
    return _pick(x, x1, d, _order(x1.data, d, descending), True, return_types.sort)


def argsort(x: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The int64 indices that sort x along dim (see `sort`)."""
    x1, d = _prepared("argsort", x, dim, nonempty=False)
    order = _order(x1.data, d, descending)
    return _wrap(order.reshape(x.shape).astype(np.int64, copy=False))


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> return_types.topk:
    """(values, indices) of the k largest (``largest=False``: smallest) along dim, in
    sorted order (also when ``sorted=False``, which leaves the order to the op)."""
    x1, d = _prepared("topk", x, dim, nonempty=False)
    n = x1.shape[d]
    if not 0 <= k <= n:
        raise ShapeError(f"topk: selected index k={k} out of range for dimension {d} of "
                         f"size {n} (input shape {x.shape})")
    order = _order(x1.data, d, largest)
    index = np.take(order, np.arange(k if x.ndim else 1), axis=d)  # 0-d: PyTorch gives x
    return _pick(x, x1, d, index, True, return_types.topk)


def kthvalue(x: Tensor, k: int, dim: int = -1,
             keepdim: bool = False) -> return_types.kthvalue:
    """(values, indices) of the k-th smallest entry (k counts from 1) along dim."""
    x1, d = _prepared("kthvalue", x, dim)
    n = x1.shape[d]
    if not 1 <= k <= n:
        raise ShapeError(f"kthvalue: selected number k={k} out of range for dimension {d} "
                         f"of size {n} (input shape {x.shape})")
    index = np.take(_order(x1.data, d, False), [k - 1], axis=d)
    return _pick(x, x1, d, index, keepdim, return_types.kthvalue)


def _lower_median(a: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """The smaller of the two middle values of all of a (NaN if any is NaN, as PyTorch)."""
    flat = np.sort(a, axis=None)  # NaN sorts last
    if not flat.size:
        m = np.nan
    elif a.dtype.kind == "f" and np.isnan(flat[-1]):
        m = flat[-1]
    else:
        m = flat[(flat.size - 1) // 2]
    return np.full((1,) * a.ndim if keepdims else (), m, a.dtype)


class Median(Max):
    """out = the lower median of all of a;  da = g shared equally among the entries equal
    to it (PyTorch's rule for ``median()``)."""

    reduce = staticmethod(_lower_median)


@overload
def median(x: Tensor, dim: None = None, keepdim: bool = False) -> Tensor: ...
@overload
def median(x: Tensor, dim: int, keepdim: bool = False) -> return_types.median: ...
def median(x: Tensor, dim: int | None = None,
           keepdim: bool = False) -> Tensor | return_types.median:
    """The lower median: of all entries (a 0-d tensor), or along dim as
    (values, indices); NaN when a NaN is present."""
    if dim is None:
        if keepdim:
            raise TypeError("median: keepdim needs a dim (median() over all entries "
                            "returns a 0-d tensor)")
        return Median.apply(x)
    x1, d = _prepared("median", x, dim)
    a = x1.data
    index = np.take(_order(a, d, False), [(a.shape[d] - 1) // 2], axis=d)
    if a.dtype.kind in "fc":
        nan = np.isnan(a)
        has_nan = nan.any(axis=d, keepdims=True)
        if has_nan.any():  # the row's first NaN is its median
            index = np.where(has_nan, np.argmax(nan, axis=d, keepdims=True), index)
    return _pick(x, x1, d, index, keepdim, return_types.median)


def mode(x: Tensor, dim: int = -1, keepdim: bool = False) -> return_types.mode:
    """(values, indices) of the most frequent value along dim (the smallest among equally
    frequent ones; its last position, as PyTorch)."""
    x1, d = _prepared("mode", x, dim)
    a = np.moveaxis(x1.data, d, -1)
    order = np.argsort(a, axis=-1, kind="stable")
    s = np.take_along_axis(a, order, axis=-1)
    pos = np.arange(s.shape[-1])
    starts = np.ones(s.shape, bool)
    starts[..., 1:] = s[..., 1:] != s[..., :-1]
    run_start = np.maximum.accumulate(np.where(starts, pos, 0), axis=-1)
    best = np.argmax(pos - run_start, axis=-1)[..., None]  # the end of the first longest run
    index = np.moveaxis(np.take_along_axis(order, best, axis=-1), -1, d)
    return _pick(x, x1, d, index, keepdim, return_types.mode)


def aminmax(x: Tensor, *, dim: int | None = None,
            keepdim: bool = False) -> return_types.aminmax:
    """The named tuple (min, max) of all entries or along dim; as PyTorch's amin/amax,
    tied entries share the gradient."""
    if dim is None:
        if keepdim:
            raise TypeError("aminmax: keepdim needs a dim")
        return return_types.aminmax(Min.apply(x), Max.apply(x))
    x1, d = _prepared("aminmax", x, dim)
    if x.ndim == 0:
        return return_types.aminmax(Reshape.apply(x1, shape=()), Reshape.apply(x1, shape=()))
    return return_types.aminmax(Min.apply(x, axis=d, keepdims=keepdim),
                                Max.apply(x, axis=d, keepdims=keepdim))

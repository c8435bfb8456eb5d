"""Indexing along a dim, PyTorch's way: ``gather scatter scatter_add index_select index_add
index_copy masked_fill masked_select take_along_dim nonzero``, and PyTorch's layout for
``x[index]``.

``gather(dim, index)`` reads ``out[i][j][k] = a[index[i][j][k]][j][k]`` (dim 0; index may be
smaller than ``a`` in the other dims); ``scatter``/``scatter_add`` write the same positions.
Their gradients are each other: d gather = scatter_add of g, d scatter_add(src) = gather of g.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import DTypeError, ShapeError
from ..tensor import Tensor, _wrap, as_array
from .arithmetic import Add, Mul
from .dims import normalize_dim
from .select import Where
from .shape import BroadcastTo, GetItem, Reshape, ScatterAdd


def _along(index: np.ndarray, dim: int) -> tuple:
    """The NumPy index that picks ``a[..., index[pos], ...]`` (at ``dim``) for every
    position ``pos`` of ``index``: open ranges over the other dims."""
    nd = index.ndim
    return tuple(index if d == dim else
                 np.arange(n).reshape([-1 if k == d else 1 for k in range(nd)])
                 for d, n in enumerate(index.shape))


def _as_index(op: str, index: Any) -> np.ndarray:
    """An integer index array (Tensor, ndarray or list)."""
    a = index.data if isinstance(index, Tensor) else as_array(index)
    if a.dtype.kind not in "iu":
        raise DTypeError(f"{op}: expected an integer index tensor, got dtype {a.dtype}")
    return a


def _check_bounds(op: str, index: np.ndarray, size: int, dim: int) -> None:
    """PyTorch refuses negative and too large positions (NumPy would wrap the negative ones)."""
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with "
                         f"size {size}")


def _check_along(op: str, shape: tuple[int, ...], index: np.ndarray, dim: int,
                 src_shape: tuple[int, ...] | None = None) -> None:
    """gather/scatter's shape rules: same ndim, index no larger than ``shape`` apart from
    ``dim`` (and no larger than ``src`` anywhere), positions within ``shape[dim]``."""
    if index.ndim != len(shape):
        raise ShapeError(f"{op}: Index tensor must have the same number of dimensions as "
                         f"input tensor (index shape {index.shape}, input shape {shape})")
    if any(i > n for d, (i, n) in enumerate(zip(index.shape, shape)) if d != dim):
        raise ShapeError(f"{op}: Size does not match at dimension {dim}: expected index "
                         f"{list(index.shape)} to be no larger than self {list(shape)} "
                         f"apart from dimension {dim}")
    if src_shape is not None and (len(src_shape) != index.ndim or any(
            i > n for i, n in zip(index.shape, src_shape))):
        raise ShapeError(f"{op}: expected index {list(index.shape)} to be no larger than "
                         f"src {list(src_shape)} in every dimension")
    _check_bounds(op, index, shape[dim], dim)


def _head(src_shape: tuple[int, ...], index_shape: tuple[int, ...]) -> tuple:
    """The leading block of ``src`` that lines up with ``index`` (basic slices)."""
    return tuple(slice(0, n) for n in index_shape) if src_shape != index_shape else ()


class Gather(Function):
    """out = a[index-positions along dim] (shape of index);  da = g scatter-added back.

    ``unique=True`` promises no position repeats (max, sort, topk ...): the backward then
    assigns instead of accumulating (NumPy's ``add.at`` is several times slower).
    """

    saves_inputs = saves_output = False

    def forward(self, a, dim, index, unique=False):
        self.dim, self.index, self.shape, self.unique = dim, index, a.shape, unique
        return a[_along(index, dim)]

    def backward(self, g, out, a):
        return (ScatterAddDim.call(None, g, dim=self.dim, index=self.index, shape=self.shape,
                                   unique=self.unique),)


class ScatterAddDim(Function):
    """out = a (zeros of ``shape`` when None) with src[pos] added at index-positions along
    dim;  da = g, dsrc = g gathered at the same positions."""

    op_name = "scatter_add"
    saves_inputs = saves_output = False

    def forward(self, a, src, dim, index, shape=None, unique=False):
        self.dim, self.index, self.src_shape = dim, index, src.shape
        out = (np.zeros_like(src, shape=shape) if a is None
               else a.astype(np.result_type(a, src)))
        src = src[_head(src.shape, index.shape)]
        if unique and a is None:  # nothing repeats and nothing is there yet: assign
            out[_along(index, dim)] = src
        else:
            np.add.at(out, _along(index, dim), src)
        return out

    def backward(self, g, out, a, src):
        gsrc = None
        if self.needs_grad(1):
            gsrc = _gather_for(g, self.dim, self.index, self.src_shape)
        return g, gsrc


class Scatter(Function):
    """out = a with index-positions along dim set to src (a tensor or a number);
    da = g where nothing was written, dsrc = g gathered at the written positions."""

    saves_inputs = saves_output = False

    def forward(self, a, src, dim, index):
        self.dim, self.index = dim, index
        out = a.copy()
        pos = _along(index, dim)
        if isinstance(src, np.ndarray) and src.ndim:
            self.src_shape = src.shape
            out[pos] = src[_head(src.shape, index.shape)]
        else:
            out[pos] = src
        self.keep = np.ones(a.shape, bool)
        self.keep[pos] = False
        return out

    def backward(self, g, out, a, src):
        gsrc = None
        if self.needs_grad(1):
            gsrc = _gather_for(g, self.dim, self.index, self.src_shape)
        return g * self.keep, gsrc


def _gather_for(g: Any, dim: int, index: np.ndarray, src_shape: tuple[int, ...]) -> Any:
    """g at the index-positions, zero-padded to the shape of the src they came from."""
    picked = Gather.call(g, dim=dim, index=index)
    if src_shape == index.shape:
        return picked
    return ScatterAdd.call(picked, shape=src_shape, index=_head(src_shape, index.shape))


# ----------------------------------------------------------------------------- public
def gather(x: Tensor, dim: int, index: Tensor | np.ndarray) -> Tensor:
    """``out[i][j][k] = x[index[i][j][k]][j][k]`` (for dim 0): out has index's shape."""
    d = normalize_dim("gather", dim, x.ndim)
    idx = _as_index("gather", index)
    _check_along("gather", x.shape, idx, d)
    return Gather.apply(x, dim=d, index=idx)


def _scatter_args(op: str, x: Tensor, dim: int, index: Any, src: Any):
    d = normalize_dim(op, dim, x.ndim)
    idx = _as_index(op, index)
    src_shape = src.shape if isinstance(src, Tensor | np.ndarray) else None
    _check_along(op, x.shape, idx, d, src_shape)
    return d, idx


def scatter(x: Tensor, dim: int, index: Tensor | np.ndarray, src: Any = None, *,
            value: float | None = None, reduce: str | None = None) -> Tensor:
    """A copy of x with ``x[index[i][j][k]][j][k] = src[i][j][k]`` (dim 0), or = value.

    ``reduce="add"`` adds instead (differentiable, as `scatter_add`); ``"multiply"``
    multiplies (forward only: PyTorch has no gradient for it either).  Positions written
    twice keep one of the values, unspecified (as PyTorch).
    """
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor or number) and value")
    src = value if src is None else src
    d, idx = _scatter_args("scatter", x, dim, index, src)
    if reduce is None:
        return Scatter.apply(x, src, dim=d, index=idx)
    if reduce not in ("add", "multiply"):
        raise ValueError(f"scatter: reduce argument must be either add or multiply, got "
                         f"{reduce!r}")
    if reduce == "add" and isinstance(src, Tensor):
        return ScatterAddDim.apply(x, src, dim=d, index=idx)
    if x.requires_grad or (isinstance(src, Tensor) and src.requires_grad):
        raise RuntimeError(f"scatter(reduce={reduce!r}) with a number as src or 'multiply' "
                           f"is not differentiable (neither in PyTorch); use scatter_add "
                           f"or detach() the inputs")
    out = x.data.copy()
    s = src.data if isinstance(src, Tensor) else src
    if isinstance(s, np.ndarray) and s.ndim:
        s = s[_head(s.shape, idx.shape)]
    ufunc = np.add if reduce == "add" else np.multiply
    ufunc.at(out, _along(idx, d), s)
    return _wrap(out)


def scatter_add(x: Tensor, dim: int, index: Tensor | np.ndarray, src: Tensor) -> Tensor:
    """A copy of x with ``src[i][j][k]`` added at ``x[index[i][j][k]][j][k]`` (dim 0); repeated
    positions accumulate."""
    if not isinstance(src, Tensor | np.ndarray):
        raise TypeError(f"scatter_add: src must be a tensor, got {type(src).__name__}")
    d, idx = _scatter_args("scatter_add", x, dim, index, src)
    return ScatterAddDim.apply(x, src, dim=d, index=idx)


def index_select(x: Tensor, dim: int, index: Tensor | np.ndarray) -> Tensor:
    """The entries of x at positions ``index`` (0-d or 1-d) along dim; repeats allowed."""
    d = normalize_dim("index_select", dim, x.ndim)
    idx = _as_index("index_select", index)
    if idx.ndim > 1:
        raise ShapeError(f"index_select: index should have 0 or 1 dimensions, got shape "
                         f"{idx.shape}")
    if x.ndim == 0:
        x = Reshape.apply(x, shape=(1,))
    _check_bounds("index_select", idx, x.shape[d], d)
    return GetItem.apply(x, index=(slice(None),) * d + (idx.reshape(-1),))


def _bool_mask(op: str, mask: Any) -> np.ndarray:
    m = mask.data if isinstance(mask, Tensor) else as_array(mask)
    if m.dtype != np.bool_:
        raise DTypeError(f"{op}: only supports boolean masks, but got mask with dtype "
                         f"{m.dtype}")
    return m


def masked_fill(x: Tensor, mask: Any, value: float | Tensor) -> Tensor:
    """x with ``value`` where ``mask`` (bool, broadcasting) is true."""
    m = _bool_mask("masked_fill", mask)
    fill: Tensor | np.ndarray
    if isinstance(value, Tensor):
        if value.ndim:
            raise ShapeError(f"masked_fill: only supports a 0-dimensional value tensor, but "
                             f"got tensor of shape {value.shape}")
        fill = value
    elif isinstance(value, numbers.Number):
        fill = np.asarray(value, dtype=x.dtype)
    else:
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    return Where.apply(m, fill, x)


def masked_select(x: Tensor, mask: Any) -> Tensor:
    """The entries of x where ``mask`` (bool) is true, as a 1-d tensor (x and mask
    broadcast together)."""
    m = _bool_mask("masked_select", mask)
    shape = np.broadcast_shapes(x.shape, m.shape)
    if x.shape != shape:
        x = BroadcastTo.apply(x, shape=shape)
    return GetItem.apply(x, index=np.broadcast_to(m, shape))


def take_along_dim(x: Tensor, indices: Tensor | np.ndarray, dim: int | None = None) -> Tensor:
    """x's entries at ``indices`` along dim, x and indices broadcast in the other dims;
    with dim None, over the flattened x (as ``np.take_along_axis``)."""
    idx = _as_index("take_along_dim", indices)
    if dim is None:
        flat = Reshape.apply(x, shape=(x.data.size,))
        idx = idx.reshape(-1)
        _check_bounds("take_along_dim", idx, flat.shape[0], 0)
        return Gather.apply(flat, dim=0, index=idx)
    d = normalize_dim("take_along_dim", dim, x.ndim)
    if idx.ndim != x.ndim:
        raise ShapeError(f"take_along_dim: input and indices should have the same number "
                         f"of dimensions, but got {x.ndim} and {idx.ndim}")
    try:
        shape = np.broadcast_shapes(tuple(n for i, n in enumerate(x.shape) if i != d),
                                    tuple(n for i, n in enumerate(idx.shape) if i != d))
    except ValueError as e:
        raise ShapeError(f"take_along_dim: shapes {x.shape} and {idx.shape} do not "
                         f"broadcast apart from dim {d}") from e
    x_shape = (*shape[:d], x.shape[d], *shape[d:])
    if x.shape != x_shape:
        x = BroadcastTo.apply(x, shape=x_shape)
    idx = np.broadcast_to(idx, (*shape[:d], idx.shape[d], *shape[d:]))
    _check_bounds("take_along_dim", idx, x_shape[d], d)
    return Gather.apply(x, dim=d, index=idx)


def nonzero(x: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """Positions of the non-zero entries: an int64 (count, ndim) tensor, or with
    ``as_tuple`` one 1-d int64 tensor per dim (a 0-d x counts as 1-d)."""
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(x.data)))
    return _wrap(np.argwhere(x.data).astype(np.int64))


# ----------------------------------------------------------------------------- x[index]
def _is_array_index(i: Any) -> bool:
    return (isinstance(i, np.ndarray) and i.ndim > 0) or isinstance(i, list)


def torch_index(index: Any) -> tuple[Any, Any] | None:
    """PyTorch's rule for ``x[index]`` as two NumPy indices, or None if NumPy agrees.

    PyTorch applies integer indices first, like basic indexing (a select), and only then
    the array (advanced) indices among what is left; NumPy counts an integer as an advanced
    index and so moves the result's advanced dims to the front when an integer separates
    them from the others: for x of shape (2, 3, 5), ``x[1, :, idx]`` is (3, len(idx)) in
    PyTorch and (len(idx), 3) in NumPy.  ``x[index]`` is ``x[first][second]``; the first
    is basic indexing, so for assignment ``x[first]`` is a view (``__setitem__``).
    """
    if not isinstance(index, tuple):
        return None
    ints = [(isinstance(i, numbers.Integral) and not isinstance(i, bool))
            or (isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu")
            for i in index]
    arrays = [_is_array_index(i) for i in index]
    if not any(ints) or not any(arrays):
        return None
    first: list[Any] = []
    second: list[Any] = []
    for i, is_int, is_array in zip(index, ints, arrays):
        if is_int:
            first.append(int(i))
        elif is_array:
            arr = as_array(i)
            span = arr.ndim if arr.dtype == np.bool_ else 1
            first.extend([slice(None)] * span)
            second.append(arr)
        elif i is None:
            first.append(None)
            second.append(slice(None))
        else:  # slice or Ellipsis
            first.append(i)
            second.append(i if i is Ellipsis else slice(None))
    return tuple(first), tuple(second)


def _slices(op: str, x: Tensor, dim: int, index: Any, source: Tensor):
    """index_add/index_copy's checks; the NumPy index of the slices ``index`` names."""
    d = normalize_dim(op, dim, x.ndim)
    idx = _as_index(op, index).reshape(-1)
    if x.ndim == 0:
        raise ShapeError(f"{op}: needs a tensor with at least one dim, got a 0-d tensor")
    _check_bounds(op, idx, x.shape[d], d)
    want = (*x.shape[:d], idx.size, *x.shape[d + 1:])
    if tuple(source.shape) != want:
        raise ShapeError(f"{op}: source of shape {tuple(source.shape)} should have shape "
                         f"{want} (x's shape {x.shape} with {idx.size} entries along dim {d})")
    return (slice(None),) * d + (idx,)


def index_add(x: Tensor, dim: int, index: Any, source: Tensor, *, alpha: float = 1
              ) -> Tensor:
    """A copy of x with alpha * source[..., i, ...] added to x[..., index[i], ...] along dim
    (repeated indices accumulate)."""
    pos = _slices("index_add", x, dim, index, source)
    added = ScatterAdd.apply(source, shape=x.shape, index=pos)
    return Add.apply(x, added if alpha == 1 else Mul.apply(added, alpha))


def index_copy(x: Tensor, dim: int, index: Any, source: Tensor) -> Tensor:
    """A copy of x with x[..., index[i], ...] = source[..., i, ...] along dim (an index
    given twice keeps one of its values, unspecified, as PyTorch)."""
    pos = _slices("index_copy", x, dim, index, source)
    keep = np.ones(x.shape, bool)
    keep[pos] = False
    if len(np.unique(pos[-1])) != pos[-1].size:  # one source slice per position: the last
        last = {int(k): i for i, k in enumerate(pos[-1])}
        pos = (*pos[:-1], np.array(list(last)))
        source = GetItem.apply(source, index=(*pos[:-1], np.array(list(last.values()))))
    kept = Where.apply(keep, x, np.zeros((), x.dtype))  # not x * keep: NaN * 0 is NaN
    return Add.apply(kept, ScatterAdd.apply(source, shape=x.shape, index=pos))

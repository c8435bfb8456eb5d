"""Movement ops with PyTorch's names and arguments: ``flip roll repeat tile
repeat_interleave narrow split chunk unbind movedim moveaxis contiguous view_as reshape_as
expand_as``.

``flip`` and ``roll`` are ops of their own (their gradient is the inverse move); the others
are exact composites of reshape, broadcast, permute and indexing, so their gradients are
those ops' gradients.  Note PyTorch's ``repeat`` is NumPy's ``tile`` (whole copies), and
``repeat_interleave`` is NumPy's ``repeat`` (each element in turn).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..errors import ShapeError
from ..tensor import Tensor, as_array
from .dims import normalize_dim, normalize_dims
from .shape import BroadcastTo, Clone, GetItem, Permute, Reshape


def _sizes(args: tuple) -> tuple:
    """Accept f(2, 3) and f((2, 3)) / f([2, 3])."""
    if len(args) == 1 and isinstance(args[0], Sequence):
        return tuple(args[0])
    return tuple(args)


class Flip(Function):
    """out = a reversed along ``dims``;  da = g reversed along them again."""

    saves_inputs = saves_output = False

    def forward(self, a, dims):
        self.dims = dims
        return np.flip(a, dims)

    def backward(self, g, out, a):
        return (Flip.call(g, dims=self.dims),)


class Roll(Function):
    """out = a rolled by ``shifts`` along ``dims`` (flattened when None);
    da = g rolled back by -shifts."""

    saves_inputs = saves_output = False

    def forward(self, a, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return np.roll(a, shifts, axis=dims)

    def backward(self, g, out, a):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) \
            else -self.shifts
        return (Roll.call(g, shifts=back, dims=self.dims),)


def flip(x: Tensor, *dims: int) -> Tensor:
    """x reversed along ``dims`` (``x.flip(0, 1)`` or ``flip(x, (0, 1))``)."""
    return Flip.apply(x, dims=normalize_dims("flip", _sizes(dims), x.ndim) if x.ndim else ())


def roll(x: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None
         ) -> Tensor:
    """Entries shifted cyclically by ``shifts`` along ``dims`` (with dims None: over the
    flattened tensor, shape restored)."""
    if dims is None:
        if not isinstance(shifts, int | np.integer):
            raise ShapeError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return Roll.apply(x, shifts=int(shifts), dims=None)
    shifts_t = (shifts,) if isinstance(shifts, int | np.integer) else tuple(shifts)
    dims_t = normalize_dims("roll", dims, x.ndim)
    if len(shifts_t) != len(dims_t):
        raise ShapeError(f"roll: shifts and dimensions must align. shifts: {len(shifts_t)}, "
                         f"dims: {len(dims_t)}")
    if x.ndim == 0:
        return Roll.apply(x, shifts=0, dims=None)
    return Roll.apply(x, shifts=tuple(int(s) for s in shifts_t), dims=dims_t)


def repeat(x: Tensor, *sizes: int) -> Tensor:
    """PyTorch's repeat (NumPy's tile): x copied ``sizes[i]`` times along each dim;
    ``len(sizes)`` may exceed x.ndim (new leading dims)."""
    sizes = _sizes(sizes)
    if len(sizes) < x.ndim:
        raise ShapeError(f"repeat: Number of dimensions of repeat dims ({len(sizes)}) can "
                         f"not be smaller than number of dimensions of tensor ({x.ndim}, "
                         f"shape {x.shape})")
    if any(s < 0 for s in sizes):
        raise ShapeError(f"repeat: sizes must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    # (a, b) -> (1, a, 1, b) -> broadcast (r0, a, r1, b) -> (r0 * a, r1 * b): one copy
    spread = Reshape.apply(x, shape=tuple(v for n in shape for v in (1, n)))
    wide = BroadcastTo.apply(spread, shape=tuple(v for r, n in zip(sizes, shape)
                                                 for v in (r, n)))
    return Reshape.apply(wide, shape=tuple(r * n for r, n in zip(sizes, shape)))


def tile(x: Tensor, *dims: int) -> Tensor:
    """``repeat`` where fewer sizes than dims are padded with leading 1s (PyTorch's tile)."""
    dims = _sizes(dims)
    return repeat(x, *((1,) * (x.ndim - len(dims)) + dims))


def repeat_interleave(x: Tensor, repeats: int | Tensor | np.ndarray, dim: int | None = None,
                      *, output_size: int | None = None) -> Tensor:
    """Each entry repeated ``repeats`` times in turn along dim (NumPy's repeat); repeats is
    an int or one count per entry; with dim None, over the flattened x."""
    if dim is None:
        x, d = Reshape.apply(x, shape=(x.data.size,)), 0
    else:
        d = normalize_dim("repeat_interleave", dim, x.ndim)
        if x.ndim == 0:
            x = Reshape.apply(x, shape=(1,))
    n = x.shape[d]
    if isinstance(repeats, numbers.Integral) or (
            isinstance(repeats, Tensor | np.ndarray) and np.ndim(_data(repeats)) == 0):
        r = int(_data(repeats))
        if r < 0:
            raise ShapeError(f"repeat_interleave: repeats can not be negative, got {r}")
        # (.., n, ..) -> (.., n, 1, ..) -> broadcast (.., n, r, ..) -> (.., n * r, ..)
        pre, post = x.shape[:d], x.shape[d + 1:]
        wide = BroadcastTo.apply(Reshape.apply(x, shape=(*pre, n, 1, *post)),
                                 shape=(*pre, n, r, *post))
        out = Reshape.apply(wide, shape=(*pre, n * r, *post))
    else:
        counts = as_array(_data(repeats))
        if counts.ndim != 1 or counts.dtype.kind not in "iu" or counts.shape[0] not in (1, n):
            raise ShapeError(f"repeat_interleave: repeats must be an int or a 1-d integer "
                             f"tensor of size {n} (input.size({d})), got shape {counts.shape}")
        if (counts < 0).any():
            raise ShapeError("repeat_interleave: repeats can not be negative")
        picks = np.repeat(np.arange(n), np.broadcast_to(counts, (n,)))
        out = GetItem.apply(x, index=(slice(None),) * d + (picks,))
    if output_size is not None and out.shape[d] != output_size:
        raise ShapeError(f"repeat_interleave: output_size={output_size} but the output has "
                         f"{out.shape[d]} entries along dim {d}")
    return out


def _data(a: Any) -> Any:
    return a.data if isinstance(a, Tensor) else a


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Entries start .. start + length - 1 along dim (start may be negative)."""
    d = normalize_dim("narrow", dim, x.ndim)
    n = x.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start ({start}) out of range for dimension {d} of size {n}")
    start %= n if n else 1
    if length < 0 or start + length > n:
        raise ShapeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                         f"size ({n}).")
    return GetItem.apply(x, index=(slice(None),) * d + (slice(start, start + length),))


def _pieces(x: Tensor, d: int, sizes: Sequence[int]) -> tuple[Tensor, ...]:
    lead, out, start = (slice(None),) * d, [], 0
    for s in sizes:
        out.append(GetItem.apply(x, index=(*lead, slice(start, start + s))))
        start += s
    return tuple(out)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0
          ) -> tuple[Tensor, ...]:
    """Pieces along dim: of ``split_size`` each (the last may be smaller), or of the given
    sizes (which must add up to x.shape[dim])."""
    d = normalize_dim("split", dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int | np.integer):
        s = int(split_size_or_sections)
        if s < 0 or (s == 0 and n):
            raise ShapeError(f"split: split_size must be positive, got {s} (dim {d} has "
                             f"size {n})")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ShapeError(f"split: split_with_sizes expects split_sizes to sum exactly to "
                             f"{n} (input tensor's size at dimension {d}), but got "
                             f"split_sizes={sizes}")
    return _pieces(x, d, sizes)



def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of ceil(size / chunks) each along dim (PyTorch's chunk:
    fewer pieces when the sizes come out that way)."""
    if chunks <= 0:
        raise ShapeError(f"chunk: expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim("chunk", dim, x.ndim)
    n = x.shape[d]
    if n == 0:
        return _pieces(x, d, [0] * chunks)
    return split(x, math.ceil(n / chunks), d)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along dim, that dim removed: ``x[i]`` for dim 0."""
    if x.ndim == 0:
        raise IndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim("unbind", dim, x.ndim)
    lead = (slice(None),) * d
    return tuple(GetItem.apply(x, index=(*lead, i)) for i in range(x.shape[d]))


def movedim(x: Tensor, source: int | Sequence[int], destination: int | Sequence[int]
            ) -> Tensor:
    """Dims ``source`` moved to positions ``destination``, the others keeping their order."""
    src = normalize_dims("movedim", source, x.ndim)
    dst = normalize_dims("movedim", destination, x.ndim)
    if len(src) != len(dst):
        raise ShapeError(f"movedim: Invalid source or destination dims: source ({source} "
                         f"dims) should contain the same number of dims as destination "
                         f"({destination} dims)")
    if x.ndim == 0:
        return Reshape.apply(x, shape=())
    rest = iter(i for i in range(x.ndim) if i not in src)
    where = dict(zip(dst, src))
    return Permute.apply(x, axes=tuple(where[i] if i in where else next(rest)
                                       for i in range(x.ndim)))


moveaxis = movedim


def contiguous(x: Tensor) -> Tensor:
    """x itself when its data is C-contiguous, else a C-contiguous copy (still in the
    graph)."""
    return x if x.data.flags.c_contiguous else Clone.apply(x)


def is_contiguous(x: Tensor) -> bool:
    """Whether x's data is laid out C-contiguously (row-major without gaps)."""
    return bool(x.data.flags.c_contiguous)


def view_as(x: Tensor, other: Tensor) -> Tensor:
    """x with other's shape (same number of elements)."""
    return Reshape.apply(x, shape=other.shape)


reshape_as = view_as


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """x broadcast to other's shape."""
    return BroadcastTo.apply(x, shape=other.shape)

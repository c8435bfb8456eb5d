"""Pooling over the last two axes of (N, C, H, W) or (C, H, W) inputs, PyTorch's semantics:
``max_pool2d avg_pool2d adaptive_avg_pool2d``.

Window geometry, per spatial axis (length L, kernel k, stride s, padding p, dilation d):
window i reads positions ``i*s - p + a*d`` for a < k.  The output length is

    L_out = floor((L + 2p - d(k-1) - 1 + (s-1 if ceil_mode else 0)) / s) + 1,

and with ``ceil_mode`` a last window that would start in the right padding is dropped
(``(L_out - 1) s >= L + p``: it must start inside the input or the left padding).  The
windows are read as kH*kW strided slices of the padded input, one per kernel offset (a
loop over the offsets, never over pixels: several times faster than reducing a 6-d
``as_strided`` window view, which NumPy copies).

Two ops carry the maths, each the other's gradient, so second order comes free:
`WindowSum` (sum over each window, zero padding: avg_pool2d = WindowSum / divisor) and
`WindowSpread` (its transpose: each value added back over its window).  `MaxPool2d` keeps
the argmax positions and scatters the gradient to them (`ScatterAddDim`, whose own
gradient is a gather).  adaptive_avg_pool2d is two matrix products with averaging matrices.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import Function, is_grad_enabled
from ..errors import DTypeError, ShapeError
from ..tensor import Tensor, _wrap
from .index import ScatterAddDim

IntPair = int | Sequence[int]


def _pair(op: str, name: str, value: Any) -> tuple[int, int]:
    """An int or a sequence of one or two ints, as (for H, for W)."""
    items = (value,) if isinstance(value, numbers.Integral) else tuple(value)
    if len(items) not in (1, 2) or not all(isinstance(v, numbers.Integral) for v in items):
        raise ShapeError(f"{op}: {name} must either be a single int, or a tuple of two ints, "
                         f"got {value!r}")
    return (int(items[0]), int(items[-1]))


@dataclass(frozen=True)
class Windows:
    """The geometry of a 2-d pooling: per axis (H, W) the input length, kernel, stride,
    padding, dilation and output length."""

    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out: tuple[int, int]

    @property
    def span(self) -> tuple[int, int]:
        """The padded length the windows read: (L_out - 1) s + d (k - 1) + 1 per axis."""
        h, w = ((o - 1) * s + d * (k - 1) + 1 for o, s, d, k in
                zip(self.out, self.stride, self.dilation, self.kernel))
        return h, w

    @property
    def overlap(self) -> bool:
        """Whether two windows can share an input position."""
        return any(s < d * (k - 1) + 1 for s, d, k in
                   zip(self.stride, self.dilation, self.kernel))

    def padded(self, a: np.ndarray, value: Any) -> np.ndarray:
        """``a`` (..., H, W) inside a ``value``-filled array of shape (..., *span): the left
        padding before it, its rows/columns no window reads dropped."""
        (ph, pw), (sh, sw) = self.padding, self.span
        hh, ww = min(a.shape[-2], sh - ph), min(a.shape[-1], sw - pw)
        if (ph, pw) == (0, 0) and (hh, ww) == (sh, sw) == a.shape[-2:]:
            return a
        buf = np.full_like(a, value, shape=(*a.shape[:-2], sh, sw))
        buf[..., ph:ph + hh, pw:pw + ww] = a[..., :hh, :ww]
        return buf

    def offsets(self) -> list[tuple[slice, slice]]:
        """Per kernel offset (a, b), row-major: the slices of the padded array holding the
        (a, b) entry of every window, a strided (H_out, W_out) grid."""
        (oh, ow), (sh, sw), (dh, dw) = self.out, self.stride, self.dilation
        return [(slice(a * dh, a * dh + (oh - 1) * sh + 1, sh),
                 slice(b * dw, b * dw + (ow - 1) * sw + 1, sw))
                for a in range(self.kernel[0]) for b in range(self.kernel[1])]

    def first_inside(self, axis: int) -> np.ndarray:
        """Per window along ``axis`` (0: rows, 1: columns), its first position that is not
        padding (PyTorch's starting index; past the input when the window holds none)."""
        start = np.arange(self.out[axis]) * self.stride[axis] - self.padding[axis]
        d = self.dilation[axis]
        return np.where(start < 0, start + (-start + d - 1) // d * d, start)

    def sum(self, padded: np.ndarray) -> np.ndarray:
        """Each window's sum of a padded array (..., *span) -> (..., H_out, W_out)."""
        (rows, cols), *rest = self.offsets()
        out = padded[..., rows, cols].copy()
        for rows, cols in rest:
            out += padded[..., rows, cols]
        return out

    def spread(self, g: np.ndarray) -> np.ndarray:
        """The transpose of `sum` (then cropped to the input): g (..., H_out, W_out) added
        over each window's positions -> (..., H, W)."""
        buf = np.zeros_like(g, shape=g.shape[:-2] + self.span)
        for rows, cols in self.offsets():
            buf[..., rows, cols] += g
        (ph, pw), (h, w) = self.padding, self.size
        out = np.zeros_like(g, shape=g.shape[:-2] + self.size)
        hh, ww = min(h, buf.shape[-2] - ph), min(w, buf.shape[-1] - pw)
        out[..., :hh, :ww] = buf[..., ph:ph + hh, pw:pw + ww]
        return out


def _out_len(length: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length (see the module docstring)."""
    num = length + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= length + p:
        out -= 1
    return out


def windows(op: str, x: Tensor, kernel_size: IntPair, stride: IntPair | None,
            padding: IntPair, dilation: IntPair, ceil_mode: bool) -> Windows:
    """Check a 2-d pooling's arguments against ``x`` (C, H, W) or (N, C, H, W), PyTorch's
    rules and messages; the geometry."""
    k = _pair(op, "kernel_size", kernel_size)
    # (int, numbers.Integral) here and below: to type checkers an int is not an Integral
    s = k if stride is None or (not isinstance(stride, (int, numbers.Integral)) and
                                len(stride) == 0) else _pair(op, "stride", stride)
    p, d = _pair(op, "padding", padding), _pair(op, "dilation", dilation)
    if min(k) <= 0:
        raise ShapeError(f"{op}: kernel size should be greater than zero, but got "
                         f"kH: {k[0]} kW: {k[1]}")
    if min(s) <= 0:
        raise ShapeError(f"{op}: stride should be greater than zero, but got "
                         f"sH: {s[0]} sW: {s[1]}")
    if min(d) <= 0:
        raise ShapeError(f"{op}: dilation should be greater than zero, but got "
                         f"dilationH: {d[0]} dilationW: {d[1]}")
    if min(p) < 0:
        raise ShapeError(f"{op}: pad must be non-negative, but got pad: {p}")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ShapeError(f"{op}: pad should be at most half of effective kernel size, but "
                         f"got pad={p}, kernel_size={k} and dilation={d}")
    if x.ndim not in (3, 4) or any(n == 0 for n in x.shape[-3:]):
        raise ShapeError(f"{op}: expected a non-empty 3D (C, H, W) or 4D (N, C, H, W) "
                         f"input (N may be 0), got shape {tuple(x.shape)}")
    size = (x.shape[-2], x.shape[-1])
    oh, ow = (_out_len(*args, ceil_mode) for args in zip(size, k, s, p, d))
    out = (oh, ow)
    if min(out) < 1:
        raise ShapeError(f"{op}: Given input size: {tuple(x.shape)}. Calculated output size "
                         f"({out[0]}x{out[1]}) is too small (kernel_size={k}, stride={s}, "
                         f"padding={p}, dilation={d})")
    return Windows(size, k, s, p, d, out)


def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind in "fc" else np.iinfo(dtype).min


class MaxPool2d(Function):
    """out[..., i, j] = the largest entry of window (i, j) (padding counts as -inf);
    ``indices`` = where it is, as the flat position h*W + w in its (H, W) plane (the first
    in a tie, the last NaN if the window has one: PyTorch's rule). A window whose entries
    are all the lowest value (-inf) points at its first position inside the input; a window
    of padding only (possible with dilation) gives -inf and gets no gradient.

    Keeps the indices (int64, the output's shape) and the input's shape, none of its data.
    da = g scattered to the argmax positions (`ScatterAddDim`, whose gradient is a gather).
    """

    op_name = "max_pool2d"
    saves_inputs = saves_output = False
    indices: np.ndarray  # set by forward

    def forward(self, a, geometry: Windows):
        padded = geometry.padded(a, _lowest(a.dtype))
        flat = np.stack([padded[..., rows, cols] for rows, cols in geometry.offsets()], -1)
        pos = flat.argmax(axis=-1)  # the first maximum, or the first NaN
        out = np.take_along_axis(flat, pos[..., None], axis=-1)[..., 0]
        if a.dtype.kind == "f" and np.isnan(out).any():  # PyTorch: a window's last NaN
            nan = np.isnan(flat)
            last = flat.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
            pos = np.where(nan.any(axis=-1), last, pos)
        _kh, kw = geometry.kernel
        (sh, sw), (dh, dw), (ph, pw) = geometry.stride, geometry.dilation, geometry.padding
        (oh, ow), (h, w) = geometry.out, geometry.size
        rows = (np.arange(oh) * sh - ph)[:, None] + (pos // kw) * dh
        cols = (np.arange(ow) * sw - pw) + (pos % kw) * dw
        first_row, first_col = geometry.first_inside(0)[:, None], geometry.first_inside(1)
        lowest = out == _lowest(a.dtype)  # no entry beat the padding: PyTorch's first index
        rows, cols = np.where(lowest, first_row, rows), np.where(lowest, first_col, cols)
        self.indices = (rows * w + cols).astype(np.int64)
        inside = (first_row < h) & (first_col < w)  # (H_out, W_out): holds an input entry
        self.inside = None if inside.all() else inside
        self.shape, self.unique = a.shape, not geometry.overlap
        return out

    def backward(self, g, out, a):
        lead = len(self.shape) - 2
        h, w = self.shape[-2:]
        index, unique = self.indices, self.unique
        if self.inside is not None:  # padding-only windows send nothing
            g, index, unique = g * self.inside, np.where(self.inside, index, 0), False
        flat = ScatterAddDim.call(None, g.reshape((*g.shape[:lead], -1)), dim=lead,
                                  index=index.reshape((*index.shape[:lead], -1)),
                                  shape=(*self.shape[:lead], h * w), unique=unique)
        return (flat.reshape(self.shape),)


class WindowSum(Function):
    """out[..., i, j] = the sum of window (i, j) of a (zero padding);  da = g spread back
    over each window (`WindowSpread`).  Keeps only the geometry."""

    saves_inputs = saves_output = False

    def forward(self, a, geometry: Windows):
        self.geometry = geometry
        return geometry.sum(geometry.padded(a, 0))

    def backward(self, g, out, a):
        return (WindowSpread.call(g, geometry=self.geometry),)


class WindowSpread(Function):
    """The transpose of `WindowSum`: out (..., H, W) = each g[..., i, j] added at every
    input position of window (i, j);  dg = the window sums of the upstream (`WindowSum`).
    Keeps only the geometry."""

    saves_inputs = saves_output = False

    def forward(self, g, geometry: Windows):
        self.geometry = geometry
        return geometry.spread(g)

    def backward(self, gg, out, g):
        return (WindowSum.call(gg, geometry=self.geometry),)


def max_pool2d(x: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each window of x (C, H, W) or (N, C, H, W) -> (..., H_out, W_out); with
    ``return_indices`` also the int64 flat positions h*W + w of the maxima (for
    ``max_unpool2d``, as PyTorch).  ``stride`` defaults to ``kernel_size``."""
    if x.dtype == np.bool_:
        raise DTypeError(f"max_pool2d: not implemented for bool (input shape "
                         f"{tuple(x.shape)})")
    geometry = windows("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    if not return_indices:
        return MaxPool2d.apply(x, geometry=geometry)
    if not (x.requires_grad and is_grad_enabled()):  # no node to keep the indices
        node = MaxPool2d()
        return _wrap(node.forward(x.data, geometry)), _wrap(node.indices)
    out = MaxPool2d.apply(x, geometry=geometry)
    assert isinstance(out._ctx, MaxPool2d)
    return out, _wrap(out._ctx.indices)


def avg_pool2d(x: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window of x (C, H, W) or (N, C, H, W) -> (..., H_out, W_out).

    The divisor of window (i, j) is ``divisor_override`` if given; else its number of
    positions inside the padded input (``count_include_pad``: positions past the right
    padding, which ceil_mode can add, never count) or inside the input alone.  Integer
    inputs give integers (the sum divided, truncated toward zero, as PyTorch)."""
    if x.dtype == np.bool_:
        raise DTypeError(f"avg_pool2d: not implemented for bool (input shape "
                         f"{tuple(x.shape)})")
    if divisor_override is not None and divisor_override == 0:
        raise ValueError("avg_pool2d: divisor must be not zero")
    geometry = windows("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    div = np.asarray(divisor_override) if divisor_override is not None \
        else _divisors(geometry, count_include_pad)
    if x.dtype.kind in "iu":
        sums = WindowSum.call(x.data.astype(np.int64), geometry=geometry)
        return _wrap((np.sign(sums) * (np.abs(sums) // div)).astype(x.dtype))
    return WindowSum.apply(x, geometry=geometry) / div.astype(x.dtype)


def _divisors(geometry: Windows, count_include_pad: bool) -> np.ndarray:
    """Each window's count (H_out, W_out): positions inside the padded input, or inside the
    input alone."""
    counts = []
    for o, s, p, k, n in zip(geometry.out, geometry.stride, geometry.padding,
                             geometry.kernel, geometry.size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts.append(end - start)
    return np.outer(*counts)


def _averaging(length: int, out: int, dtype: np.dtype) -> np.ndarray:
    """The (out, length) matrix whose row i averages positions floor(i L / out) to
    ceil((i + 1) L / out) - 1 (PyTorch's adaptive windows)."""
    i = np.arange(out)
    start, end = (i * length) // out, -((-(i + 1) * length) // out)
    pos = np.arange(length)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool2d(x: Tensor, output_size: IntPair | Sequence[int | None]) -> Tensor:
    """x (C, H, W) or (N, C, H, W) averaged over adaptive windows -> (..., *output_size);
    None in ``output_size`` keeps that axis' size.  Output row i averages input rows
    floor(i H / H_out) to ceil((i + 1) H / H_out) - 1 (likewise columns), so the result is
    A_H @ x @ A_W^T with averaging matrices A: its gradient is that of two matrix products."""
    if x.dtype.kind not in "fc":
        raise DTypeError(f"adaptive_avg_pool2d: not implemented for {x.dtype} (input shape "
                         f"{tuple(x.shape)}); expected a floating-point tensor")
    if x.ndim not in (3, 4) or any(n == 0 for n in x.shape[-2:]):
        raise ShapeError(f"adaptive_avg_pool2d: Expected 3D or 4D tensor with non-zero H "
                         f"and W, but got shape {tuple(x.shape)}")
    items = (output_size,) * 2 if isinstance(output_size, (int, numbers.Integral)) or \
        output_size is None else tuple(output_size)
    if len(items) != 2:
        raise ShapeError(f"adaptive_avg_pool2d: output_size must be 2, got {output_size!r}")
    size = tuple(n if o is None else int(o) for o, n in zip(items, x.shape[-2:]))
    if min(size) < 0:
        raise ShapeError(f"adaptive_avg_pool2d: elements of output_size must be greater than "
                         f"or equal to 0 but received {size}")
    rows = _averaging(x.shape[-2], size[0], x.dtype)
    cols = _averaging(x.shape[-1], size[1], x.dtype)
    return _wrap(rows) @ x @ _wrap(np.ascontiguousarray(cols.T))

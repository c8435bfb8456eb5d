"""Convolutions as matrix products: ``unfold`` (im2col), its adjoint ``fold`` (col2im), and
``conv1d conv2d conv_transpose2d`` built from them and ``@`` (PyTorch's arguments, layouts
and errors; ``nn.functional`` re-exports them, they are not ``Tensor`` methods).

im2col, for an input x of shape (N, C, H, W) and a kh x kw kernel: every position of the
kernel over the (zero-padded) input is a *block* of C*kh*kw numbers; ``unfold`` lays the
L = Ho*Wo blocks side by side as the columns of a (N, C*kh*kw, L) array, where

    Ho = floor((H + pad_top + pad_bottom - dilation*(kh - 1) - 1) / stride) + 1

(likewise Wo).  A convolution with weight (O, C, kh, kw) is then one matrix product,

    out[n] = weight.reshape(O, C*kh*kw) @ unfold(x)[n]        -> (N, O, L) -> (N, O, Ho, Wo)

``fold`` is unfold's adjoint: it adds each column back onto the block it came from (blocks
overlap, so entries add up).  So d unfold = fold and d fold = unfold, two linear ops whose
gradients are each other, and a convolution's first and second derivatives are products,
reshapes, unfolds and folds: nothing convolution-specific needs a hand-written backward.

Memory: ``Unfold`` and ``Fold`` keep nothing for backward (only shapes and the geometry);
in a convolution the ``@`` keeps the unfolded input (N, C*kh*kw, L) for the weight's
gradient and the weight for the input's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Function
from ..errors import DTypeError, ShapeError
from ..tensor import Tensor

Pads = tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
IntOrTuple = int | Sequence[int]
_T = TypeVar("_T")
_P = TypeVar("_P", bound=IntOrTuple)


# ----------------------------------------------------------------------------- geometry
def _blocks(size: int, pads: tuple[int, int], k: int, d: int, s: int) -> int:
    """How many kernel positions fit along one axis of the padded input."""
    return (size + pads[0] + pads[1] - d * (k - 1) - 1) // s + 1


def _pad_or_crop(x: np.ndarray, pads: Pads) -> np.ndarray:
    """Zero-pad the last two axes by ``pads``; a negative amount crops that side instead."""
    (t, b), (left, r) = pads
    grow = ((max(t, 0), max(b, 0)), (max(left, 0), max(r, 0)))
    if any(any(side) for side in grow):
        x = np.pad(x, ((0, 0), (0, 0), *grow))
    if min(t, b, left, r) < 0:
        h, w = x.shape[2:]
        x = x[:, :, -min(t, 0):h + min(b, 0), -min(left, 0):w + min(r, 0)]
    return x


class Unfold(Function):
    """im2col: x (N, C, H, W) -> columns (N, C*kh*kw, Ho*Wo), channel-major then kernel row,
    kernel column (PyTorch's ``F.unfold`` layout).

    Forward: pad, take every kh x kw window with ``sliding_window_view`` (a view, no copy),
    keep every stride-th window and every dilation-th entry of each, and copy them into
    columns once.  Backward: ``fold`` of the gradient.  Keeps nothing but the input's size.
    """

    saves_inputs = False
    saves_output = False

    def forward(self, x: np.ndarray, kernel_size: tuple[int, int], dilation: tuple[int, int],
                padding: Pads, stride: tuple[int, int]) -> np.ndarray:
        self.geometry = dict(kernel_size=kernel_size, dilation=dilation, padding=padding,
                             stride=stride)
        self.size = x.shape[2:]
        (kh, kw), (dh, dw), (sh, sw) = kernel_size, dilation, stride
        xp = _pad_or_crop(x, padding)
        win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
        win = win[:, :, ::sh, ::sw, ::dh, ::dw]              # (N, C, Ho, Wo, kh, kw)
        n, c, ho, wo = win.shape[:4]
        return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)

    def backward(self, g, out, x):
        return (Fold.call(g, output_size=self.size, **self.geometry),)


class Fold(Function):
    """col2im, unfold's adjoint: columns (N, C*kh*kw, L) -> (N, C, H, W) for
    ``output_size`` (H, W), adding every column back onto its block (overlaps add up).

    Forward: one strided ``+=`` per kernel offset (a loop over kh*kw, not over pixels) onto
    a zero padded canvas, then the padding cut off.  Backward: ``unfold`` of the gradient.
    Keeps nothing.
    """

    saves_inputs = False
    saves_output = False

    def forward(self, cols: np.ndarray, output_size: tuple[int, int],
                kernel_size: tuple[int, int], dilation: tuple[int, int], padding: Pads,
                stride: tuple[int, int]) -> np.ndarray:
        self.geometry = dict(kernel_size=kernel_size, dilation=dilation, padding=padding,
                             stride=stride)
        (kh, kw), (dh, dw), (sh, sw) = kernel_size, dilation, stride
        (h, w), ((t, b), (left, r)) = output_size, padding
        ho, wo = _blocks(h, padding[0], kh, dh, sh), _blocks(w, padding[1], kw, dw, sw)
        n = cols.shape[0]
        blocks = cols.reshape(n, cols.shape[1] // (kh * kw), kh, kw, ho, wo)
        canvas = np.zeros_like(cols, shape=(n, blocks.shape[1], h + t + b, w + left + r))
        for i in range(kh):
            for j in range(kw):
                canvas[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                       j * dw:j * dw + sw * (wo - 1) + 1:sw] += blocks[:, :, i, j]
        return _pad_or_crop(canvas, ((-t, -b), (-left, -r)))

    def backward(self, g, out, cols):
        return (Unfold.call(g, **self.geometry),)


# ----------------------------------------------------------------------------- arguments
def _ints(op: str, name: str, value: IntOrTuple, n: int) -> tuple[int, ...]:
    """An int or a sequence of n (or 1) ints as an n-tuple, as PyTorch expands them."""
    t = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(t) == 1:
        t = t * n
    if len(t) != n or not all(isinstance(v, (int, np.integer)) for v in t):
        raise ShapeError(f"{op}: expected {name} to be a single integer value or a list of "
                         f"{n} values to match the convolution dimensions, but got "
                         f"{name}={list(t)}")
    return tuple(int(v) for v in t)


def _as_pair(per_axis: Sequence[_T], height: _T) -> tuple[_T, _T]:
    """A 1-D convolution's (w,) geometry as the 2-D (``height``, w) one (`_as_2d` gives it a
    height of 1); a 2-D convolution's (h, w) as is."""
    return (height, per_axis[0]) if len(per_axis) == 1 else (per_axis[0], per_axis[1])


def _int_padding(op: str, padding: _P | str) -> _P:
    """``padding`` unless it is a string: 'same' and 'valid' are for conv1d/conv2d only."""
    if isinstance(padding, str):
        raise DTypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    return padding


def _check_geometry(op: str, stride: tuple[int, ...], padding: tuple[int, ...],
                    dilation: tuple[int, ...]) -> None:
    if min(stride) <= 0:
        raise ShapeError(f"{op}: non-positive stride is not supported (stride={stride})")
    if min(padding) < 0:
        raise ShapeError(f"{op}: negative padding is not supported (padding={padding})")
    if min(dilation) <= 0:
        raise ShapeError(f"{op}: non-positive dilation is not supported "
                         f"(dilation={dilation})")


def _same_pads(k: int, d: int) -> tuple[int, int]:
    """'same' padding: d*(k-1) zeros in all, the odd one on the bottom/right (PyTorch)."""
    total = d * (k - 1)
    return total // 2, total - total // 2


def _check_dtypes(op: str, input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if weight.dtype != input.dtype:
        raise DTypeError(f"{op}: Input type ({input.dtype}) and weight type ({weight.dtype}) "
                         f"should be the same")
    if bias is not None and bias.dtype != input.dtype:
        raise DTypeError(f"{op}: Input type ({input.dtype}) and bias type ({bias.dtype}) "
                         f"should be the same")


def _check_bias(op: str, weight: Tensor, bias: Tensor | None, channels: int) -> None:
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != channels):
        raise ShapeError(f"{op}: Given weight of size {list(weight.shape)}, expected bias to "
                         f"be 1-dimensional with {channels} elements, but got bias of size "
                         f"{list(bias.shape)} instead")


def _check_input(op: str, input: Tensor, weight: Tensor, nd: int) -> None:
    if input.ndim not in (nd + 1, nd + 2):
        raise ShapeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                         f"{op}, but got input of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise ShapeError(f"{op}: expected a {nd + 2}-D weight, got weight of size "
                         f"{list(weight.shape)}")


def _check_groups(op: str, groups: int, weight: Tensor) -> None:
    if groups <= 0:
        raise ShapeError(f"{op}: non-positive groups is not supported (groups={groups})")
    if weight.shape[0] % groups:
        raise ShapeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                         f"{groups} at dimension 0, but got weight of size "
                         f"{list(weight.shape)} instead")


def _as_2d(input: Tensor, weight: Tensor, nd: int) -> tuple[Tensor, Tensor, bool]:
    """input as (N, C, H, W) and weight as (O, I, kh, kw): a batch axis of 1 for an
    unbatched input, a height of 1 for a 1-D convolution.  Also whether it was batched."""
    batched = input.ndim == nd + 2
    x = input if batched else input.reshape((1, *input.shape))
    if nd == 1:
        x = x.reshape((x.shape[0], x.shape[1], 1, x.shape[2]))
        weight = weight.reshape((*weight.shape[:2], 1, weight.shape[2]))
    return x, weight, batched


# ----------------------------------------------------------------------------- functions
def unfold(input: Tensor, kernel_size: IntOrTuple, dilation: IntOrTuple = 1,
           padding: IntOrTuple = 0, stride: IntOrTuple = 1) -> Tensor:
    """Extract sliding blocks (im2col): (N, C, H, W) -> (N, C*kh*kw, L), L = Ho*Wo blocks
    (see the module docstring); an unbatched (C, H, W) gives (C*kh*kw, L).

    ``unfold(x, k)[n, c*kh*kw + i*kw + j, r*Wo + s]`` = x_padded[n, c, r*sh + i*dh, s*sw + j*dw].
    Gradient: ``fold``.  Keeps nothing for backward.
    """
    if input.ndim not in (3, 4):
        raise ShapeError(f"unfold: Input Error: Only 3D or 4D input Tensors are supported "
                         f"(got {input.ndim}D, size {list(input.shape)})")
    k, d, p, s = (_ints("unfold", name, v, 2) for name, v in (
        ("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
        ("stride", stride)))
    _check_geometry("unfold", s, p, d)
    x = input if input.ndim == 4 else input.reshape((1, *input.shape))
    pads = ((p[0], p[0]), (p[1], p[1]))
    blocks = tuple(_blocks(x.shape[2 + a], pads[a], k[a], d[a], s[a]) for a in (0, 1))
    if min(k) <= 0 or min(blocks) < 1:
        raise ShapeError(f"unfold: Given input with spatial size {tuple(x.shape[2:])}, "
                         f"kernel_size={k}, dilation={d}, padding={p}, calculated shape of "
                         f"the array of sliding blocks as {blocks}, but its components must "
                         f"be at least one.")
    cols = Unfold.apply(x, kernel_size=k, dilation=d, padding=pads, stride=s)
    return cols if input.ndim == 4 else cols.reshape(cols.shape[1:])


def fold(input: Tensor, output_size: IntOrTuple, kernel_size: IntOrTuple,
         dilation: IntOrTuple = 1, padding: IntOrTuple = 0, stride: IntOrTuple = 1) -> Tensor:
    """Combine sliding blocks into an image (col2im), ``unfold``'s adjoint:
    (N, C*kh*kw, L) -> (N, C, H, W) for ``output_size`` (H, W), summing where blocks
    overlap; an unbatched (C*kh*kw, L) gives (C, H, W).

    ``fold(unfold(x))`` is x times how many blocks cover each pixel.  Gradient: ``unfold``.
    Keeps nothing for backward.
    """
    if input.ndim not in (2, 3):
        raise ShapeError(f"fold: Input Error: Only unbatched (2D) or batched (3D) input "
                         f"Tensors are supported (got {input.ndim}D, size "
                         f"{list(input.shape)})")
    size, k, d, p, s = (_ints("fold", name, v, 2) for name, v in (
        ("output_size", output_size), ("kernel_size", kernel_size), ("dilation", dilation),
        ("padding", padding), ("stride", stride)))
    _check_geometry("fold", s, p, d)
    cols = input if input.ndim == 3 else input.reshape((1, *input.shape))
    if min(k) <= 0 or cols.shape[1] % (k[0] * k[1]):
        raise ShapeError(f"fold: Expected size of input's dimension 1 to be divisible by the "
                         f"product of kernel_size, but got input.size(1)={cols.shape[1]} and "
                         f"kernel_size={k}.")
    pads = ((p[0], p[0]), (p[1], p[1]))
    blocks = tuple(_blocks(size[a], pads[a], k[a], d[a], s[a]) for a in (0, 1))
    if min(blocks) < 1 or cols.shape[2] != blocks[0] * blocks[1]:
        raise ShapeError(f"fold: Given output_size={size}, kernel_size={k}, dilation={d}, "
                         f"padding={p}, stride={s}, expected size of input's dimension 2 to "
                         f"match the calculated number of sliding blocks {blocks[0]} * "
                         f"{blocks[1]} = {blocks[0] * blocks[1]}, but got "
                         f"input.size(2)={cols.shape[2]}.")
    out = Fold.apply(cols, output_size=size, kernel_size=k, dilation=d, padding=pads,
                     stride=s)
    return out if input.ndim == 3 else out.reshape(out.shape[1:])


def _conv(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None,
          stride: IntOrTuple, padding: IntOrTuple | str, dilation: IntOrTuple,
          groups: int) -> Tensor:
    """conv1d (nd 1) and conv2d (nd 2): checks, then `_conv2d` on 2-D views."""
    _check_input(op, input, weight, nd)
    s, d = _ints(op, "stride", stride, nd), _ints(op, "dilation", dilation, nd)
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ShapeError(f"{op}: Invalid padding string: {padding!r} "
                             f"(expected 'same' or 'valid')")
        if padding == "same" and max(s) > 1:
            raise ShapeError(f"{op}: padding='same' is not supported for strided "
                             f"convolutions")
        pads = [_same_pads(k[a], d[a]) if padding == "same" else (0, 0) for a in range(nd)]
        _check_geometry(op, s, (0,), d)
    else:
        p = _ints(op, "padding", padding, nd)
        _check_geometry(op, s, p, d)
        pads = [(v, v) for v in p]
    _check_groups(op, groups, weight)
    channels = input.shape[-nd - 1]
    if weight.shape[1] * groups != channels:
        raise ShapeError(f"{op}: Given groups={groups}, weight of size {list(weight.shape)}, "
                         f"expected input{list(input.shape)} to have "
                         f"{weight.shape[1] * groups} channels, but got {channels} channels "
                         f"instead")
    padded = tuple(input.shape[-nd + a] + sum(pads[a]) for a in range(nd))
    reach = tuple(d[a] * (k[a] - 1) + 1 for a in range(nd))
    if any(padded[a] < reach[a] for a in range(nd)):
        raise ShapeError(f"{op}: Calculated padded input size per channel: "
                         f"({' x '.join(map(str, padded))}). Kernel size: "
                         f"({' x '.join(map(str, reach))}). Kernel size can't be greater "
                         f"than actual input size")
    _check_bias(op, weight, bias, weight.shape[0])
    _check_dtypes(op, input, weight, bias)
    x, w, batched = _as_2d(input, weight, nd)
    out = _conv2d(x, w, bias, _as_pair(s, 1), _as_pair(pads, (0, 0)), _as_pair(d, 1), groups)
    if nd == 1:
        out = out.reshape((out.shape[0], out.shape[1], out.shape[3]))
    return out if batched else out.reshape(out.shape[1:])


def _conv2d(x: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple[int, int],
            pads: Pads, dilation: tuple[int, int], groups: int) -> Tensor:
    """x (N, C, H, W), weight (O, C/groups, kh, kw) -> (N, O, Ho, Wo) as
    (groups, O/groups, C/groups*kh*kw) @ unfold(x) (N, groups, C/groups*kh*kw, L)."""
    n, o, (kh, kw) = x.shape[0], weight.shape[0], weight.shape[2:]
    cols = Unfold.apply(x, kernel_size=(kh, kw), dilation=dilation, padding=pads,
                        stride=stride)
    ho, wo = (_blocks(x.shape[2 + a], pads[a], weight.shape[2 + a], dilation[a], stride[a])
              for a in (0, 1))
    per_group = weight.shape[1] * kh * kw
    out = weight.reshape((groups, o // groups, per_group)) \
        @ cols.reshape((n, groups, per_group, ho * wo))
    out = out.reshape((n, o, ho, wo))
    return out if bias is None else out + bias.reshape((o, 1, 1))


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
           stride: IntOrTuple = 1, padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1,
           groups: int = 1) -> Tensor:
    """2-D cross-correlation (PyTorch's conv2d): input (N, C, H, W) or (C, H, W), weight
    (O, C/groups, kh, kw), bias (O,) -> (N, O, Ho, Wo), Ho as in the module docstring;

        out[n, o] = bias[o] + sum_{c in o's group, i, j} weight[o, c, i, j]
                                * x_padded[n, c, r*sh + i*dh, s*sw + j*dw]

    computed as one matrix product with ``unfold(x)`` (im2col).  ``padding`` is an int, a
    pair, ``'valid'`` (0) or ``'same'`` (output as large as the input; stride 1 only).
    Kept for backward: the unfolded input (for the weight's gradient) and the weight.
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
           stride: IntOrTuple = 1, padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1,
           groups: int = 1) -> Tensor:
    """1-D cross-correlation (PyTorch's conv1d): input (N, C, L) or (C, L), weight
    (O, C/groups, k) -> (N, O, Lo); a conv2d of height 1 (same maths, same memory)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """The transpose (adjoint) of conv2d, a "fractionally strided" convolution: input
    (N, C, H, W) or (C, H, W), weight (C, O/groups, kh, kw), bias (O,) -> (N, O, Ho, Wo),

        Ho = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1

    Each input pixel scatters weight-scaled copies of its kernel onto the output: columns
    ``weight^T @ x`` (N, O*kh*kw, H*W), then ``fold`` adds them up.  It is conv2d's
    gradient with respect to its input.  Kept for backward: the input and the weight
    (by ``@``).
    """
    op = "conv_transpose2d"
    padding = _int_padding(op, padding)
    _check_input(op, input, weight, 2)
    s, p, d = (_ints(op, n, v, 2) for n, v in (("stride", stride), ("padding", padding),
                                               ("dilation", dilation)))
    op_ = _ints(op, "output_padding", output_padding, 2)
    _check_geometry(op, s, p + op_, d)
    if any(op_[a] >= s[a] and op_[a] >= d[a] for a in (0, 1)):
        raise ShapeError(f"{op}: output padding must be smaller than either stride or "
                         f"dilation, but got output_padding={op_}, stride={s}, "
                         f"dilation={d}")
    _check_groups(op, groups, weight)
    channels = input.shape[-3]
    if weight.shape[0] != channels:
        raise ShapeError(f"{op}: Given transposed=1, weight of size {list(weight.shape)}, "
                         f"expected input{list(input.shape)} to have {weight.shape[0]} "
                         f"channels, but got {channels} channels instead")
    k = weight.shape[2:]
    size = tuple((input.shape[-2 + a] - 1) * s[a] - 2 * p[a] + d[a] * (k[a] - 1) + op_[a] + 1
                 for a in (0, 1))
    if min(size) < 1:
        raise ShapeError(f"{op}: Given input size per channel: ({input.shape[-2]} x "
                         f"{input.shape[-1]}). Calculated output size per channel: "
                         f"({size[0]} x {size[1]}). Output size is too small")
    out_channels = weight.shape[1] * groups
    _check_bias(op, weight, bias, out_channels)
    _check_dtypes(op, input, weight, bias)
    x, _, batched = _as_2d(input, weight, 2)
    n, (h, w), per_group = x.shape[0], x.shape[2:], channels // groups
    per_block = weight.shape[1] * k[0] * k[1]
    wg = weight.reshape((groups, per_group, per_block)).swapaxes(1, 2)  # (G, O/G*kh*kw, C/G)
    cols = (wg @ x.reshape((n, groups, per_group, h * w))).reshape((n, groups * per_block,
                                                                    h * w))
    pads = ((p[0], p[0] - op_[0]), (p[1], p[1] - op_[1]))
    out = Fold.apply(cols, output_size=size, kernel_size=tuple(k), dilation=d, padding=pads,
                     stride=s)
    if bias is not None:
        out = out + bias.reshape((out_channels, 1, 1))
    return out if batched else out.reshape(out.shape[1:])

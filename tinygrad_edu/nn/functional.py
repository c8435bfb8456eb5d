"""Stateless functions behind the layers and losses: ``import tinygrad_edu.nn.functional as F``.

Shapes use PyTorch's conventions: N samples, C classes, the class axis is 1 (0 for a
single unbatched sample).  Every loss takes ``reduction='mean' | 'sum' | 'none'`` and
refuses an input and a target of different shapes instead of broadcasting them (an (N, 1)
output against an (N,) target would otherwise compare every pair, N^2 terms).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import ops
from ..autograd import mark_changed
from ..errors import DTypeError, ShapeError
from ..ops import pad as _pad
from ..ops import pool
from ..ops.conv import conv1d as conv1d  # convolutions: im2col (unfold) + one matmul
from ..ops.conv import conv2d as conv2d
from ..ops.conv import conv_transpose2d as conv_transpose2d
from ..ops.conv import fold as fold
from ..ops.conv import unfold as unfold
from ..ops.dims import along
from ..ops.pool import IntPair
from ..random import GeneratorLike, numpy_rng
from ..tensor import Tensor, _wrap, as_array
from .fused import BCEWithLogitsFunction, CrossEntropyFunction, LinearFunction

Target = Tensor | np.ndarray | Any


# ----------------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input (..., in) @ weight^T (weight (out, in)) + bias (out,) -> (..., out)."""
    if bias is None:
        return LinearFunction.apply(input, weight)
    return LinearFunction.apply(input, weight, bias)


def _check_probability(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(input: Tensor, p: float, shape: tuple[int, ...],
                  generator: GeneratorLike) -> np.ndarray:
    """A mask of ``shape`` (broadcasting to the input's): 0 with probability p, else
    1 / (1 - p), in the input's dtype."""
    if p == 1:
        return np.zeros(shape, dtype=input.dtype)
    keep = (numpy_rng(generator).random(shape) >= p).astype(input.dtype)
    keep /= 1 - p
    return keep


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            *, generator: GeneratorLike = None) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the
    rest by 1 / (1 - p), so the expectation is unchanged; the identity otherwise.
    ``inplace`` multiplies the input itself (PyTorch's signature).

    The mask is drawn from ``generator`` (default: the global one, ``manual_seed``).
    """
    _check_probability(p)
    if not training or p == 0:
        return input
    mask = _dropout_mask(input, p, input.shape, generator)
    return input.mul_(mask) if inplace else input * mask


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              *, generator: GeneratorLike = None) -> Tensor:
    """Channel dropout for (N, C, H, W) or (C, H, W) inputs: in training, zero whole channels
    (one draw per (n, c): mask of shape (N, C, 1, 1)) with probability p and scale the rest
    by 1 / (1 - p); the identity otherwise.  ``inplace`` multiplies the input itself.

    As PyTorch, a 3-D input is taken as (N, C, L) with a warning (one draw per (n, c)), and
    other ranks are deprecated (warning; one draw per entry of the first two axes)."""
    _check_probability(p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      f"deprecated and will result in an error in a future release. To retain "
                      f"the behavior and silence this warning, please use dropout instead. "
                      f"Note that dropout2d exists to provide channel-wise dropout on inputs "
                      f"with 2 spatial dimensions, a channel dimension, and an optional batch "
                      f"dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    if not training or p == 0:
        return input
    if input.ndim < 2:
        raise ShapeError(f"dropout2d: expected an input of shape (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    mask = _dropout_mask(input, p, input.shape[:2] + (1,) * (input.ndim - 2), generator)
    return input.mul_(mask) if inplace else input * mask


def max_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over windows of (N, C, H, W) or (C, H, W) inputs (see `ops.pool.max_pool2d`)."""
    return pool.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode,
                           return_indices)


def avg_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over windows of (N, C, H, W) or (C, H, W) inputs (see `ops.pool.avg_pool2d`)."""
    return pool.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                           divisor_override)


def adaptive_avg_pool2d(input: Tensor, output_size: IntPair | Sequence[int | None]) -> Tensor:
    """Mean over PyTorch's adaptive windows to ``output_size`` (see
    `ops.pool.adaptive_avg_pool2d`)."""
    return pool.adaptive_avg_pool2d(input, output_size)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad``: (left, right) for the last dim first; constant, reflect,
    replicate, circular; negative pads crop (see `ops.pad.pad`)."""
    return _pad.pad(input, pad, mode, value)


def layer_norm(input: Tensor, normalized_shape: tuple[int, ...] | list[int] | int,
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias over the last len(normalized_shape)
    axes (biased variance), x of shape (*, *normalized_shape)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or input.shape[input.ndim - k:] != shape:
        raise ShapeError(f"layer_norm: Given normalized_shape={list(shape)}, expected input "
                         f"with shape [*, {', '.join(map(str, shape))}], but got input of "
                         f"shape {tuple(input.shape)}")
    axes = tuple(range(-k, 0))
    d = input - ops.mean(input, axes, keepdims=True)
    y = d / ops.sqrt(ops.mean(d * d, axes, keepdims=True) + eps)
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Per-channel (axis 1) normalisation of (N, C, ...) inputs: with the batch's mean and
    biased variance when ``training`` (updating the running statistics in place, if given,
    by running = (1 - momentum) running + momentum batch, the variance unbiased), with the
    running statistics otherwise."""
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected an input of shape (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    axes = (0, *range(2, input.ndim))
    bshape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training:
        n = input.numel() // max(input.shape[1], 1)
        if n <= 1:
            raise ValueError(f"batch_norm: Expected more than 1 value per channel when "
                             f"training, got input of shape {tuple(input.shape)}")
        mean = ops.mean(input, axes, keepdims=True)
        d = input - mean
        var = ops.mean(d * d, axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            _update_running(running_mean, running_var, mean.data.reshape(-1),
                            var.data.reshape(-1) * (n / (n - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not "
                             "training")
        d = input - running_mean.data.reshape(bshape)  # buffers: constants, not recorded
        var = _wrap(running_var.data.reshape(bshape))
    y = d / ops.sqrt(var + eps)
    if weight is not None:
        y = y * weight.reshape(bshape)
    return y if bias is None else y + bias.reshape(bshape)


def _update_running(running_mean: Tensor, running_var: Tensor, mean: np.ndarray,
                    var: np.ndarray, momentum: float) -> None:
    """running = (1 - momentum) running + momentum batch, in place."""
    for buf, batch in ((running_mean, mean), (running_var, var)):
        np.copyto(buf.data, (1 - momentum) * buf.data + momentum * batch, casting="unsafe")
    mark_changed(running_mean, running_var)


def _embedding_indices(name: str, input: Tensor | np.ndarray, num_embeddings: int) -> np.ndarray:
    """``input``'s integer indices, all in [0, num_embeddings) (clear errors naming ``name``)."""
    idx = as_array(input.data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise DTypeError(f"{name}: expected integer indices (int64 or int32), got dtype "
                         f"{idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num_embeddings):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{name}: index {bad} is out of range for {num_embeddings} "
                         f"embeddings (valid: 0 to {num_embeddings - 1})")
    return idx


def _embedding_lookup(indices: np.ndarray, weight: Tensor, padding_idx: int | None) -> Tensor:
    """``weight[indices]``; the rows picked by ``padding_idx`` are constants (no gradient)."""
    out = ops.getitem(weight, indices)
    if padding_idx is not None:
        pad = indices == padding_idx
        if pad.any():
            out = ops.where(~pad[..., None], out, weight.data[indices])
    return out


def embedding(input: Tensor | np.ndarray, weight: Tensor,
              padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num, dim) picked by integer ``input`` (*): (*, dim).  The
    gradient scatter-adds into the picked rows, except the row ``padding_idx``."""
    indices = _embedding_indices("embedding", input, weight.shape[0])
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return _embedding_lookup(indices, weight, padding_idx)


# ----------------------------------------------------------------------------- activations
# The elementwise activations are the ops themselves (no wrapper on the per-op path).
sigmoid, tanh, relu, leaky_relu = ops.sigmoid, ops.tanh, ops.relu, ops.leaky_relu
gelu, silu, mish, hardswish, softsign = ops.gelu, ops.silu, ops.mish, ops.hardswish, ops.softsign
elu, celu, selu, hardtanh = ops.elu, ops.celu, ops.selu, ops.hardtanh


def relu6(input: Tensor) -> Tensor:
    """min(max(x, 0), 6) (gradient 0 at 0 and 6, as PyTorch's)."""
    return ops.hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, x / 6 + 1/2 between."""
    return ops.hardtanh(input + 3, 0.0, 6.0) / 6


def logsigmoid(input: Tensor) -> Tensor:
    """log sigmoid(x) = -softplus(-x), finite and exact for any x (-x for x << 0)."""
    return -ops.softplus(-input)


def _dim(name: str, ndim: int, dim: int) -> int:
    """``dim`` as a non-negative axis of an ``ndim``-d tensor (PyTorch's IndexError
    otherwise)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{name}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n


def softmin(input: Tensor, dim: int) -> Tensor:
    """softmax(-x) along ``dim``."""
    return ops.softmax(-input, dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b), a and b the two halves of ``input`` along ``dim``
    (whose size must be even): (..., 2n, ...) -> (..., n, ...)."""
    if input.ndim == 0:
        raise ShapeError("glu: does not support 0-d tensors (scalars): the halved dimension "
                         "must have an even size")
    d = _dim("glu", input.ndim, dim)
    n = input.shape[d]
    if n % 2:
        raise ShapeError(f"glu: Halving dimension must be even, but dimension {d} is size {n} "
                         f"(input shape {input.shape})")
    return input[along(d, slice(0, n // 2))] * ops.sigmoid(input[along(d, slice(n // 2, None))])


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else w x, with one w (``weight`` of 1 element) or one per channel (axis 1;
    axis 0 of a 1-d input)."""
    k = weight.numel()
    if k == 1:
        w = weight.reshape(())
    else:
        axis = 1 if input.ndim >= 2 else 0
        if input.ndim == 0 or input.shape[axis] != k:
            channels = input.shape[axis] if input.ndim else "none (0-d input)"
            raise ShapeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                             f"Found parameter numbers = {k} and channel size = {channels} "
                             f"(input shape {input.shape}; channels on axis 1, or 0 for 1-d)")
        w = weight.reshape((k,) + (1,) * (input.ndim - axis - 1))
    return ops.where(input.data > 0, input, input * w)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    z = input if beta == 1 else input * beta
    sp = ops.softplus(z) if beta == 1 else ops.softplus(z) / beta
    return ops.where(z.data > threshold, input, sp)


def softmax(input: Tensor, dim: int) -> Tensor:
    """e^x / sum(e^x) along ``dim``."""
    return ops.softmax(input, dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """x - logsumexp(x) along ``dim``."""
    return ops.log_softmax(input, dim)


# ----------------------------------------------------------------------------- loss helpers
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """The elementwise/per-sample ``loss`` averaged, summed or returned as is."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction!r} is not a valid value for reduction; "
                     f"expected 'mean', 'sum' or 'none'")


def _same_shape_target(name: str, input: Tensor, target: Target) -> Tensor:
    """``target`` as a floating Tensor of exactly ``input``'s shape (clear error otherwise)."""
    if not isinstance(target, Tensor) or target.dtype.kind != "f":
        data = target.data if isinstance(target, Tensor) else target
        target = Tensor(np.asarray(data), dtype=input.dtype)
    if target.shape != input.shape:
        raise ShapeError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ. "
            f"Losses do not broadcast (an (N, 1) input against an (N,) target would compare "
            f"every pair); reshape one of them, e.g. output.reshape(-1) or target.reshape(-1, 1)")
    return target


def _class_axis(input: Tensor) -> int:
    return 1 if input.ndim >= 2 else 0


def _check_scores(name: str, input: Tensor) -> None:
    """Class scores: floating, with a class axis ((C,) or (N, C, ...))."""
    data = input.data if isinstance(input, Tensor) else None
    if data is not None and data.ndim and data.dtype.kind == "f":
        return
    if data is None:
        raise TypeError(f"{name}: input must be a Tensor of class scores, got "
                        f"{type(input).__name__}")
    if input.ndim == 0:
        raise ShapeError(f"{name}: input must have a class axis: shape (C,) or (N, C, ...), "
                         f"got a 0-d tensor")
    if input.dtype.kind != "f":
        raise DTypeError(f"{name}: input must be floating-point scores, got dtype "
                         f"{input.dtype}; convert with .float() or .double()")


def _class_indices(name: str, input: Tensor, target: Target,
                   ignore_index: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer class indices of shape input.shape without the class axis, each in range or
    equal to ``ignore_index``; and the mask of the ignored ones (None if there are none)."""
    t = as_array(target.data if isinstance(target, Tensor) else target)
    shape = input.shape
    axis = _class_axis(input)
    expected = shape[:axis] + shape[axis + 1:]
    if t.dtype.kind not in "iu":
        raise DTypeError(f"{name}: class-index targets must be integers, got dtype {t.dtype}")
    if t.shape != expected:
        raise ShapeError(f"{name}: input shape {shape} needs class indices of shape "
                         f"{expected}, got target shape {t.shape}")
    if not t.dtype.isnative:
        t = t.astype(t.dtype.newbyteorder("="))
    n_classes = shape[axis]
    # one reduction: seen as unsigned, a negative index is larger than any class count
    if t.size and np.maximum.reduce(t.view(_UNSIGNED[t.dtype.itemsize]), axis=None) >= n_classes:
        ignored = t == ignore_index if ignore_index is not None else np.zeros(t.shape, bool)
        kept = t[~ignored]
        bad = kept[(kept < 0) | (kept >= n_classes)]
        if bad.size:
            raise IndexError(f"{name}: target {bad.min() if bad.min() < 0 else bad.max()} is "
                             f"out of bounds for {n_classes} classes")
        return t, ignored
    if ignore_index is not None and 0 <= ignore_index < n_classes:  # a class is ignored
        ignored = t == ignore_index
        return t, ignored if ignored.any() else None
    return t, None


_UNSIGNED = {n: np.dtype(f"u{n}") for n in (1, 2, 4, 8)}  # by itemsize


def _class_weights(name: str, input: Tensor, weight: Target | None) -> np.ndarray | None:
    """``weight`` as an array of one weight per class (C,) in input's dtype."""
    if weight is None:
        return None
    if isinstance(weight, str):
        raise TypeError(f"{name}: weight must be a tensor of class weights, got the string "
                        f"{weight!r}; pass reduction= by keyword (PyTorch's order: input, "
                        f"target, weight, ...)")
    w = as_array(weight.data if isinstance(weight, Tensor) else weight).astype(
        input.dtype, copy=False)
    n_classes = input.shape[_class_axis(input)]
    if w.shape != (n_classes,):
        raise ShapeError(f"{name}: weight must hold one weight per class, shape "
                         f"({n_classes},), got shape {w.shape}")
    return w


def _index_distribution(name: str, input: Tensor, target: Target, weight: np.ndarray | None,
                        ignore_index: int, smoothing: float) -> tuple[np.ndarray, Any]:
    """For class-index targets y: the weighted target distribution q, input's shape, with
    q_nc = w_c ((1 - smoothing) [c = y_n] + smoothing / C), 0 for ignored n, and the
    'mean' denominator sum_n w_(y_n) over the kept n (PyTorch's weighted mean)."""
    t, ignored = _class_indices(name, input, target, ignore_index)
    axis = _class_axis(input)
    n_classes = input.shape[axis]
    keep = None if ignored is None else ~ignored
    safe = t if keep is None else np.where(keep, t, 0)
    q = np.zeros_like(input.data)
    np.put_along_axis(q, np.expand_dims(safe, axis), 1 - smoothing, axis)
    if smoothing:
        q += smoothing / n_classes
    # weight[safe], written so that NumPy dispatches on the indices too (a traced target)
    w_y = (np.ones(t.shape, input.dtype) if weight is None
           else np.take_along_axis(weight, safe.reshape(-1), axis=0).reshape(safe.shape))
    if weight is not None:
        q *= weight.reshape((n_classes,) + (1,) * (input.ndim - axis - 1))
    if keep is not None:
        q *= np.expand_dims(keep, axis)
        w_y = w_y * keep
    return q, w_y.sum()  # an array, not float(): a compiled step recomputes it


def _weighted_mean(total: Tensor, denominator: Any) -> Tensor:
    """total / denominator; NaN (no warning) when nothing is counted, as PyTorch."""
    return total / denominator if denominator else total * np.nan


def _clamped_log(x: Tensor) -> Tensor:
    """max(log x, -100) for x in [0, 1], without log(0) warnings; gradient 0 where clamped."""
    tiny = float(np.finfo(x.dtype).smallest_subnormal)  # log(tiny) < -100: clamped below
    return ops.clip(ops.log(ops.clip(x, min=tiny)), min=-100.0)


# ----------------------------------------------------------------------------- losses
def mse_loss(input: Tensor, target: Target, reduction: str = "mean") -> Tensor:
    """(input - target)^2, reduced."""
    d = input - _same_shape_target("mse_loss", input, target)
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target: Target, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced."""
    return _reduce(ops.abs(input - _same_shape_target("l1_loss", input, target)), reduction)


def binary_cross_entropy(input: Tensor, target: Target, weight: Target | None = None,
                         reduction: str = "mean") -> Tensor:
    """-weight (t log p + (1 - t) log(1 - p)) for probabilities p = ``input`` in [0, 1].

    Each log is clamped at -100 as PyTorch does, so p = 0 or 1 gives a finite loss.  The
    gradient is the derivative of this clamped expression: 0 where a log is clamped, where
    PyTorch's hand-written backward gives (p - t) / max(p (1 - p), 1e-12) instead (after a
    sigmoid both vanish, as sigmoid' = p (1 - p) = 0 there).  For logits use
    `binary_cross_entropy_with_logits`, which is exact for any logit.
    """
    t = _same_shape_target("binary_cross_entropy", input, target)
    p = input.data
    if p.size and not (p.min() >= 0 and p.max() <= 1):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 "
                         "and 1 (probabilities); for logits use "
                         "binary_cross_entropy_with_logits")
    loss = -(t * _clamped_log(input) + (1 - t) * _clamped_log(1 - input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Target,
                                     weight: Target | None = None, reduction: str = "mean",
                                     pos_weight: Target | None = None) -> Tensor:
    """Binary cross-entropy of sigmoid(input) against ``target``, computed from the logits:
    max(x, 0) - x t + log(1 + e^-|x|), finite and exact for any x.

    ``pos_weight`` (broadcast over the last axis, e.g. one per class) multiplies the
    positive term: (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x).
    """
    t = _same_shape_target("binary_cross_entropy_with_logits", input, target)
    if pos_weight is None:
        loss = BCEWithLogitsFunction.apply(input, t)
    else:
        loss = BCEWithLogitsFunction.apply(input, t, pos_weight)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def cross_entropy(input: Tensor, target: Target, weight: Target | None = None, *,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """-sum_c q_c log softmax(input)_c per sample, for logits ``input`` (N, C, ...) or (C,).

    ``target`` holds class indices (integers, shape (N, ...)) or class probabilities
    (floats, input's shape).  With ``label_smoothing`` e, q = (1 - e) q + e / C; with
    ``weight`` (C,), q_c is scaled by weight_c.  Indices equal to ``ignore_index`` count
    for nothing.  'mean' is PyTorch's: for indices sum_n loss_n / sum_n weight_(y_n) over
    the kept samples (the plain mean without weight); for probabilities the mean over the
    samples (and any extra axes).
    """
    _check_scores("cross_entropy", input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], "
                         f"got {label_smoothing}")
    if reduction not in ("mean", "sum", "none"):
        _reduce(input, reduction)  # raises the error that names the valid values
    axis = _class_axis(input)
    w = None if weight is None else _class_weights("cross_entropy", input, weight)
    t = target.data if isinstance(target, Tensor) else as_array(target)
    if t.dtype.kind == "f":
        q = _same_shape_target("cross_entropy", input, target)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / input.shape[axis]
        if w is not None:
            q = q * w.reshape((-1,) + (1,) * (input.ndim - axis - 1))
        if q.requires_grad:
            return _reduce(-(ops.log_softmax(input, axis) * q).sum(axis=axis), reduction)
        return CrossEntropyFunction.apply(input, q.data, axis=axis, reduction=reduction)
    if t.dtype.kind not in "iu":
        raise DTypeError(f"cross_entropy: target must hold class indices (integers, shape "
                         f"{input.shape[:axis] + input.shape[axis + 1:]}) or class "
                         f"probabilities (floating, shape {input.shape}); got dtype {t.dtype}")
    if w is None and not label_smoothing:
        indices, ignored = _class_indices("cross_entropy", input, t, ignore_index)
        if ignored is None:  # the fast path: no one-hot array
            return CrossEntropyFunction.apply(input, indices, axis=axis, reduction=reduction)
    dist, denominator = _index_distribution("cross_entropy", input, t, w, ignore_index,
                                            label_smoothing)
    if reduction != "mean":
        return CrossEntropyFunction.apply(input, dist, axis=axis, reduction=reduction)
    total = CrossEntropyFunction.apply(input, dist, axis=axis, reduction="sum")
    return _weighted_mean(total, denominator)


def nll_loss(input: Tensor, target: Target, weight: Target | None = None, *,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """-weight_(y_n) input[n, y_n] for log-probabilities ``input`` (N, C, ...) or (C,) and
    class indices ``target`` (N, ...); indices equal to ``ignore_index`` count for nothing;
    'mean' is sum_n loss_n / sum_n weight_(y_n) over the kept samples, as PyTorch."""
    _check_scores("nll_loss", input)
    w = _class_weights("nll_loss", input, weight)
    q, denominator = _index_distribution("nll_loss", input, target, w, ignore_index, 0.0)
    loss = -(input * q).sum(axis=_class_axis(input))
    if reduction == "mean":
        return _weighted_mean(loss.sum(), denominator)
    return _reduce(loss, reduction)


def _piecewise_quadratic(name: str, input: Tensor, target: Target, k: float) -> Tensor:
    """d^2 / 2 where |d| < k, k (|d| - k / 2) elsewhere (d = input - target): smooth, the
    two pieces meet with equal slope at |d| = k."""
    d = input - _same_shape_target(name, input, target)
    a = ops.abs(d)
    return ops.where(a.data < k, d * d * 0.5, (a - k / 2) * k)


def huber_loss(input: Tensor, target: Target, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """0.5 d^2 if |d| < delta else delta (|d| - delta / 2), d = input - target, reduced."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _reduce(_piecewise_quadratic("huber_loss", input, target, delta), reduction)


def smooth_l1_loss(input: Tensor, target: Target, reduction: str = "mean", *,
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta if |d| < beta else |d| - beta / 2 (the L1 loss for beta = 0), reduced:
    huber_loss / beta."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    return _reduce(_piecewise_quadratic("smooth_l1_loss", input, target, beta) / beta,
                   reduction)


def kl_div(input: Tensor, target: Target, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Pointwise KL divergence for log-probabilities ``input``: target (log target - input),
    0 where target = 0 (or exp(target) (target - input) with ``log_target``), reduced.

    'batchmean' divides the sum by the batch size input.shape[0] (the KL divergence per
    sample); 'mean' divides by the number of elements and warns, as PyTorch does.
    """
    t = _same_shape_target("kl_div", input, target)
    if log_target:
        loss = ops.exp(t) * (t - input)
    else:
        positive = t.data > 0
        log_t = ops.log(ops.where(positive, t, 1.0))
        loss = ops.where(positive, t * (log_t - input), 0.0)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                      "the support size.'batchmean' divides only by the batch size, and "
                      "aligns with the KL div math definition.'mean' will be changed to "
                      "behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    return _reduce(loss, reduction)


def _norm_at_least(x: Tensor, dim: int, eps: float) -> Tensor:
    """max(||x||_2 along dim, eps), as sqrt(max(sum x^2, eps^2)): no sqrt'(0)."""
    return ops.sqrt(ops.clip((x * x).sum(axis=dim), min=eps * eps))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / (max(||x1||, eps) max(||x2||, eps)) along ``dim`` (x1, x2 broadcast)."""
    x1, x2 = (x if isinstance(x, Tensor) else Tensor(np.asarray(x)) for x in (x1, x2))
    _dim("cosine_similarity", max(x1.ndim, x2.ndim), dim)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ShapeError(f"cosine_similarity: shapes {x1.shape} and {x2.shape} do not "
                         f"broadcast") from None
    x1, x2 = ops.broadcast_to(x1, shape), ops.broadcast_to(x2, shape)
    return (x1 * x2).sum(axis=dim) / (_norm_at_least(x1, dim, eps) * _norm_at_least(x2, dim, eps))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Target, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target = 1, max(0, cos(x1, x2) - margin) where target = -1
    (0 elsewhere); cos along the last axis of (N, D) or (D,) inputs, with PyTorch's 1e-12
    added to each squared norm."""
    if input1.shape != input2.shape or input1.ndim not in (1, 2):
        raise ShapeError(f"cosine_embedding_loss: expected two inputs of equal shape (N, D) "
                         f"or (D,), got {input1.shape} and {input2.shape}")
    y = as_array(target.data if isinstance(target, Tensor) else target)
    if y.shape != input1.shape[:-1]:
        raise ShapeError(f"cosine_embedding_loss: target must have shape "
                         f"{input1.shape[:-1]} (one +-1 per pair), got {y.shape}")
    dot = (input1 * input2).sum(axis=-1)
    sq1, sq2 = (input1 * input1).sum(axis=-1) + 1e-12, (input2 * input2).sum(axis=-1) + 1e-12
    cos = dot / ops.sqrt(sq1 * sq2)
    loss = ops.where(y == 1, 1 - cos, ops.where(y == -1, ops.clip(cos - margin, min=0), 0.0))
    return _reduce(loss, reduction)

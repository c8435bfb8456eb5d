"""Stateless functions behind the layers and losses: ``import tinygrad_edu.nn.functional as F``.

Shapes use PyTorch's conventions: N samples, C classes, the class axis is 1 (0 for a
single unbatched sample).  Every loss takes ``reduction='mean' | 'sum' | 'none'`` and
refuses an input and a target of different shapes instead of broadcasting them (an (N, 1)
output against an (N,) target would otherwise compare every pair, N^2 terms).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..autograd import mark_changed
from ..errors import DTypeError, ShapeError
from ..random import default_generator
from ..tensor import Tensor
from .fused import BCEWithLogitsFunction, CrossEntropyFunction, LinearFunction

Target = Tensor | np.ndarray | Any


# ----------------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input (..., in) @ weight^T (weight (out, in)) + bias (out,) -> (..., out)."""
    if bias is None:
        return LinearFunction.apply(input, weight)
    return LinearFunction.apply(input, weight, bias)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            generator: np.random.Generator | None = None) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the
    rest by 1 / (1 - p), so the expectation is unchanged; the identity otherwise.

    The mask is drawn from ``generator`` (default: the global one, ``manual_seed``).
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * np.zeros(input.shape, dtype=input.dtype)
    gen = default_generator() if generator is None else generator
    keep = (gen.random(input.shape) >= p).astype(input.dtype)
    keep /= 1 - p
    return input * keep


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
        d = input - running_mean.data.reshape(bshape)
        var = running_var.data.reshape(bshape)
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


def embedding_indices(name: str, input: Tensor | np.ndarray, num_embeddings: int) -> np.ndarray:
    """``input``'s integer indices, all in [0, num_embeddings) (clear errors naming ``name``)."""
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise DTypeError(f"{name}: expected integer indices (int64 or int32), got dtype "
                         f"{idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num_embeddings):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{name}: index {bad} is out of range for {num_embeddings} "
                         f"embeddings (valid: 0 to {num_embeddings - 1})")
    return idx


def embedding_lookup(indices: np.ndarray, weight: Tensor, padding_idx: int | None) -> Tensor:
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
    indices = embedding_indices("embedding", input, weight.shape[0])
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return embedding_lookup(indices, weight, padding_idx)


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


def _dim(name: str, input: Tensor, dim: int) -> int:
    """``dim`` as a non-negative axis of ``input`` (PyTorch's IndexError otherwise)."""
    n = max(input.ndim, 1)
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
    d = _dim("glu", input, dim)
    n = input.shape[d]
    if n % 2:
        raise ShapeError(f"glu: Halving dimension must be even, but dimension {d} is size {n} "
                         f"(input shape {input.shape})")
    lead = (slice(None),) * d
    return input[(*lead, slice(0, n // 2))] * ops.sigmoid(input[(*lead, slice(n // 2, None))])


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
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} differ. "
            f"Losses do not broadcast (an (N, 1) input against an (N,) target would compare "
            f"every pair); reshape one of them, e.g. output.reshape(-1) or target.reshape(-1, 1)")
    return target


def _class_axis(input: Tensor) -> int:
    return 1 if input.ndim >= 2 else 0


def _class_indices(name: str, input: Tensor, target: Target) -> np.ndarray:
    """Integer class indices of shape input.shape without the class axis, all in range."""
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    shape = input.shape
    axis = _class_axis(input)
    expected = shape[:axis] + shape[axis + 1:]
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: class-index targets must be integers, got dtype {t.dtype}")
    if t.shape != expected:
        raise ValueError(f"{name}: input shape {shape} needs class indices of shape "
                         f"{expected}, got target shape {t.shape}")
    if not t.dtype.isnative:
        t = t.astype(t.dtype.newbyteorder("="))
    n_classes = shape[axis]
    # one reduction: seen as unsigned, a negative index is larger than any class count
    if t.size and np.maximum.reduce(t.view(_UNSIGNED[t.dtype.itemsize]), axis=None) >= n_classes:
        bad = t.min() if t.min() < 0 else t.max()
        raise IndexError(f"{name}: target {bad} is out of bounds for {n_classes} classes")
    return t


_UNSIGNED = {n: np.dtype(f"u{n}") for n in (1, 2, 4, 8)}  # by itemsize


def _one_hot(name: str, input: Tensor, target: Target) -> np.ndarray:
    """Class indices (input's shape without the class axis) -> a one-hot array like input."""
    t = _class_indices(name, input, target)
    axis = _class_axis(input)
    q = np.zeros(input.shape, input.dtype)
    np.put_along_axis(q, np.expand_dims(t, axis), 1, axis)
    return q


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


def cross_entropy(input: Tensor, target: Target, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """-sum_c q_c log softmax(input)_c per sample, for logits ``input`` (N, C, ...) or (C,).

    ``target`` holds class indices (integers, shape (N, ...)) or class probabilities
    (floats, input's shape).  With ``label_smoothing`` e, q = (1 - e) q + e / C.
    'mean' averages over the samples (and any extra axes), as PyTorch does.
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], "
                         f"got {label_smoothing}")
    axis = _class_axis(input)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind == "f":
        q = _same_shape_target("cross_entropy", input, target)
    elif label_smoothing:
        q = _one_hot("cross_entropy", input, t)
    else:
        q = _class_indices("cross_entropy", input, t)
    if label_smoothing:
        q = q * (1 - label_smoothing) + label_smoothing / input.shape[axis]
    if not (isinstance(q, Tensor) and q.requires_grad):
        if reduction not in ("mean", "sum", "none"):
            _reduce(input, reduction)  # raises the error that names the valid values
        return CrossEntropyFunction.apply(input, q.data if isinstance(q, Tensor) else q,
                                          axis=axis, reduction=reduction)
    return _reduce(-(ops.log_softmax(input, axis) * q).sum(axis=axis), reduction)


def nll_loss(input: Tensor, target: Target, reduction: str = "mean") -> Tensor:
    """-input[n, target[n]] for log-probabilities ``input`` (N, C, ...) or (C,) and class
    indices ``target`` (N, ...); 'mean' averages over the samples."""
    onehot = _one_hot("nll_loss", input, target)
    return _reduce(-(input * onehot).sum(axis=_class_axis(input)), reduction)

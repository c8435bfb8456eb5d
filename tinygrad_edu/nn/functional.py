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
from ..random import GeneratorLike, numpy_rng
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
            generator: GeneratorLike = None) -> Tensor:
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
    keep = (numpy_rng(generator).random(input.shape) >= p).astype(input.dtype)
    keep /= 1 - p
    return input * keep


# ----------------------------------------------------------------------------- activations
# The elementwise activations are the ops themselves (no wrapper on the per-op path).
sigmoid, tanh, relu, leaky_relu = ops.sigmoid, ops.tanh, ops.relu, ops.leaky_relu


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

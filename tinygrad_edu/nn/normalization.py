"""`LayerNorm`, `BatchNorm1d` and `BatchNorm2d`: PyTorch's arguments, parameters, buffers and
state-dict keys (``weight bias``; ``running_mean running_var num_batches_tracked``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from .module import Module
from .parameter import Parameter


def _affine(module: Module, shape: tuple[int, ...], dtype: np.dtype, weight: bool,
            bias: bool) -> None:
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape``, or None placeholders."""
    module.register_parameter("weight", Parameter(np.ones(shape, dtype)) if weight else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype)) if bias else None)


def _reset_affine(module: LayerNorm | _BatchNorm) -> None:
    """weight (if any) back to ones, bias (if any) to zeros."""
    for p, value in ((module.weight, 1), (module.bias, 0)):
        if p is not None:
            p.data[...] = value


class LayerNorm(Module):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last ``len(normalized_shape)``
    axes (var biased), for x of shape (*, *normalized_shape); ``weight`` (ones) and ``bias``
    (zeros) have shape ``normalized_shape`` (without ``elementwise_affine``: neither;
    ``bias=False``: no bias)."""

    weight: Parameter | None  # registered in __init__
    bias: Parameter | None

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        _affine(self, self.normalized_shape, dtype, elementwise_affine,
                elementwise_affine and bias)

    def reset_parameters(self) -> None:
        """weight back to ones, bias to zeros."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if input.shape[input.ndim - k:] != self.normalized_shape or input.ndim < k:
            raise ShapeError(f"{self!r}: expected input of shape (*, "
                             f"{', '.join(map(str, self.normalized_shape))}), got "
                             f"{tuple(input.shape)}")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class _BatchNorm(Module):
    """Batch normalisation per channel C (axis 1) of inputs whose rank is in ``ranks``.

    Training: (x - mean) / sqrt(var + eps) * weight + bias with the batch's mean and biased
    variance (over every axis but C); with ``track_running_stats`` the buffers are updated
    as PyTorch does: running = (1 - m) running + m batch, with the batch's *unbiased*
    variance, m = ``momentum`` or, if ``momentum=None``, 1 / num_batches_tracked (a
    cumulative average); ``num_batches_tracked`` (int64) counts the batches.  Eval mode
    uses the running statistics (the batch's if ``track_running_stats=False``).
    ``weight`` (ones) and ``bias`` (zeros) with ``affine`` (``bias=False``: no bias).
    """

    weight: Parameter | None  # registered in __init__
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None
    ranks: tuple[int, ...] = ()
    layout = ""  # the accepted shapes, for error messages

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        _affine(self, (num_features,), dtype, affine, affine and bias)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch counted."""
        for buffer, value in ((self.running_mean, 0), (self.running_var, 1),
                              (self.num_batches_tracked, 0)):
            if buffer is not None:  # None without track_running_stats
                buffer.data[...] = value

    def reset_parameters(self) -> None:
        """`reset_running_stats`, weight ones, bias zeros."""
        self.reset_running_stats()
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in self.ranks:
            raise ShapeError(f"{self!r}: expected {self.layout} input, got "
                             f"{input.ndim}D input of shape {tuple(input.shape)}")
        if input.shape[1] != self.num_features:
            raise ShapeError(f"{self!r}: input has {input.shape[1]} channels on axis 1 "
                             f"(shape {tuple(input.shape)}); expected {self.num_features}")
        use_batch = self.training or not self.track_running_stats
        momentum = self.momentum
        tracked = self.num_batches_tracked  # None without track_running_stats
        if self.training and self.track_running_stats and tracked is not None:
            tracked.data += 1
            if momentum is None:
                momentum = 1.0 / int(tracked.data)
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight,
                            self.bias, use_batch, 0.0 if momentum is None else momentum,
                            self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """`_BatchNorm` over (N, C) or (N, C, L) inputs (statistics over N, and L)."""

    ranks, layout = (2, 3), "2D (N, C) or 3D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """`_BatchNorm` over (N, C, H, W) inputs (statistics over N, H and W)."""

    ranks, layout = (4,), "4D (N, C, H, W)"

"""Pooling layers: `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d` (PyTorch's arguments,
defaults and reprs; no parameters, so nothing in the state dict)."""

from __future__ import annotations

from collections.abc import Sequence

from ..ops.pool import IntPair
from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Pool2d(Module):
    """The window arguments both poolings share; ``stride`` defaults to ``kernel_size``."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None, padding: IntPair,
                 ceil_mode: bool) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode


class MaxPool2d(_Pool2d):
    """Max over kernel_size windows of (N, C, H, W) or (C, H, W) inputs, every ``stride``
    (default: kernel_size) with -inf ``padding`` and ``dilation``; ``ceil_mode`` keeps a
    last partial window; ``return_indices`` also returns the argmax positions h*W + w."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None,
                 padding: IntPair = 0, dilation: IntPair = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = dilation
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding,
                            self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class AvgPool2d(_Pool2d):
    """Mean over kernel_size windows of (N, C, H, W) or (C, H, W) inputs, every ``stride``
    (default: kernel_size) with zero ``padding``; the divisor counts the padding
    (``count_include_pad``) or not, or is ``divisor_override``."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None,
                 padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                            self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Mean over adaptive windows to ``output_size`` (an int, or (H_out, W_out) where None
    keeps the input's size), whatever the input's H and W."""

    def __init__(self, output_size: IntPair | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

"""Convolution layers with PyTorch's arguments, weight layouts, default initialisation,
repr and state-dict keys: `Conv1d`, `Conv2d`, `ConvTranspose2d` (maths in
``tinygrad_edu/ops/conv.py``: im2col and one matrix product).

``padding_mode`` 'reflect', 'replicate' or 'circular' pads the input with ``F.pad``'s mode
of that name and convolves without padding, as PyTorch does ('zeros': the convolution pads);
a transposed convolution takes 'zeros' only, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..device import as_device
from ..ops import conv as C
from ..ops import pad as P
from ..tensor import Tensor, get_default_dtype
from . import init
from .module import Module
from .parameter import Parameter

_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolution layers share: argument checks, parameters, init, repr.

    ``weight`` is (out_channels, in_channels/groups, *kernel_size) for a convolution and
    (in_channels, out_channels/groups, *kernel_size) for a transposed one, as in PyTorch;
    both it and ``bias`` (out_channels,) are drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    (PyTorch's ``kaiming_uniform_(a=sqrt(5))``; fan_in = weight.shape[1] * kernel area).
    """

    transposed = False
    nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: C.IntOrTuple,
                 stride: C.IntOrTuple = 1, padding: C.IntOrTuple | str = 0,
                 dilation: C.IntOrTuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        as_device(device, name)
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer (got {groups!r})")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups "
                             f"(in_channels={in_channels}, groups={groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups "
                             f"(out_channels={out_channels}, groups={groups})")
        self.stride = C._ints(name, "stride", stride, self.nd)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: Invalid padding string {padding!r}, should be one "
                                 f"of {{'valid', 'same'}}")
            if padding == "same" and max(self.stride) > 1:
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = C._ints(name, "padding", padding, self.nd)
        if padding_mode not in _MODES:
            raise ValueError(f"{name}: padding_mode must be one of {set(_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = C._ints(name, "kernel_size", kernel_size, self.nd)
        self.dilation = C._ints(name, "dilation", dilation, self.nd)
        self._mode_pads = _mode_pads(self.padding, self.kernel_size, self.dilation)
        self.output_padding = (0,) * self.nd   # a transposed convolution sets its own
        self.padding_mode = padding_mode
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        shape = (in_channels, out_channels // groups) if self.transposed \
            else (out_channels, in_channels // groups)
        self.weight = Parameter(np.empty((*shape, *self.kernel_size), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias from PyTorch's default distribution."""
        init._reset_layer(self.weight, self.bias)

    def _padded(self, input: Tensor) -> tuple[Tensor, tuple[int, ...] | str]:
        """The input and the padding the convolution adds: with ``padding_mode`` 'zeros'
        the input as it is and ``padding``; otherwise the input padded in that mode and
        nothing more."""
        if self.padding_mode == "zeros":
            return input, self.padding
        return P.pad(input, self._mode_pads, self.padding_mode), (0,) * self.nd

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution layer: (N, in_channels, L) or (in_channels, L) ->
    (N, out_channels, Lo); weight (out_channels, in_channels/groups, k)."""

    nd = 1

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._padded(input)
        return C.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    """2-D convolution layer: (N, in_channels, H, W) or (in_channels, H, W) ->
    (N, out_channels, Ho, Wo); weight (out_channels, in_channels/groups, kh, kw)."""

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._padded(input)
        return C.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution layer (conv2d's adjoint, "upsampling" convolution):
    (N, in_channels, H, W) -> (N, out_channels, Ho, Wo) with
    Ho = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1;
    weight (in_channels, out_channels/groups, kh, kw)."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: C.IntOrTuple,
                 stride: C.IntOrTuple = 1, padding: C.IntOrTuple = 0,
                 output_padding: C.IntOrTuple = 0, groups: int = 1, bias: bool = True,
                 dilation: C.IntOrTuple = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__} (got {padding_mode!r})")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)
        self.output_padding = C._ints(type(self).__name__, "output_padding", output_padding,
                                      self.nd)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """``output_size`` ((H, W), or with the batch and channel sizes in front) picks
        one of the ``stride`` output sizes that fit the input, as PyTorch: it sets the
        output padding for this call."""
        padding = C._int_padding("conv_transpose2d", self.padding)  # no 'same'/'valid'
        output_padding = self.output_padding if output_size is None \
            else self._output_padding(input, output_size, padding)
        return C.conv_transpose2d(input, self.weight, self.bias, self.stride, padding,
                                  output_padding, self.groups, self.dilation)

    def _output_padding(self, input: Tensor, output_size: Sequence[int],
                        padding: tuple[int, ...]) -> tuple[int, ...]:
        size = list(output_size)
        if len(size) == self.nd + 2 or (input.ndim == self.nd + 1 and len(size) == self.nd + 1):
            size = size[-self.nd:]
        if len(size) != self.nd:
            raise ValueError(f"{type(self).__name__}: for {input.ndim}D input, output_size "
                             f"must have {self.nd} or {input.ndim} elements (got {len(size)})")
        spatial = input.shape[-self.nd:]
        smallest = [(h - 1) * s - 2 * p + d * (k - 1) + 1 for h, s, p, d, k in zip(
            spatial, self.stride, padding, self.dilation, self.kernel_size)]
        largest = [m + s - 1 for m, s in zip(smallest, self.stride)]
        if any(not lo <= n <= hi for n, lo, hi in zip(size, smallest, largest)):
            raise ValueError(f"{type(self).__name__}: requested an output size of {size}, but "
                             f"valid sizes range from {smallest} to {largest} (for an input "
                             f"of {list(spatial)})")
        return tuple(n - lo for n, lo in zip(size, smallest))


def _mode_pads(padding: tuple[int, ...] | str, kernel: tuple[int, ...],
               dilation: tuple[int, ...]) -> tuple[int, ...]:
    """``padding`` as ``F.pad`` takes it, (left, right) for the last axis first: each side's
    width, or for 'same' dilation (k - 1) split with the odd one on the right (PyTorch's
    ``_reversed_padding_repeated_twice``); 'valid' pads nothing."""
    if padding == "valid":
        return (0, 0) * len(kernel)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple(p for t in reversed(totals) for p in (t // 2, t - t // 2))
    assert not isinstance(padding, str)
    return tuple(p for p in reversed(padding) for _ in range(2))

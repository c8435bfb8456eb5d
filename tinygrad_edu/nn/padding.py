"""Padding layers for (N, C, H, W) or (C, H, W) inputs: `ZeroPad2d`, `ConstantPad2d`,
`ReflectionPad2d`, `ReplicationPad2d` (PyTorch's arguments and reprs; ``padding`` is an int
or (left, right, top, bottom))."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Pad2d(Module):
    """Pads the last two axes by ``padding`` (stored as (left, right, top, bottom)) in
    ``mode`` (F.pad's)."""

    mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        # int as well: to type checkers an int is not a numbers.Integral
        if isinstance(padding, (int, numbers.Integral)):
            padding = (int(padding),) * 4
        if len(padding) != 4:
            raise ShapeError(f"{type(self).__name__}: padding must be an int or a 4-tuple "
                             f"(left, right, top, bottom), got {padding!r}")
        self.padding = tuple(padding)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad2d(_Pad2d):
    """Mirror padding without repeating the edge (each pad smaller than the axis)."""

    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """Padding that repeats the edge rows and columns."""

    mode = "replicate"


class ConstantPad2d(_Pad2d):
    """Padding with ``value``; negative pads crop."""

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ZeroPad2d(ConstantPad2d):
    """Padding with zeros; negative pads crop."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"

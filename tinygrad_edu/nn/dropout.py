"""`Dropout` and `Dropout2d` (whole channels): inverted dropout in training mode, the identity in
eval mode."""

from __future__ import annotations

from ..random import GeneratorLike
from ..tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` and scale the others by 1 / (1 - p) while
    ``training``; the identity after ``eval()``.  ``inplace`` overwrites the input.  Masks
    come from ``generator`` (an extension of PyTorch's signature), by default the global
    generator."""

    def __init__(self, p: float = 0.5, inplace: bool = False, *,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) or (C, H, W) inputs (one draw per (n, c)) with
    probability ``p`` and scale the others by 1 / (1 - p) while ``training``; the identity
    after ``eval()``.  ``inplace`` overwrites the input.  Masks come from ``generator``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace,
                           generator=self.generator)

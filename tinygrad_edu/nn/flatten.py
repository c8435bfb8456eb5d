"""`Flatten`: merge axes start_dim..end_dim, e.g. images (N, H, W) -> (N, H*W)."""

from __future__ import annotations

from .. import ops
from ..tensor import Tensor
from .module import Module


class Flatten(Module):
    """(N, d1, ..., dk) -> (N, d1 * ... * dk) with the defaults start_dim=1, end_dim=-1."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"

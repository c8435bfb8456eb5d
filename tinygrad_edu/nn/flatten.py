"""`Flatten`: merge axes start_dim..end_dim, e.g. images (N, H, W) -> (N, H*W); `Unflatten`:
split one axis into several, e.g. (N, 784) -> (N, 1, 28, 28)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import ops
from ..errors import ShapeError
from ..ops.dims import normalize_dim
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


class Unflatten(Module):
    """(*, d, *) -> (*, *unflattened_size, *) at axis ``dim``: the product of
    ``unflattened_size`` must be d (one entry may be -1, inferred)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        d = normalize_dim("Unflatten", self.dim, input.ndim)
        shape = tuple(input.shape)
        sizes = self.unflattened_size
        known = math.prod(n for n in sizes if n != -1)
        if (-1 not in sizes and known != shape[d]) or (-1 in sizes and (
                known == 0 or shape[d] % known)):
            raise ShapeError(f"{self!r}: unflattened_size {sizes} does not fit dimension {d} "
                             f"of size {shape[d]} (input shape {shape})")
        return input.reshape(shape[:d] + sizes + shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"

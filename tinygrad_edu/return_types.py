"""PyTorch's ``torch.return_types``: the named tuples that ``max(dim)``, ``sort``, ``topk``
... return, so that ``values, indices = x.max(1)`` and ``x.max(1).values`` both work."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .tensor import Tensor


class ValuesIndices(NamedTuple):
    """(values, indices): the base of the named tuples below (each repr names its own)."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"{__name__}.{type(self).__name__}(values={self.values!r}, " \
               f"indices={self.indices!r})"


class max(ValuesIndices):
    __slots__ = ()


class min(ValuesIndices):
    __slots__ = ()


class sort(ValuesIndices):
    __slots__ = ()


class topk(ValuesIndices):
    __slots__ = ()


class median(ValuesIndices):
    __slots__ = ()


class mode(ValuesIndices):
    __slots__ = ()


class kthvalue(ValuesIndices):
    __slots__ = ()


class aminmax(NamedTuple):
    """(min, max), as ``torch.return_types.aminmax``."""

    min: Tensor
    max: Tensor

    def __repr__(self) -> str:
        return f"{__name__}.aminmax(min={self.min!r}, max={self.max!r})"

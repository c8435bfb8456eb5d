"""`Parameter`: a leaf tensor that a `Module` registers as one of its weights."""

from __future__ import annotations

import numpy as np

from ..tensor import ArrayLike, Tensor, get_default_dtype


class Parameter(Tensor):
    """A `Tensor` that requires grad by default and is registered when assigned to a `Module`.

    ``Parameter(data=None, requires_grad=True)``: a Tensor's array is shared (as
    ``torch.nn.Parameter`` shares storage); other data follows `Tensor`'s rules.  Ops on a
    Parameter return plain Tensors.
    """

    def __init__(self, data: ArrayLike | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=get_default_dtype())
        if isinstance(data, Tensor):
            self.data = data.data
            if requires_grad:
                self.requires_grad_(True)
        else:
            super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

"""`Embedding`: a lookup table of vectors, PyTorch's layout (``weight`` (num, dim), N(0, 1))."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import mark_changed
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """``weight[input]``: integer indices of any shape (*) -> vectors (*, embedding_dim).

    The gradient of ``weight`` scatter-adds the upstream rows (repeated indices add up);
    the row ``padding_idx`` (zeros at first) gets no gradient, as in PyTorch.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: int | None = None, dtype: Any = None) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx ({padding_idx}) must be within "
                                 f"num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1) from the global generator, the padding row zeroed."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0
            mark_changed(self.weight)

    def forward(self, input: Tensor | np.ndarray) -> Tensor:
        indices = F._embedding_indices(repr(self), input, self.num_embeddings)
        return F._embedding_lookup(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"

"""Helpers on collections of parameters: flat vectors (PyTorch's names) and the L2 penalty."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .. import ops
from ..autograd import mark_changed
from ..tensor import Tensor
from .module import Module

Params = Module | Iterable[Tensor] | Iterable[tuple[str, Tensor]]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened (C order) and concatenated into one 1-D tensor.

    Like PyTorch's, the result is connected to the graph of the parameters.
    """
    return ops.cat([ops.reshape(p, -1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place (cast to each
    parameter's dtype).  PyTorch instead makes the parameters views of ``vec``."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.data.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector of {total} values "
                         f"(the parameters' total size), got shape {vec.shape}")
    start = 0
    for p in params:
        n = p.data.size
        np.copyto(p.data, vec.data[start:start + n].reshape(p.shape), casting="unsafe")
        mark_changed(p)
        start += n


def _is_bias(name: str) -> bool:
    return name.rsplit(".", 1)[-1].startswith("bias")


def l2_penalty(parameters: Params, lam: float, m: int, include_bias: bool = False) -> Tensor:
    """lam / (2 m) * sum of the squared weights: the L2 term of articles 000 and 003.

    ``parameters`` is a Module, its ``named_parameters()``, or bare tensors.  Biases (names
    whose last part starts with "bias") are left out unless ``include_bias``; bare tensors
    have no names, so they need ``include_bias=True``.  ``m`` is the number of training
    samples.  The gradient of the penalty is lam / m * w.
    """
    if m <= 0:
        raise ValueError(f"l2_penalty: m (the number of samples) must be positive, got {m}")
    items = list(parameters.named_parameters() if isinstance(parameters, Module)
                 else parameters)
    named = [it if isinstance(it, tuple) else (None, it) for it in items]
    if not include_bias and any(name is None for name, _ in named):
        raise ValueError("l2_penalty: cannot tell biases from weights among bare tensors; pass "
                         "the module or module.named_parameters(), or include_bias=True")
    weights = [p for name, p in named if include_bias or not _is_bias(name)]
    if not weights:
        raise ValueError("l2_penalty: no weights to penalise")
    total = (weights[0] * weights[0]).sum()
    for w in weights[1:]:
        total = total + (w * w).sum()
    return total * (lam / (2 * m))

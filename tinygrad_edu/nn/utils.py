"""Helpers on collections of parameters: flat vectors and gradient clipping (PyTorch's names),
and the L2 penalty."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .. import ops
from ..autograd import mark_changed
from ..tensor import Tensor, as_array, get_default_dtype
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


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all ``.grad``s in place by min(1, max_norm / (total + 1e-6)), total being the
    ``norm_type`` norm of all the gradients together (``inf``: the largest |g|); returns
    total as a 0-d tensor (in the gradients' dtype; 0.0 if there is none), as PyTorch."""
    grads = _grads(parameters)
    p = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=get_default_dtype()))
    dtype = grads[0].dtype
    # array arithmetic throughout (no float()): a compiled step recomputes the factor
    if p == math.inf:
        total = np.stack([np.max(np.abs(g.data), initial=0.0) for g in grads]).max()
    else:
        norms = np.stack([np.sum(np.abs(g.data.astype(np.float64)) ** p) for g in grads])
        total = np.sum(norms) ** (1 / p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {p} for gradients from `parameters` is "
                           f"non-finite, so it cannot be clipped. To disable this error and "
                           f"scale the gradients by the non-finite norm anyway, set "
                           f"`error_if_nonfinite=False`")
    coef = np.minimum(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g.data *= coef.astype(g.dtype)
    return Tensor(as_array(total).astype(dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every ``.grad`` in place to [-clip_value, clip_value]."""
    for g in _grads(parameters):
        np.clip(g.data, -clip_value, clip_value, out=g.data)

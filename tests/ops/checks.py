"""The one generic property check every differentiable op goes through: `check_op`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis.strategies import DataObject

import tinygrad_edu as tg
from tinygrad_edu.tools.gradcheck import gradcheck, gradgradcheck, numerical_jacobian

from .strategies import upstream as upstream_strategy

FORWARD_RTOL = 1e-10
FORWARD_ATOL = 1e-12


def leaves(arrays: Sequence[np.ndarray]) -> list[tg.Tensor]:
    """Fresh leaf tensors (own copies) that require grad."""
    return [tg.Tensor(np.array(a), requires_grad=True) for a in arrays]


def check_op(fn: Callable[..., tg.Tensor], inputs: Sequence[np.ndarray],
             upstream: DataObject | np.ndarray, ref: Callable[..., Any], *,
             eps: float = 1e-6) -> tg.Tensor:
    """Check op ``fn`` at ``inputs`` (float arrays; each becomes a leaf that requires grad).

    * forward: ``fn(*tensors)`` equals the NumPy computation ``ref(*arrays)`` (shape, dtype
      and values);
    * ``gradcheck`` and ``gradgradcheck`` pass with their default tolerances;
    * ``y.backward(G)`` for an upstream gradient G of y's shape (drawn from ``upstream``
      when it is Hypothesis' ``data``) gives every input a ``.grad`` of exactly its shape
      and dtype, equal to the numerical vector-Jacobian product J^T G.

    ``eps`` is the finite-difference step (the default is gradcheck's).  Returns ``y``.
    """
    arrays = [np.asarray(a) for a in inputs]
    xs = leaves(arrays)
    y = fn(*xs)
    want = np.asarray(ref(*(np.array(a) for a in arrays)))
    assert isinstance(y, tg.Tensor) and y.requires_grad
    assert y.shape == want.shape, f"shape {y.shape}, NumPy gives {want.shape}"
    assert y.dtype == want.dtype, f"dtype {y.dtype}, NumPy gives {want.dtype}"
    np.testing.assert_allclose(y.data, want, rtol=FORWARD_RTOL, atol=FORWARD_ATOL)

    g = upstream.draw(upstream_strategy(y.shape), label="upstream") \
        if isinstance(upstream, DataObject) else np.asarray(upstream)
    y.backward(g)
    (jac,) = numerical_jacobian(fn, leaves(arrays), eps=eps)
    g_seen = g.astype(y.dtype).astype(np.float64).ravel()  # backward casts G to y's dtype
    for i, (x, j) in enumerate(zip(xs, jac)):
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.shape == x.shape, f"input {i}: grad shape {x.grad.shape} != {x.shape}"
        assert x.grad.dtype == x.dtype, f"input {i}: grad dtype {x.grad.dtype} != {x.dtype}"
        np.testing.assert_allclose(x.grad.data.ravel(), j.T @ g_seen, rtol=1e-6, atol=1e-7,
                                   err_msg=f"input {i}: .grad != J^T G")

    assert gradcheck(fn, leaves(arrays), eps=eps)
    grad_outputs = tg.Tensor(np.array(g, dtype=np.float64), requires_grad=True)
    assert gradgradcheck(fn, leaves(arrays), grad_outputs=grad_outputs, eps=eps)
    return y

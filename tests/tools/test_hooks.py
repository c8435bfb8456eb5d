"""Tensor.register_hook from the user's side: watch, change and remove gradients in flight."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def leaf(*values: float) -> tg.Tensor:
    return tg.Tensor(np.array(values), requires_grad=True)


def test_inspect_the_gradient_of_an_intermediate():
    x = leaf(1.0, -2.0, 3.0)
    h = x * x                     # dh/dx = 2x
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))
    (h * 3.0).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0, 3.0])  # d loss / d h
    np.testing.assert_array_equal(x.grad.data, 3.0 * 2 * x.data)
    assert h.grad is None         # a hook does not retain the gradient


def test_change_gradients_in_flight_clip_and_zero_a_branch():
    x = leaf(1.0, 2.0)
    x.register_hook(lambda g: g.clip(-1.0, 1.0))  # gradient clipping on a parameter
    (x * 10.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])

    a = leaf(1.0)
    left, right = a * 2.0, a * 5.0
    right.register_hook(lambda g: g * 0.0)        # cut one path: only the left one counts
    (left + right).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [2.0])


def test_hooks_chain_in_registration_order_and_apply_before_accumulation():
    x = leaf(1.0)
    x.register_hook(lambda g: g + 1.0)
    x.register_hook(lambda g: g * 10.0)           # sees the first hook's result
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [30.0])
    (x * 2.0).sum().backward()                    # each backward: hooked, then accumulated
    np.testing.assert_array_equal(x.grad.data, [60.0])


def test_the_removal_handle():
    x = leaf(1.0, 2.0)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    (x * 1.0).sum().backward()
    handle.remove()
    handle.remove()                                # removing twice is harmless
    (x * 1.0).sum().backward()
    assert calls == [1]
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    with x.register_hook(lambda g: g * 0.0):       # a handle as a context manager
        (x * 1.0).sum().backward()
    (x * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_a_hook_may_not_change_the_dtype():
    x = leaf(1.0, 2.0)
    x.register_hook(lambda g: g.float())
    with pytest.raises(RuntimeError, match="float32 for a gradient of shape \\(2,\\) float64"):
        (x * 1.0).sum().backward()


def test_retained_grad_sees_the_hooked_gradient_and_errors():
    x = leaf(1.0, 2.0)
    h = x * 1.0
    h.retain_grad()
    h.register_hook(lambda g: g * 2.0)
    h.sum().backward()
    np.testing.assert_array_equal(h.grad.data, [2.0, 2.0])
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tg.Tensor(np.ones(2)).register_hook(lambda g: g)

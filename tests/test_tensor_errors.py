"""Tensor methods refuse what PyTorch refuses, with a message naming the method."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def test_numpy_of_a_tensor_that_requires_grad_raises():
    x = tg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"numpy\(\): .* requires grad; use tensor.detach"):
        x.numpy()
    assert x.detach().numpy() is x.data


def test_bool_of_a_tensor_with_several_elements_is_ambiguous():
    with pytest.raises(RuntimeError, match=r"Boolean value of a tensor of shape \(2,\)"):
        bool(tg.Tensor(np.ones(2)))
    assert bool(tg.Tensor(np.ones(1))) and not bool(tg.Tensor(np.zeros(())))


def test_retain_grad_on_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match=r"retain_grad\(\): .*requires_grad=False"):
        tg.Tensor(np.ones(2)).retain_grad()


def test_from_numpy_takes_only_ndarrays():
    with pytest.raises(TypeError, match=r"from_numpy: expected an np.ndarray, got list"):
        tg.from_numpy([1.0, 2.0])
    a = np.ones(2)
    assert tg.from_numpy(a).data is a

"""Linear (values, default init, fused op's first and second derivatives), Flatten,
Identity, and the activations as modules and functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

dims = st.integers(1, 4)


def _t(rng, *shape, grad=True):
    return tg.Tensor(rng.standard_normal(shape), requires_grad=grad)


def test_linear_matches_numpy_and_layout():
    tg.manual_seed(0)
    m = nn.Linear(4, 3)
    assert m.weight.shape == (3, 4) and m.bias.shape == (3,)
    assert m.weight.dtype == np.float32
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(m(tg.Tensor(x)).data, x @ m.weight.data.T + m.bias.data,
                               rtol=1e-6)
    assert nn.Linear(2, 2, dtype=np.float64).weight.dtype == np.float64


def test_linear_default_init_is_pytorchs_uniform():
    tg.manual_seed(0)
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (m.weight.data, m.bias.data):
        assert np.abs(p).max() <= bound
        assert np.abs(p).max() > 0.97 * bound
    # U(-b, b) has variance b^2 / 3
    assert abs(m.weight.data.var() - bound**2 / 3) < 0.02 * bound**2 / 3


def test_linear_uses_the_global_generator():
    tg.manual_seed(3)
    a = nn.Linear(3, 2).weight.data.copy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(3, 2).weight.data, a)


@given(batch=st.lists(dims, max_size=2), n_in=dims, n_out=dims, bias=st.booleans(),
       seed=st.integers(0, 2**16))
def test_linear_gradcheck_and_gradgradcheck(batch, n_in, n_out, bias, seed):
    rng = np.random.default_rng(seed)
    x = _t(rng, *batch, n_in)
    w = _t(rng, n_out, n_in)
    args = (x, w, _t(rng, n_out)) if bias else (x, w)
    assert tg.gradcheck(F.linear, args)
    assert tg.gradgradcheck(F.linear, args)


def test_linear_gradient_only_where_needed():
    rng = np.random.default_rng(0)
    x, w = _t(rng, 3, 2, grad=False), _t(rng, 4, 2)
    F.linear(x, w).sum().backward()
    np.testing.assert_allclose(w.grad.data, np.ones((3, 4)).T @ x.data)


def test_flatten_and_identity():
    x = tg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Identity(54, unused="x")(x) is x


ACTIVATIONS = [
    (nn.Sigmoid(), F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), F.tanh, np.tanh),
    (nn.ReLU(), F.relu, lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Softplus(), F.softplus, lambda x: np.log1p(np.exp(x))),
    (nn.Softplus(beta=2.0, threshold=3.0), lambda x: F.softplus(x, 2.0, 3.0),
     lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, 1),
     lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: F.log_softmax(x, 1),
     lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
]


@pytest.mark.parametrize("module, fn, ref", ACTIVATIONS,
                         ids=[repr(a[0]) for a in ACTIVATIONS])
def test_activation_values_and_gradients(module, fn, ref):
    rng = np.random.default_rng(1)
    x = tg.Tensor(rng.uniform(-3, 3, (4, 5)), requires_grad=True)
    np.testing.assert_allclose(module(x).data, ref(x.data), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fn(x).data, ref(x.data), rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(fn, (x,))

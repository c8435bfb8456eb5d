"""nn.utils: flat parameter vectors and the articles' L2 penalty."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
from tinygrad_edu.nn.utils import l2_penalty, parameters_to_vector, vector_to_parameters


def _net():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Sigmoid(),
                         nn.Linear(4, 2, dtype=np.float64))


def test_vector_round_trip_in_parameter_order():
    net = _net()
    vec = parameters_to_vector(net.parameters())
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    np.testing.assert_array_equal(vec.data[:12], net[0].weight.data.ravel())
    np.testing.assert_array_equal(vec.data[-2:], net[2].bias.data)
    arrays = [p.data for p in net.parameters()]
    vector_to_parameters(tg.Tensor(np.arange(vec.shape[0], dtype=np.float64)), net.parameters())
    assert all(p.data is a for p, a in zip(net.parameters(), arrays))  # copied in place
    np.testing.assert_array_equal(net[0].weight.data, np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(net[2].bias.data, [24.0, 25.0])


def test_parameters_to_vector_is_differentiable():
    net = _net()
    vec = parameters_to_vector(net.parameters())
    (vec * vec).sum().backward()
    np.testing.assert_allclose(net[0].weight.grad.data, 2 * net[0].weight.data)


def test_vector_to_parameters_errors():
    net = _net()
    with pytest.raises(TypeError, match="expected Tensor"):
        vector_to_parameters(np.zeros(26), net.parameters())
    with pytest.raises(ValueError, match="1-D vector of 26 values"):
        vector_to_parameters(tg.zeros(25), net.parameters())


def test_l2_penalty_is_the_articles_term_without_biases():
    net = _net()
    lam, m = 0.1, 50
    want = lam / (2 * m) * sum((net[i].weight.data ** 2).sum() for i in (0, 2))
    penalty = l2_penalty(net, lam, m)
    np.testing.assert_allclose(penalty.data, want, rtol=1e-12)
    np.testing.assert_allclose(l2_penalty(net.named_parameters(), lam, m).data, want,
                               rtol=1e-12)
    penalty.backward()
    np.testing.assert_allclose(net[0].weight.grad.data, lam / m * net[0].weight.data)
    assert net[0].bias.grad is None
    with_bias = want + lam / (2 * m) * sum((net[i].bias.data ** 2).sum() for i in (0, 2))
    np.testing.assert_allclose(l2_penalty(net, lam, m, include_bias=True).data, with_bias,
                               rtol=1e-12)
    np.testing.assert_allclose(l2_penalty(net.parameters(), lam, m, include_bias=True).data,
                               with_bias, rtol=1e-12)


def test_l2_penalty_errors():
    net = _net()
    with pytest.raises(ValueError, match="cannot tell biases from weights"):
        l2_penalty(net.parameters(), 0.1, 10)
    with pytest.raises(ValueError, match="must be positive"):
        l2_penalty(net, 0.1, 0)
    with pytest.raises(ValueError, match="no weights"):
        l2_penalty([("bias", net[0].bias)], 0.1, 10)

"""The shared NumPy pieces: stable where the articles' literal formulas overflow or take log(0)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinygrad_edu.reference import _common

moderate = arrays(np.float64, st.integers(1, 8), elements=st.floats(-30, 30))
small = arrays(np.float64, st.integers(1, 8), elements=st.floats(-10, 10))
anything = arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e300, 1e300))


@given(moderate)
def test_sigmoid_is_the_logistic_function(z):
    np.testing.assert_allclose(_common.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)


@given(anything)
def test_sigmoid_and_cross_entropy_never_overflow(z):
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        s = _common.sigmoid(z)
        loss = _common.binary_cross_entropy_with_logits(z, np.ones_like(z))
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.isfinite(loss))


@given(small, st.floats(0, 1))
def test_binary_cross_entropy_is_the_articles_expression(z, y):
    """Away from saturation, where the literal form keeps its digits."""
    h = 1 / (1 + np.exp(-z))
    literal = -(y * np.log(h) + (1 - y) * np.log(1 - h))
    np.testing.assert_allclose(_common.binary_cross_entropy_with_logits(z, y), literal,
                               rtol=1e-9, atol=1e-12)


def test_binary_cross_entropy_stays_finite_where_the_literal_form_is_inf():
    z, y = np.array([40.0]), np.array([0.0])  # g(40) rounds to 1: log(1 - h) = -inf
    np.testing.assert_allclose(_common.binary_cross_entropy_with_logits(z, y), 40.0, rtol=1e-15)


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
              elements=st.floats(-1e3, 1e3)), st.sampled_from([0, 1]))
def test_softmax_and_log_softmax(z, axis):
    p = _common.softmax(z, axis)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-14)
    shifted = z - z.max(axis=axis, keepdims=True)
    np.testing.assert_allclose(p, np.exp(shifted) / np.exp(shifted).sum(axis=axis, keepdims=True),
                               rtol=1e-12, atol=1e-300)


@given(moderate)
def test_relu_and_its_derivative(z):
    before = z.copy()
    np.testing.assert_array_equal(_common.relu(z), np.where(z > 0, z, 0.0))
    np.testing.assert_array_equal(z, before)  # unlike the article-002 np.maximum(z, 0, z)
    np.testing.assert_array_equal(_common.relu_prime(z), (z > 0).astype(np.float64))


def test_prepend_ones():
    np.testing.assert_array_equal(_common.prepend_ones(np.array([[2.0, 3.0], [4.0, 5.0]])),
                                  [[1.0, 2.0, 3.0], [1.0, 4.0, 5.0]])

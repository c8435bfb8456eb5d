"""Article 000 (Semeion, sigmoid 256-30-20-10, bias column): gradients, layout, the prose rule."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from tinygrad_edu.reference import semeion_000 as ref

from .cases import semeion_000_case
from .helpers import (
    LITERAL_RTOL,
    assert_close_all,
    assume_unsaturated,
    batch_sizes,
    central_differences,
    lambdas,
    lambdas_or_zero,
    layer_sizes,
    seeds,
)


def test_init_params_article_scheme():
    thetas = ref.init_params(np.random.default_rng(1))
    assert [t.shape for t in thetas] == [(30, 257), (20, 31), (10, 21)]
    assert all(t.dtype == np.float64 and t.min() >= -1 and t.max() < 1 for t in thetas)


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds, lambdas)
def test_cost_is_the_articles_formula(sizes, m, seed, lambd):
    thetas, X, Y = semeion_000_case(sizes, m, seed)
    a = X
    for theta in thetas:  # the article's loop, written out again
        a = 1 / (1 + np.exp(-np.hstack([np.ones((m, 1)), a]) @ theta.T))
    assume_unsaturated(a)
    literal = (-np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / m
               + lambd / (2 * m) * sum(np.sum(t[:, 1:] ** 2) for t in thetas))
    np.testing.assert_allclose(ref.forward(thetas, X), a, rtol=1e-13)
    np.testing.assert_allclose(ref.cost(thetas, X, Y, lambd), literal, rtol=LITERAL_RTOL)


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds, lambdas_or_zero)
def test_backprop_matches_central_differences(sizes, m, seed, lambd):
    thetas, X, Y = semeion_000_case(sizes, m, seed)
    expected = central_differences(lambda: ref.cost(thetas, X, Y, lambd), thetas)
    assert_close_all(ref.backprop(thetas, X, Y, lambd), expected)


@settings(deadline=None)
@given(layer_sizes(min_weights=2), batch_sizes, seeds, lambdas)
def test_prose_rule_is_off_by_exactly_the_misplaced_penalty(sizes, m, seed, lambd):
    """Text: (1/m)Delta for the output layer, (1/m)Delta + (lambda/m)theta for hidden ones."""
    thetas, X, Y = semeion_000_case(sizes, m, seed)
    prose = ref.backprop_prose(thetas, X, Y, lambd)
    correct = ref.backprop(thetas, X, Y, lambd)
    hidden, out = slice(None, -1), -1
    for p, c, t in zip(prose[hidden], correct[hidden], thetas[hidden]):
        # hidden layers: the bias column 0 carries an extra (lambda/m) theta[:, 0] ...
        np.testing.assert_allclose(p[:, 0] - c[:, 0], lambd / m * t[:, 0], rtol=1e-9, atol=0)
        np.testing.assert_array_equal(p[:, 1:], c[:, 1:])  # ... and nothing else differs
    # output layer: the weight columns 1: lack (lambda/m) theta[:, 1:]; the bias is right
    np.testing.assert_allclose(correct[out][:, 1:] - prose[out][:, 1:],
                               lambd / m * thetas[out][:, 1:], rtol=1e-9, atol=0)
    np.testing.assert_array_equal(prose[out][:, 0], correct[out][:, 0])
    assert_close_all(ref.backprop_prose(thetas, X, Y, 0.0), ref.backprop(thetas, X, Y, 0.0),
                     rtol=0, atol=0)


@settings(deadline=None)
@given(layer_sizes(), seeds)
def test_linear_round_trip_is_exact(sizes, seed):
    thetas, X, _ = semeion_000_case(sizes, 3, seed)
    layers = ref.to_linear(thetas)
    assert_close_all(ref.from_linear(layers), thetas, rtol=0, atol=0)
    assert_close_all([a for layer in ref.to_linear(ref.from_linear(layers)) for a in layer],
                     [a for layer in layers for a in layer], rtol=0, atol=0)
    a = X  # and the Linear layout computes the same network
    for weight, bias in layers:
        a = 1 / (1 + np.exp(-(a @ weight.T + bias)))
    np.testing.assert_allclose(a, ref.forward(thetas, X), rtol=1e-13)

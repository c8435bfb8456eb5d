"""Article 003 (ex4 digits, sigmoid net, bias row, flat theta for TNC): the cost without
lambda, the regularised bias rows, and the jac that is not the gradient of the fun."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from tinygrad_edu.reference import ng_003 as ref

from .cases import ng_003_bias_rows, ng_003_case
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


def test_layout_and_init():
    sizes = (400, 25, 10)
    theta = ref.init_params(np.random.default_rng(1), sizes)
    assert ref.layer_shapes(sizes) == [(401, 25), (26, 10)]
    assert theta.shape == (401 * 25 + 26 * 10,)
    thetas = ref.unflatten(theta, sizes)
    assert [t.shape for t in thetas] == [(401, 25), (26, 10)]
    assert np.shares_memory(thetas[1], theta)
    np.testing.assert_array_equal(ref.flatten(thetas), theta)


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds, lambdas)
def test_costs_are_the_articles_formulas(sizes, m, seed, lambd):
    theta, X, Y = ng_003_case(sizes, m, seed)
    layer = X
    for t in ref.unflatten(theta, sizes):  # the article's forward pass, written out again
        layer = 1 / (1 + np.exp(-(np.hstack([np.ones((m, 1)), layer]) @ t)))
    assume_unsaturated(layer)
    data = np.sum(Y * np.log(layer) + (1 - Y) * np.log(1 - layer)) / -m
    squares = sum(np.sum(t[1:] ** 2) for t in ref.unflatten(theta, sizes)) / (2 * m)
    np.testing.assert_allclose(ref.forward(theta, sizes, X), layer, rtol=1e-13)
    np.testing.assert_allclose(ref.cost(theta, sizes, X, Y, lambd), data + lambd * squares,
                               rtol=LITERAL_RTOL)
    # the coded cost: lambda only switches the penalty on, its size is that of lambda = 1
    np.testing.assert_allclose(ref.cost_article(theta, sizes, X, Y, lambd), data + squares,
                               rtol=LITERAL_RTOL)
    assert ref.cost_article(theta, sizes, X, Y, 0.0) == ref.cost(theta, sizes, X, Y, 0.0)


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds, lambdas_or_zero)
def test_backprop_matches_central_differences(sizes, m, seed, lambd):
    theta, X, Y = ng_003_case(sizes, m, seed)
    (expected,) = central_differences(lambda: ref.cost(theta, sizes, X, Y, lambd), [theta])
    assert_close_all([ref.backprop(theta, sizes, X, Y, lambd)], [expected])


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds, lambdas)
def test_gradient_of_the_coded_cost_is_backprop_with_lambda_one(sizes, m, seed, lambd):
    theta, X, Y = ng_003_case(sizes, m, seed)
    (expected,) = central_differences(lambda: ref.cost_article(theta, sizes, X, Y, lambd),
                                      [theta])
    assert_close_all([ref.backprop(theta, sizes, X, Y, 1.0)], [expected])


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds, lambdas)
def test_coded_gradient_regularises_exactly_the_bias_rows_too(sizes, m, seed, lambd):
    theta, X, Y = ng_003_case(sizes, m, seed)
    article = ref.backprop_article(theta, sizes, X, Y, lambd)
    correct = ref.backprop(theta, sizes, X, Y, lambd)
    bias = ng_003_bias_rows(sizes) == 1
    np.testing.assert_allclose(article[bias] - correct[bias], lambd / m * theta[bias],
                               rtol=1e-9, atol=0)
    np.testing.assert_array_equal(article[~bias], correct[~bias])
    np.testing.assert_array_equal(ref.backprop_article(theta, sizes, X, Y, 0.0),
                                  ref.backprop(theta, sizes, X, Y, 0.0))


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds, lambdas)
def test_coded_jac_is_not_the_gradient_of_the_coded_fun(sizes, m, seed, lambd):
    """TNC gets fun = cost_article and jac = backprop_article: off by a known amount."""
    theta, X, Y = ng_003_case(sizes, m, seed)
    (fun_gradient,) = central_differences(
        lambda: ref.cost_article(theta, sizes, X, Y, lambd), [theta])
    jac = ref.backprop_article(theta, sizes, X, Y, lambd)
    bias = ng_003_bias_rows(sizes)
    offset = np.where(bias == 1, lambd / m * theta, (lambd - 1) / m * theta)
    assert_close_all([jac - offset], [fun_gradient])


@settings(deadline=None)
@given(layer_sizes(), seeds)
def test_linear_round_trip_is_exact(sizes, seed):
    theta, X, _ = ng_003_case(sizes, 3, seed)
    layers = ref.to_linear(theta, sizes)
    np.testing.assert_array_equal(ref.from_linear(layers), theta)
    for (w1, b1), (w2, b2) in zip(ref.to_linear(ref.from_linear(layers), sizes), layers):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
    a = X
    for weight, bias in layers:
        a = 1 / (1 + np.exp(-(a @ weight.T + bias)))
    np.testing.assert_allclose(a, ref.forward(theta, sizes, X), rtol=1e-13)

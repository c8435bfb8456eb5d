"""Article 001 (load_digits, sigmoid 64-200-10 + softmax, W (in, out)): mean vs summed gradient,
the masked log in the loss."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from tinygrad_edu.reference import digits_001 as ref

from .cases import digits_001_case, flat_pairs
from .helpers import (
    LITERAL_RTOL,
    assert_close_all,
    assume_unsaturated,
    batch_sizes,
    central_differences,
    layer_sizes,
    one_hot,
    seeds,
)


def test_init_params_article_scheme():
    (W1, b1), (W2, b2) = ref.init_params(np.random.default_rng(1))
    assert (W1.shape, b1.shape, W2.shape, b2.shape) == ((64, 200), (1, 200), (200, 10), (1, 10))
    assert not b1.any() and not b2.any()
    assert abs(W1.std() * 8 - 1) < 0.05  # N(0, 1) / sqrt(64)


@settings(deadline=None)
@given(layer_sizes(min_out=2), batch_sizes, seeds)
def test_cost_is_the_articles_loss_for_one_hot_labels(sizes, n, seed):
    params, X, Y = digits_001_case(sizes, n, seed)
    probs = ref.forward(params, X)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-14)
    assume_unsaturated(probs[Y == 1])
    literal = -np.sum(np.log(probs[Y == 1])) / n
    np.testing.assert_allclose(ref.cost(params, X, Y), literal, rtol=LITERAL_RTOL)
    np.testing.assert_allclose(ref.cost_article(params, X, Y), literal, rtol=LITERAL_RTOL)


@settings(deadline=None)
@given(layer_sizes(min_out=2), batch_sizes, seeds)
def test_backprop_matches_central_differences(sizes, n, seed):
    params, X, Y = digits_001_case(sizes, n, seed)
    expected = central_differences(lambda: ref.cost(params, X, Y), flat_pairs(params))
    assert_close_all(flat_pairs(ref.backprop(params, X, Y)), expected)


@settings(deadline=None)
@given(layer_sizes(min_out=2), batch_sizes, seeds)
def test_article_gradient_is_n_times_the_gradient_of_its_mean_loss(sizes, n, seed):
    params, X, Y = digits_001_case(sizes, n, seed)
    article = flat_pairs(ref.backprop_article(params, X, Y))
    correct = flat_pairs(ref.backprop(params, X, Y))
    assert_close_all(article, [n * g for g in correct], rtol=1e-12, atol=1e-15)
    # one sample at a time, as the article trains, the two are the same
    assert_close_all(flat_pairs(ref.backprop_article(params, X[:1], Y[:1])),
                     flat_pairs(ref.backprop(params, X[:1], Y[:1])), rtol=1e-14, atol=0)


@settings(deadline=None)
@given(layer_sizes(min_out=2), batch_sizes, seeds)
def test_article_loss_drops_a_sample_whose_target_probability_underflows(sizes, n, seed):
    params, X, Y = digits_001_case(sizes, n + 1, seed)
    W, b = params[-1]
    W[:, 0] = 0.0
    b[0, 0] = -1e4  # class 0's logit is ~10^4 below the others: P[:, 0] == 0.0
    Y[0] = one_hot(np.array([0]), sizes[-1])[0]  # and sample 0 belongs to class 0
    assert ref.forward(params, X[:1])[0, 0] == 0.0
    # the article's loss counts sample 0 as a perfect 0 ...
    np.testing.assert_allclose(ref.cost_article(params, X, Y) * (n + 1),
                               ref.cost_article(params, X[1:], Y[1:]) * n, rtol=1e-12)
    # ... where the cross-entropy of that sample is about 10^4
    assert ref.cost(params, X[:1], Y[:1]) > 9000


@settings(deadline=None)
@given(layer_sizes(), seeds)
def test_linear_round_trip_is_exact(sizes, seed):
    params, X, _ = digits_001_case(sizes, 3, seed)
    layers = ref.to_linear(params)
    assert_close_all(flat_pairs(ref.from_linear(layers)), flat_pairs(params), rtol=0, atol=0)
    assert_close_all(flat_pairs(ref.to_linear(ref.from_linear(layers))), flat_pairs(layers),
                     rtol=0, atol=0)
    a = X
    for weight, bias in layers[:-1]:
        a = 1 / (1 + np.exp(-(a @ weight.T + bias)))
    z = a @ layers[-1][0].T + layers[-1][1]
    np.testing.assert_allclose(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
                               ref.forward(params, X), rtol=1e-12)

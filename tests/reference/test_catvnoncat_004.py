"""Article 004 (cat vs non-cat, ReLU hidden + sigmoid output, column samples, dict params):
the article's gradients are right; its dA_L route and the stable dZ_L = A_L - Y agree."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from tinygrad_edu.reference import catvnoncat_004 as ref

from .cases import catvnoncat_004_case, catvnoncat_004_pre_activations
from .helpers import (
    LITERAL_RTOL,
    assert_close_all,
    assume_off_kinks,
    assume_unsaturated,
    batch_sizes,
    central_differences,
    layer_sizes,
    seeds,
)


def test_init_params_article_scheme():
    params = ref.init_params(np.random.default_rng(1))
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]
    assert [params[f"W{l}"].shape for l in range(1, 5)] == [(20, 12288), (7, 20), (5, 7), (1, 5)]
    assert [params[f"b{l}"].shape for l in range(1, 5)] == [(20, 1), (7, 1), (5, 1), (1, 1)]
    assert abs(params["W1"].std() - 0.01) < 0.001


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds)
def test_forward_and_cost_are_the_articles(sizes, m, seed):
    params, X, Y = catvnoncat_004_case(sizes, m, seed)
    AL = 1 / (1 + np.exp(-catvnoncat_004_pre_activations(params, X)[-1]))
    np.testing.assert_allclose(ref.forward(params, X), AL, rtol=1e-13)
    assume_unsaturated(AL)
    literal = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    np.testing.assert_allclose(ref.cost(params, X, Y), literal, rtol=LITERAL_RTOL)


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds)
def test_backprop_matches_central_differences(sizes, m, seed):
    params, X, Y = catvnoncat_004_case(sizes, m, seed)
    assume_off_kinks(catvnoncat_004_pre_activations(params, X)[:-1])
    expected = central_differences(lambda: ref.cost(params, X, Y), list(params.values()))
    grads = ref.backprop(params, X, Y)
    assert list(grads) == list(params)
    assert_close_all(list(grads.values()), expected)


@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds)
def test_articles_dA_route_to_the_output_error_is_A_minus_Y(sizes, m, seed):
    """dA_L = -(Y/A_L - (1-Y)/(1-A_L)), times g(Z_L)(1 - g(Z_L)), is A_L - Y off saturation."""
    params, X, Y = catvnoncat_004_case(sizes, m, seed)
    AL = ref.forward(params, X)
    assume_unsaturated(AL)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    np.testing.assert_allclose(dAL * AL * (1 - AL), AL - Y, rtol=1e-12, atol=1e-15)


def test_articles_dA_route_breaks_where_the_output_saturates():
    """A_L rounds to 1.0 at Z_L = 40: the article's route gives nan, A_L - Y stays exact."""
    params = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    X, Y = np.array([[40.0]]), np.array([[0.0]])
    AL = ref.forward(params, X)
    assert AL[0, 0] == 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        assert np.isnan(dAL * AL * (1 - AL)).all()
    grads = ref.backprop(params, X, Y)
    assert grads["W1"][0, 0] == 40.0 and grads["b1"][0, 0] == 1.0  # (A_L - Y) [x], (A_L - Y)
    assert np.isclose(ref.cost(params, X, Y), 40.0, rtol=1e-15)


@settings(deadline=None)
@given(layer_sizes(), seeds)
def test_linear_round_trip_is_exact(sizes, seed):
    params, X, _ = catvnoncat_004_case(sizes, 3, seed)
    layers = ref.to_linear(params)
    back = ref.from_linear(layers)
    assert list(back) == list(params)
    assert_close_all(list(back.values()), list(params.values()), rtol=0, atol=0)
    assert_close_all([a for pair in ref.to_linear(back) for a in pair],
                     [a for pair in layers for a in pair], rtol=0, atol=0)
    x = X.T
    for weight, bias in layers[:-1]:
        x = np.maximum(x @ weight.T + bias, 0)
    x = 1 / (1 + np.exp(-(x @ layers[-1][0].T + layers[-1][1])))
    np.testing.assert_allclose(x.T, ref.forward(params, X), rtol=1e-13)

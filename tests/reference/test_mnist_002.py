"""Article 002 (MNIST, ReLU 784-32-10 with a ReLU before the softmax, column samples):
gradients, the dead output rows, the wrong (unused) relU_prime."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu.reference import mnist_002 as ref

from .cases import flat_pairs, mnist_002_arrays, mnist_002_case, mnist_002_pre_activations
from .helpers import (
    LITERAL_RTOL,
    assert_close_all,
    assume_off_kinks,
    assume_unsaturated,
    batch_sizes,
    central_differences,
    layer_sizes,
    one_hot,
    seeds,
)


def test_init_params_article_scheme():
    weights, biases = ref.init_params(np.random.default_rng(1))
    assert [w.shape for w in weights] == [(32, 784), (10, 32)]
    assert [b.shape for b in biases] == [(32, 1), (10, 1)] and not any(b.any() for b in biases)
    assert abs(weights[0].std() - 0.1) < 0.005


@settings(deadline=None)
@given(layer_sizes(min_out=2), batch_sizes, seeds)
def test_forward_and_cost_are_the_articles(sizes, n, seed):
    params, X, Y = mnist_002_case(sizes, n, seed)
    out = np.maximum(mnist_002_pre_activations(params, X)[-1], 0)
    probs = np.exp(out) / np.sum(np.exp(out), axis=0)  # the article's softmax, per column
    np.testing.assert_allclose(ref.forward(params, X), probs, rtol=1e-12)
    assume_unsaturated(probs[Y == 1])
    np.testing.assert_allclose(ref.cost(params, X, Y), -np.sum(np.log(probs[Y == 1])),
                               rtol=LITERAL_RTOL)


@settings(deadline=None)
@given(layer_sizes(min_out=2), batch_sizes, seeds)
def test_backprop_matches_central_differences(sizes, n, seed):
    params, X, Y = mnist_002_case(sizes, n, seed)
    assume_off_kinks(mnist_002_pre_activations(params, X))
    expected = central_differences(lambda: ref.cost(params, X, Y), mnist_002_arrays(params))
    assert_close_all(mnist_002_arrays(ref.backprop(params, X, Y)), expected)


@settings(deadline=None)
@given(layer_sizes(min_out=2), seeds)
def test_output_relu_zeroes_the_rows_with_nonpositive_logits_even_the_target(sizes, seed):
    params, X, _ = mnist_002_case(sizes, 1, seed)
    z_out = mnist_002_pre_activations(params, X)[-1][:, 0]
    assume(np.any(z_out < 0) and np.any(z_out > 0))
    target = int(np.argmin(z_out))  # the target class has z <= 0 ...
    Y = one_hot(np.array([target]), sizes[-1]).T
    weight_grads, bias_grads = ref.backprop(params, X, Y)
    dead = z_out <= 0
    # ... so its row gets exactly no gradient, though P - Y = P_k - 1 < 0 asks for a push;
    # so does every other row with z <= 0
    assert bias_grads[-1][target, 0] == 0.0
    assert not weight_grads[-1][dead].any() and not bias_grads[-1][dead].any()
    # the live rows carry the softmax error P - Y unchanged
    probs = ref.forward(params, X)
    np.testing.assert_allclose(bias_grads[-1][~dead], (probs - Y)[~dead], rtol=1e-14)
    assert np.all(probs[target] - 1 < 0)


@given(st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3))
def test_article_relu_prime_is_wrong_away_from_zero(z):
    z = np.array([z])
    (slope,) = central_differences(lambda: float(np.maximum(z, 0)[0]), [z])
    np.testing.assert_allclose(slope, (z > 0).astype(np.float64), rtol=0, atol=1e-8)
    article = ref.relu_prime_article(z)
    # z * [z <= 0]: z on the negative side (should be 0), 0 on the positive side (should be 1)
    np.testing.assert_array_equal(article, np.where(z > 0, 0.0, z))
    assert abs(article[0] - slope[0]) >= 1e-3


@settings(deadline=None)
@given(layer_sizes(), seeds)
def test_linear_round_trip_is_exact(sizes, seed):
    params, X, _ = mnist_002_case(sizes, 3, seed)
    layers = ref.to_linear(params)
    assert_close_all(mnist_002_arrays(ref.from_linear(layers)), mnist_002_arrays(params),
                     rtol=0, atol=0)
    assert_close_all(flat_pairs(ref.to_linear(ref.from_linear(layers))), flat_pairs(layers),
                     rtol=0, atol=0)
    x = X.T  # row samples for the Linear layout
    for weight, bias in layers:
        x = np.maximum(x @ weight.T + bias, 0)
    z_out = mnist_002_pre_activations(params, X)[-1]
    np.testing.assert_allclose(x.T, np.maximum(z_out, 0), rtol=1e-13)

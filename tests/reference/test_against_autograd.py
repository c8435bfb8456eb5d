"""Each article's network rebuilt with the framework's Tensor ops in the ``Linear`` layout
(weight (out, in), bias (out,), row samples), its cost as the article writes it, backward,
and the gradients mapped back with ``from_linear``: equal to the hand-derived ``backprop``,
and off from the articles' own formulas by exactly the documented amounts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from tinygrad_edu import Tensor
from tinygrad_edu.reference import catvnoncat_004, digits_001, mnist_002, ng_003, semeion_000

from . import cases
from .helpers import (
    AUTOGRAD_ATOL,
    AUTOGRAD_RTOL,
    assume_off_kinks,
    assume_unsaturated,
    batch_sizes,
    lambdas,
    layer_sizes,
    seeds,
)


def leaves(layers):
    """The (weight, bias) ndarrays as float64 leaf tensors that require grad."""
    return [(Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)) for w, b in layers]


def grads(tensors):
    """[(weight.grad, bias.grad)] as float64 ndarrays, after ``backward()``."""
    out = [(w.grad.numpy(), b.grad.numpy()) for w, b in tensors]
    assert all(g.dtype == np.float64 for pair in out for g in pair)
    return out


def bce(h, Y):
    """-(Y log h + (1 - Y) log(1 - h)) summed: the articles' literal cross-entropy."""
    return -(Y * h.log() + (1 - Y) * (1 - h).log()).sum()


def squared_weights(tensors):
    """sum of weight ** 2 over the layers (no biases)."""
    return sum((w * w).sum() for w, _ in tensors)


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=AUTOGRAD_RTOL, atol=AUTOGRAD_ATOL)


# --------------------------------------------------------------------------- article 000
@settings(deadline=None)
@given(layer_sizes(min_weights=2), batch_sizes, seeds, lambdas)
def test_semeion_000(sizes, m, seed, lambd):
    thetas, X, Y = cases.semeion_000_case(sizes, m, seed)
    assume_unsaturated(semeion_000.forward(thetas, X))
    tensors = leaves(semeion_000.to_linear(thetas))
    a = Tensor(X)
    for w, b in tensors:
        a = (a @ w.T + b).sigmoid()
    J = bce(a, Tensor(Y)) / m + lambd / (2 * m) * squared_weights(tensors)
    J.backward()
    auto = semeion_000.from_linear(grads(tensors))
    for got, want in zip(auto, semeion_000.backprop(thetas, X, Y, lambd), strict=True):
        close(got, want)
    prose = semeion_000.backprop_prose(thetas, X, Y, lambd)
    for p, g, t in zip(prose[:-1], auto[:-1], thetas[:-1]):  # hidden: bias column + (l/m) theta
        close(p - g, np.concatenate([lambd / m * t[:, :1], np.zeros_like(t[:, 1:])], axis=1))
    t = thetas[-1]  # output: weights lack (l/m) theta
    close(prose[-1] - auto[-1],
          np.concatenate([np.zeros_like(t[:, :1]), -lambd / m * t[:, 1:]], axis=1))


# --------------------------------------------------------------------------- article 001
@settings(deadline=None)
@given(layer_sizes(min_out=2), batch_sizes, seeds)
def test_digits_001(sizes, n, seed):
    params, X, Y = cases.digits_001_case(sizes, n, seed)
    tensors = leaves(digits_001.to_linear(params))
    a = Tensor(X)
    for w, b in tensors[:-1]:
        a = (a @ w.T + b).sigmoid()
    w, b = tensors[-1]
    J = -(Tensor(Y) * (a @ w.T + b).log_softmax(axis=1)).sum() / n  # the mean loss
    J.backward()
    auto = digits_001.from_linear(grads(tensors))
    article = digits_001.backprop_article(params, X, Y)
    for (gw, gb), (cw, cb), (aw, ab) in zip(auto, digits_001.backprop(params, X, Y), article):
        close(gw, cw)
        close(gb, cb)
        close(aw, n * gw)  # the article's batch formulas: n times the gradient of its loss
        close(ab, n * gb)


# --------------------------------------------------------------------------- article 002
@settings(deadline=None)
@given(layer_sizes(min_out=2), batch_sizes, seeds)
def test_mnist_002(sizes, n, seed):
    params, X, Y = cases.mnist_002_case(sizes, n, seed)
    zs = cases.mnist_002_pre_activations(params, X)
    assume_off_kinks(zs)
    tensors = leaves(mnist_002.to_linear(params))
    x = Tensor(X.T)  # row samples
    for w, b in tensors:
        x = (x @ w.T + b).relu()  # the output layer too
    J = -(Tensor(Y.T) * x.log_softmax(axis=1)).sum()  # summed per-sample cross-entropy
    J.backward()
    weight_grads, bias_grads = mnist_002.from_linear(grads(tensors))
    hand_w, hand_b = mnist_002.backprop(params, X, Y)
    for got, want in zip([*weight_grads, *bias_grads], [*hand_w, *hand_b], strict=True):
        close(got, want)
    dead = np.all(zs[-1] <= 0, axis=1)  # output units with z <= 0 on every sample
    assert not bias_grads[-1][dead].any() and not weight_grads[-1][dead].any()


# --------------------------------------------------------------------------- article 003
@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds, lambdas)
def test_ng_003(sizes, m, seed, lambd):
    theta, X, Y = cases.ng_003_case(sizes, m, seed)
    assume_unsaturated(ng_003.forward(theta, sizes, X))
    bias = cases.ng_003_bias_rows(sizes)

    def autograd(penalty_factor):
        tensors = leaves(ng_003.to_linear(theta, sizes))
        a = Tensor(X)
        for w, b in tensors:
            a = (a @ w.T + b).sigmoid()
        J = bce(a, Tensor(Y)) / m + penalty_factor / (2 * m) * squared_weights(tensors)
        J.backward()
        return ng_003.from_linear(grads(tensors))

    of_cost = autograd(lambd)  # the cost the text describes
    close(of_cost, ng_003.backprop(theta, sizes, X, Y, lambd))
    article = ng_003.backprop_article(theta, sizes, X, Y, lambd)
    close(article - of_cost, bias * lambd / m * theta)  # bias rows regularised too
    of_coded_cost = autograd(1.0)  # the coded cost: penalty without lambda
    close(article - of_coded_cost, np.where(bias == 1, lambd, lambd - 1) / m * theta)


# --------------------------------------------------------------------------- article 004
@settings(deadline=None)
@given(layer_sizes(), batch_sizes, seeds)
def test_catvnoncat_004(sizes, m, seed):
    params, X, Y = cases.catvnoncat_004_case(sizes, m, seed)
    assume_off_kinks(cases.catvnoncat_004_pre_activations(params, X)[:-1])
    assume_unsaturated(catvnoncat_004.forward(params, X))
    tensors = leaves(catvnoncat_004.to_linear(params))
    x = Tensor(X.T)
    for w, b in tensors[:-1]:
        x = (x @ w.T + b).relu()
    w, b = tensors[-1]
    J = bce((x @ w.T + b).sigmoid(), Tensor(Y.T)) / m
    J.backward()
    auto = catvnoncat_004.from_linear(grads(tensors))
    hand = catvnoncat_004.backprop(params, X, Y)
    assert list(auto) == list(hand)
    for key in hand:
        close(auto[key], hand[key])

"""Article 001, a first neural network post: 64-200-10 on scikit-learn's ``load_digits``.

Network
    ``layer_sizes = (64, 200, 10)``; the logistic function g on the hidden layer, softmax on
    the output, cross-entropy against one-hot labels.  The article has one hidden layer and
    suggests "any number of layers" as an exercise; the functions here take any number, every
    hidden layer being sigmoid.

Layout (row samples, weights as (in, out), biases as row vectors)
    X: (N, n_0), one sample per row.   Y: (N, n_L), one-hot rows.
    params = [(W1, b1), (W2, b2), ...] with W_l: (n_{l-1}, n_l) and b_l: (1, n_l).

Forward
    a_0 = X;  a_l = g(a_{l-1} @ W_l + b_l) for hidden l;  z_L = a_{L-1} @ W_L + b_L;
    P = softmax(z_L) along axis 1.

Cost (the article's ``loss``)
    L = -(1/N) sum_i log P[i, label_i] = -(1/N) sum(Y * log P), the mean over samples.
    `cost` computes it as -(1/N) sum(Y * log_softmax(z_L)), which never takes log(0).

Backprop (the article's formulas, written for a batch)
    d_L = P - Y;  dW_l = a_{l-1}.T @ d_l;  db_l = sum over rows of d_l;
    d_{l-1} = (d_l @ W_l.T) * a_{l-1} (1 - a_{l-1}).
    The article's ``sigmoid(x, deriv=True)`` returns x (1 - x): it expects the activation
    a = g(z), not z, and the article does pass a1, so the chain rule is applied correctly.

Mistakes
    1. Mean loss, summed gradient (`backprop_article`).  The loss divides by N, but the
       gradient formulas sum the rows of d without dividing by N: on a batch of N samples
       they give N times the gradient of the loss, every entry.  The article trains one
       sample at a time (N = 1), where the two agree; `backprop` (the true gradient of the
       mean) starts from d_L = (P - Y) / N instead.
    2. The loss as coded (`cost_article`).  It takes ``log(P * Y)``, which is -inf wherever
       Y = 0, then sets every -inf to 0.  For one-hot Y this is sum(Y log P) as long as the
       target probability is positive in floating point; when P[i, label_i] underflows to
       0.0 (a target logit about 745 below the largest) that sample's -inf is zeroed too, so
       the worst-classified samples contribute nothing instead of a huge loss.  For soft
       targets it would give log P + log Y, which is not the cross-entropy.

    Other quirks, not in the maths: Python 2 (``xrange``, ``print`` statements);
    ``train`` steps with the global ``lr``, not ``self.lr``; ``accuracy`` calls the global
    ``model``; ``db1`` has shape (n_1,) while ``b1`` is (1, n_1) (broadcasting hides it).

Framework ``Linear`` layout
    ``weight = W_l.T`` (n_l, n_{l-1}), ``bias = b_l[0]`` (n_l,): a @ W + b = a @ weight.T + bias.
    Gradients map the same way: d weight = dW_l.T, d bias = db_l[0].
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from ._common import log_softmax, sigmoid, softmax

LAYER_SIZES = (64, 200, 10)

Params = list[tuple[np.ndarray, np.ndarray]]


def init_params(rng: np.random.Generator, layer_sizes: Sequence[int] = LAYER_SIZES) -> Params:
    """The article's initialisation: W_l ~ N(0, 1) / sqrt(n_{l-1}), b_l = 0."""
    return [(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), np.zeros((1, n_out)))
            for n_in, n_out in pairwise(layer_sizes)]


def _forward(params: Params, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Each layer's input [a_0 = X, a_1, ..., a_{L-1}] and the output logits z_L (N, n_L)."""
    activations = [X]
    for W, b in params[:-1]:
        activations.append(sigmoid(activations[-1] @ W + b))
    W, b = params[-1]
    return activations, activations[-1] @ W + b


def forward(params: Params, X: np.ndarray) -> np.ndarray:
    """P = softmax(z_L) (N, n_L): class probabilities for the N rows of X (N, n_0)."""
    return softmax(_forward(params, X)[1], axis=1)


def cost(params: Params, X: np.ndarray, Y: np.ndarray) -> float:
    """L = -(1/N) sum(Y * log_softmax(z_L)): mean cross-entropy for one-hot Y (N, n_L)."""
    return float(-np.sum(Y * log_softmax(_forward(params, X)[1], axis=1)) / X.shape[0])


def cost_article(params: Params, X: np.ndarray, Y: np.ndarray) -> float:
    """The article's ``loss``: -(1/N) sum of log(P * Y) with every -inf replaced by 0.

    Equal to `cost` for one-hot Y unless a target probability underflows to 0, in which
    case that sample adds 0 (see the module docstring).  log(0) is evaluated with NumPy's
    divide warning silenced, since the article relies on it.
    """
    with np.errstate(divide="ignore"):
        log_probs = np.log(forward(params, X) * Y)
    log_probs[np.isneginf(log_probs)] = 0.0
    return float(-np.sum(log_probs) / X.shape[0])


def _gradients(params: Params, X: np.ndarray, d_out: np.ndarray) -> Params:
    """[(dW_l, db_l)] from the output error d_L (N, n_L), through the sigmoid hidden layers."""
    activations, _ = _forward(params, X)
    grads = []
    d = d_out
    for l in range(len(params) - 1, -1, -1):
        a = activations[l]
        grads.append((a.T @ d, np.sum(d, axis=0, keepdims=True)))
        if l > 0:
            d = (d @ params[l][0].T) * a * (1.0 - a)
    return grads[::-1]


def backprop(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
    """Gradient of `cost` (the mean): the article's formulas started from d_L = (P - Y) / N."""
    return _gradients(params, X, (forward(params, X) - Y) / X.shape[0])


def backprop_article(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
    """The article's formulas on a batch, d_L = P - Y: N times `backprop` in every entry."""
    return _gradients(params, X, forward(params, X) - Y)


def to_linear(params: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(weight (n_l, n_{l-1}), bias (n_l,))] = [(W_l.T, b_l[0])], as new arrays."""
    return [(W.T.copy(), b[0].copy()) for W, b in params]


def from_linear(layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> Params:
    """Inverse of `to_linear`: W_l = weight.T, b_l = bias[None, :]."""
    return [(weight.T.copy(), bias[None, :].copy()) for weight, bias in layers]

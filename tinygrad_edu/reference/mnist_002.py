"""Article 002, "Deep Neural Net (Classic Feedforward)": 784-32-10 ReLU net on binarised MNIST.

Network
    ``layer_sizes = (784, 32, 10)`` (any sizes work).  ReLU after *every* layer, the output
    layer included, then softmax, trained with cross-entropy against one-hot targets:
    P = softmax(relu(z_L)).  The ReLU before the softmax is unusual but it is what both the
    article's ``__feedforward`` and its backprop compute, so it is the network here.

Layout (column samples, PyTorch-like weights, column biases)
    X: (n_0, N), one sample per column.   Y: (n_L, N), one-hot columns.
    params = (weights, biases) with weights[l]: (n_{l+1}, n_l) and biases[l]: (n_{l+1}, 1).

Forward
    a_0 = X;  z_{l+1} = weights[l] @ a_l + biases[l];  a_{l+1} = relu(z_{l+1});
    P = softmax(a_L) along axis 0.

Cost
    The article never writes its loss down; its output error P - Y is the gradient of the
    per-sample cross-entropy -sum_k Y_k log P_k with respect to the softmax input (rows of Y
    summing to 1).  It trains one sample at a time; on a batch, `cost` is the *sum* of the
    per-sample losses, so that `backprop` is the sum of the article's per-sample gradients.
    The article's softmax ``exp(x) / sum(exp(x))`` overflows once an input passes ~709;
    `cost` and `forward` use the max-shifted form, equal to it wherever it is finite.

Backprop (the article's; correct for this network)
    delta_L = (P - Y) * [z_L > 0]                              (n_L, N)
    delta_l = (weights[l].T @ delta_{l+1}) * [z_l > 0]         (n_l, N)
    d weights[l] = delta_{l+1} @ a_l.T;  d biases[l] = sum of delta_{l+1} over columns.
    This matches central differences of `cost` (away from the kinks z = 0).

Mistakes and quirks
    1. The output ReLU kills gradients: wherever z_L[k, i] <= 0, delta_L[k, i] = 0, so
       sample i adds exactly nothing to row k of d weights[-1] or to ``d biases[-1][k]``,
       *even when k is its target class* (no push to raise the target's score).  This is
       the true gradient of the network as built, not a derivative error; a usual classifier
       puts softmax straight on z_L.  Shown in ``tests/reference/test_mnist_002.py``.
    2. ``relU_prime`` in the code listing returns ``z * (z <= 0)`` (`relu_prime_article`):
       z where z <= 0 and 0 where z > 0, instead of [z > 0].  It is wrong at every z != 0,
       but unused: the backprop writes ``(z > 0)`` inline.  A later snippet has it right.
    3. ``relU(z) = np.maximum(z, 0, z)`` writes its result *into* z, so the stored ``z_list``
       holds relu(z), not z.  Harmless here because [relu(z) > 0] = [z > 0].
    4. The text says the error is "the target minus the prediction"; the code (rightly) uses
       prediction minus target, P - Y.
    5. ``reg_lambda = 0.01`` is accepted but never used: there is no L2 term in the training.
    Not in the maths: Python 2 (``xrange``, ``print``), ``fetch_mldata`` no longer exists in
    scikit-learn, and the "97% (50 epochs)" claim is made for code that runs 5 epochs.

Framework ``Linear`` layout
    ``weight = weights[l]`` (n_{l+1}, n_l), ``bias = biases[l][:, 0]`` (n_{l+1},); for row
    samples x = a.T: (weights[l] @ a + biases[l]).T = x @ weight.T + bias.  Gradients map the
    same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from ._common import log_softmax, relu, relu_prime, softmax

LAYER_SIZES = (784, 32, 10)

Params = tuple[list[np.ndarray], list[np.ndarray]]


def init_params(rng: np.random.Generator, layer_sizes: Sequence[int] = LAYER_SIZES) -> Params:
    """The article's initialisation: weights ~ N(0, 0.1^2), biases 0."""
    pairs = list(pairwise(layer_sizes))
    return ([rng.normal(0.0, 0.1, size=(n_out, n_in)) for n_in, n_out in pairs],
            [np.zeros((n_out, 1)) for _, n_out in pairs])


def _forward(params: Params, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The activations [a_0 = X, a_1, ..., a_L] and pre-activations [z_1, ..., z_L]."""
    activations, zs = [X], []
    for W, b in zip(*params):
        zs.append(W @ activations[-1] + b)
        activations.append(relu(zs[-1]))
    return activations, zs


def forward(params: Params, X: np.ndarray) -> np.ndarray:
    """P = softmax(relu(z_L)) along axis 0: (n_L, N) probabilities for the columns of X."""
    return softmax(_forward(params, X)[0][-1], axis=0)


def cost(params: Params, X: np.ndarray, Y: np.ndarray) -> float:
    """Sum over the N columns of -sum_k Y_k log softmax(relu(z_L))_k, Y one-hot (n_L, N)."""
    return float(-np.sum(Y * log_softmax(_forward(params, X)[0][-1], axis=0)))


def backprop(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
    """(weight_gradients, bias_gradients) of `cost`, by the article's rule (see above)."""
    weights, _ = params
    activations, zs = _forward(params, X)
    delta = (softmax(activations[-1], axis=0) - Y) * relu_prime(zs[-1])
    weight_grads, bias_grads = [], []
    for l in range(len(weights) - 1, -1, -1):
        weight_grads.append(delta @ activations[l].T)
        bias_grads.append(np.sum(delta, axis=1, keepdims=True))
        if l > 0:
            delta = (weights[l].T @ delta) * relu_prime(zs[l - 1])
    return weight_grads[::-1], bias_grads[::-1]


def relu_prime_article(z: np.ndarray) -> np.ndarray:
    """The listing's ``relU_prime``: z * [z <= 0].  Wrong (the derivative is [z > 0]); unused."""
    return z * (z <= 0)


def to_linear(params: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(weight (n_out, n_in), bias (n_out,))] = [(weights[l], biases[l][:, 0])]``, new arrays."""
    return [(W.copy(), b[:, 0].copy()) for W, b in zip(*params)]


def from_linear(layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> Params:
    """Inverse of `to_linear`: weights[l] = weight, biases[l] = bias[:, None]."""
    return ([weight.copy() for weight, _ in layers], [bias[:, None].copy() for _, bias in layers])

"""Article 004, "Introduction to Deep Learning": an L-layer ReLU net, cat vs non-cat images.

Network
    ``layer_dims = (12288, 20, 7, 5, 1)`` (any sizes work): ReLU on the hidden layers, the
    logistic function g on the output layer, binary cross-entropy.

Layout (column samples, PyTorch-like weights, column biases, a dict as in the article)
    X: (n_0, m), one flattened image per column.   Y: (n_L, m), labels in {0, 1}.
    params = {"W1": W_1, "b1": b_1, ..., "WL": W_L, "bL": b_L} with W_l: (n_l, n_{l-1}) and
    b_l: (n_l, 1).  Gradients use the same keys (the article calls them "dW1", "db1", ...).

Forward
    A_0 = X;  Z_l = W_l @ A_{l-1} + b_l;  A_l = relu(Z_l) for l < L;  A_L = g(Z_L).

Cost (the article's ``compute_cost``)
    J = -(1/m) sum [Y log A_L + (1 - Y) log(1 - A_L)], the mean over the m samples.
    `cost` evaluates log g(Z) as -logaddexp(0, -Z), equal to the article's wherever finite.

Backprop (the article's; correct)
    dZ_L = A_L - Y;  dW_l = (1/m) dZ_l @ A_{l-1}.T;  db_l = (1/m) sum of dZ_l over columns;
    dZ_{l-1} = (W_l.T @ dZ_l) * [Z_{l-1} > 0].
    The article reaches dZ_L through dA_L = -(Y / A_L - (1 - Y) / (1 - A_L)) times
    g(Z_L)(1 - g(Z_L)); that is A_L - Y exactly in real arithmetic, but divides by zero once
    A_L rounds to 0 or 1, so `backprop` uses A_L - Y directly.  The 1/m appears once per
    layer, in dW and db, while dA_prev = W.T @ dZ carries no 1/m: consistent with the mean
    cost (checked against central differences in ``tests/reference``).

Mistakes and quirks (none changes the gradient)
    1. The text writes the linear step as Z = W^T X + b and Z = W^T A_prev + b, but with W_l
       of shape (n_l, n_{l-1}) -- the article's own table and code -- it is Z = W @ A_prev + b;
       W^T @ A_prev does not even have matching shapes.
    2. ``forward_prop_L`` is documented to return the activation A but returns Z.
    3. The gradient dict is keyed one layer off: ``grads["dA" + str(l)]`` holds dA_{l-1}
       (the value passed down), consistently, so the results are right.
    4. The cost plot labels its x axis "iterations (per tens)" for costs logged every 100
       iterations; ``np.random.seed(1)`` inside ``init_parameters_L`` reseeds the global RNG.

Framework ``Linear`` layout
    ``weight = W_l`` (n_l, n_{l-1}), ``bias = b_l[:, 0]`` (n_l,); for row samples x = A.T:
    (W_l @ A + b_l).T = x @ weight.T + bias.  Gradients map the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._common import binary_cross_entropy_with_logits, relu, relu_prime, sigmoid

LAYER_DIMS = (12288, 20, 7, 5, 1)

Params = dict[str, np.ndarray]


def init_params(rng: np.random.Generator, layer_dims: Sequence[int] = LAYER_DIMS) -> Params:
    """The article's initialisation: W_l ~ N(0, 1) * 0.01, b_l = 0."""
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 0.01
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params


def _forward(params: Params, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The layer inputs [A_0 = X, ..., A_{L-1}] and pre-activations [Z_1, ..., Z_L]."""
    n_layers = len(params) // 2
    inputs, zs = [X], []
    for l in range(1, n_layers + 1):
        zs.append(params[f"W{l}"] @ inputs[-1] + params[f"b{l}"])
        if l < n_layers:
            inputs.append(relu(zs[-1]))
    return inputs, zs


def forward(params: Params, X: np.ndarray) -> np.ndarray:
    """A_L = g(Z_L) (n_L, m): the output probabilities for the columns of X (n_0, m)."""
    return sigmoid(_forward(params, X)[1][-1])


def cost(params: Params, X: np.ndarray, Y: np.ndarray) -> float:
    """J = -(1/m) sum [Y log A_L + (1 - Y) log(1 - A_L)]."""
    return float(np.sum(binary_cross_entropy_with_logits(_forward(params, X)[1][-1], Y))
                 / X.shape[1])


def backprop(params: Params, X: np.ndarray, Y: np.ndarray) -> Params:
    """dJ/dW_l, dJ/db_l under the keys "W<l>", "b<l>" (the article's rule, see above)."""
    m = X.shape[1]
    inputs, zs = _forward(params, X)
    n_layers = len(zs)
    dZ = sigmoid(zs[-1]) - Y
    grads = {}
    for l in range(n_layers, 0, -1):
        grads[f"W{l}"] = dZ @ inputs[l - 1].T / m
        grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * relu_prime(zs[l - 2])
    return {key: grads[key] for key in params}


def to_linear(params: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(weight (n_l, n_{l-1}), bias (n_l,))] = [(W_l, b_l[:, 0])] for l = 1..L, new arrays."""
    return [(params[f"W{l}"].copy(), params[f"b{l}"][:, 0].copy())
            for l in range(1, len(params) // 2 + 1)]


def from_linear(layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> Params:
    """Inverse of `to_linear`: {"W<l>": weight, "b<l>": bias[:, None]}."""
    params = {}
    for l, (weight, bias) in enumerate(layers, start=1):
        params[f"W{l}"] = weight.copy()
        params[f"b{l}"] = bias[:, None].copy()
    return params

"""Article 003, a scikit-learn-like ``NeuralNetwork`` class on the Coursera ML ex4 digits.

Network
    ``layer_sizes = (400, *hidden_layers, 10)``; the logistic function g after every layer,
    the output layer included; binary cross-entropy per output unit plus an L2 penalty;
    trained by ``scipy.optimize.minimize(method='TNC')`` on one flat parameter vector.

Layout (row samples; a bias *row* at the top of each theta; one flat vector)
    X: (m, n_0), one sample per row.   Y: (m, n_L), targets in {0, 1}.
    theta_l: (n_l + 1, n_{l+1}) for l = 0 .. L-1; row 0 multiplies the bias input 1.
    ``theta`` = concatenation of theta_l.ravel() (C order), length sum (n_l + 1) n_{l+1};
    `unflatten` / `flatten` convert between the two (``layer_shapes`` lists the shapes).

Forward
    A_0 = [1 | X];  h_{l+1} = g(A_l @ theta_l);  A_{l+1} = [1 | h_{l+1}];  output h_L.

Cost
    J = -(1/m) sum_{i,k} [Y log h_L + (1 - Y) log(1 - h_L)]
        + lambda/(2m) sum_l sum(theta_l[1:] ** 2)
    (`cost`): what the text describes -- "lambda is our regularization parameter", bias rows
    skipped.  log g(z) is evaluated as -logaddexp(0, -z), equal to log(h) wherever finite.

Backprop (correct form, `backprop`)
    delta_L = h_L - Y;  delta_l = (delta_{l+1} @ theta_l.T * A_l (1 - A_l))[:, 1:]
    dJ/dtheta_l = (1/m) A_l.T @ delta_{l+1} + (lambda/m) [0; theta_l[1:]]

Mistakes
    1. The coded cost has no lambda (`cost_article`).  When lambda != 0 it adds
       sum(theta_l[1:] ** 2) / (2m): the penalty of `cost` with lambda = 1, whatever lambda
       is (lambda only switches it on and off).
    2. The coded gradient regularises the bias rows (`backprop_article`): it adds
       (lambda/m) theta_l to *every* row, although neither cost penalises row 0.  Against
       `backprop` (the gradient of `cost`) row 0 of every theta_l is larger by exactly
       (lambda/m) theta_l[0]; every other entry is equal.
    3. Together, the ``jac`` handed to TNC is not the gradient of the ``fun`` handed to it.
       Against the true gradient of `cost_article` -- which is `backprop` with lambda = 1 --
       `backprop_article` differs by ((lambda - 1)/m) theta_l[1:] on the weight rows and by
       (lambda/m) theta_l[0] on the bias rows.  Only lambda = 0 makes all three agree.
    4. The text runs the penalty's row index j "from 2 to S_h", the size of layer h; theta_l
       has S_h + 1 rows, so skipping row 1 should run j from 2 to S_h + 1 (notation only;
       the code sums all of rows 1:).
    Not in the maths: ``np.random.randn`` without the usual 1/sqrt(fan_in) scaling starts a
    400-input sigmoid layer deep in saturation.

Framework ``Linear`` layout
    ``weight = theta_l[1:].T`` (n_{l+1}, n_l), ``bias = theta_l[0]`` (n_{l+1},):
    [1 | a] @ theta_l = a @ weight.T + bias.  `from_linear` stacks [bias; weight.T] and
    flattens; the gradient vector maps the same way (``to_linear(grad, layer_sizes)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from ._common import binary_cross_entropy_with_logits, prepend_ones, sigmoid


def layer_shapes(layer_sizes: Sequence[int]) -> list[tuple[int, int]]:
    """[(n_l + 1, n_{l+1})]: the shape of each theta_l."""
    return [(n_in + 1, n_out) for n_in, n_out in pairwise(layer_sizes)]


def flatten(thetas: Sequence[np.ndarray]) -> np.ndarray:
    """The flat parameter vector: each theta_l in C order, one after the other."""
    return np.concatenate([theta.ravel() for theta in thetas])


def unflatten(theta: np.ndarray, layer_sizes: Sequence[int]) -> list[np.ndarray]:
    """The theta_l matrices of a flat vector (views into ``theta``)."""
    thetas, start = [], 0
    for rows, cols in layer_shapes(layer_sizes):
        thetas.append(theta[start:start + rows * cols].reshape(rows, cols))
        start += rows * cols
    return thetas


def init_params(rng: np.random.Generator, layer_sizes: Sequence[int]) -> np.ndarray:
    """The article's initialisation: every entry N(0, 1), returned as the flat vector."""
    return flatten([rng.standard_normal(shape) for shape in layer_shapes(layer_sizes)])


def _forward(thetas: Sequence[np.ndarray],
             X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The layer inputs with their ones column [A_0, ..., A_{L-1}] and the output logits z_L."""
    inputs = [prepend_ones(X)]
    for theta in thetas[:-1]:
        inputs.append(prepend_ones(sigmoid(inputs[-1] @ theta)))
    return inputs, inputs[-1] @ thetas[-1]


def forward(theta: np.ndarray, layer_sizes: Sequence[int], X: np.ndarray) -> np.ndarray:
    """h_L (m, n_L): the outputs in (0, 1) for the m rows of X (m, n_0)."""
    return sigmoid(_forward(unflatten(theta, layer_sizes), X)[1])


def _cross_entropy_and_penalty(theta: np.ndarray, layer_sizes: Sequence[int], X: np.ndarray,
                               Y: np.ndarray) -> tuple[float, float]:
    """(mean-over-samples cross-entropy, sum(theta_l[1:] ** 2) / (2m))."""
    m = X.shape[0]
    thetas = unflatten(theta, layer_sizes)
    data = np.sum(binary_cross_entropy_with_logits(_forward(thetas, X)[1], Y)) / m
    return float(data), float(sum(np.sum(t[1:] ** 2) for t in thetas) / (2 * m))


def cost(theta: np.ndarray, layer_sizes: Sequence[int], X: np.ndarray, Y: np.ndarray,
         lambd: float) -> float:
    """J with the penalty lambda/(2m) sum(theta_l[1:] ** 2), as the text describes."""
    data, penalty = _cross_entropy_and_penalty(theta, layer_sizes, X, Y)
    return data + lambd * penalty


def cost_article(theta: np.ndarray, layer_sizes: Sequence[int], X: np.ndarray, Y: np.ndarray,
                 lambd: float) -> float:
    """The coded ``_cost``: penalty sum(theta_l[1:] ** 2)/(2m), without lambda, if lambda != 0."""
    data, penalty = _cross_entropy_and_penalty(theta, layer_sizes, X, Y)
    return data + penalty if lambd != 0 else data


def _data_gradients(thetas: Sequence[np.ndarray], X: np.ndarray,
                    Y: np.ndarray) -> list[np.ndarray]:
    """(1/m) A_l.T @ delta_{l+1} for every layer: the gradient of the cross-entropy term."""
    m = X.shape[0]
    inputs, z_out = _forward(thetas, X)
    delta = sigmoid(z_out) - Y
    grads = []
    for l in range(len(thetas) - 1, -1, -1):
        grads.append(inputs[l].T @ delta / m)
        if l > 0:
            delta = ((delta @ thetas[l].T) * inputs[l] * (1.0 - inputs[l]))[:, 1:]
    return grads[::-1]


def backprop(theta: np.ndarray, layer_sizes: Sequence[int], X: np.ndarray, Y: np.ndarray,
             lambd: float) -> np.ndarray:
    """dJ/dtheta of `cost` as a flat vector: data term + (lambda/m) theta_l with row 0 zeroed."""
    m = X.shape[0]
    thetas = unflatten(theta, layer_sizes)
    return flatten([grad + lambd / m * np.concatenate([np.zeros_like(t[:1]), t[1:]])
                    for grad, t in zip(_data_gradients(thetas, X, Y), thetas)])


def backprop_article(theta: np.ndarray, layer_sizes: Sequence[int], X: np.ndarray,
                     Y: np.ndarray, lambd: float) -> np.ndarray:
    """The coded ``_gradient``: data term + (lambda/m) theta_l on every row, bias row 0 too."""
    m = X.shape[0]
    thetas = unflatten(theta, layer_sizes)
    grads = _data_gradients(thetas, X, Y)
    if lambd != 0:
        grads = [grad + lambd / m * t for grad, t in zip(grads, thetas)]
    return flatten(grads)


def to_linear(theta: np.ndarray,
              layer_sizes: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(weight (n_{l+1}, n_l), bias (n_{l+1},))] = [(theta_l[1:].T, theta_l[0])], new arrays."""
    return [(t[1:].T.copy(), t[0].copy()) for t in unflatten(theta, layer_sizes)]


def from_linear(layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Inverse of `to_linear`: flatten([[bias; weight.T] for each layer])."""
    return flatten([np.concatenate([bias[None, :], weight.T]) for weight, bias in layers])

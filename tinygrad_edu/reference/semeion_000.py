"""Article 000, "Deep Learning from Scratch With Python": 256-30-20-10 sigmoid net on Semeion.

Network
    ``layer_sizes = (256, 30, 20, 10)`` (any sizes work); the logistic function g after
    every layer, the output layer included; one binary cross-entropy per output unit.

Layout (row samples; the bias is a column of ones added to each layer's input)
    X: (m, n_0), one sample per row.          Y: (m, n_L), targets in {0, 1}.
    thetas[l]: (n_{l+1}, n_l + 1) for l = 0 .. L-1.  Column 0 multiplies the bias input 1,
    columns 1: multiply the n_l activations of the layer below.

Forward
    a_0 = X;  z_{l+1} = [1 | a_l] @ thetas[l].T;  a_{l+1} = g(z_{l+1});  h = a_L.

Cost (the article's J, as its code computes it)
    J = -(1/m) sum_{i,k} [Y_ik log h_ik + (1 - Y_ik) log(1 - h_ik)]
        + lambda/(2m) sum_l sum(``thetas[l][:, 1:]`` ** 2)
    The cross-entropy is summed over the n_L outputs and averaged over the m samples; the
    bias column 0 is not regularised.  The printed formula writes ``t_i`` where it means
    ``t_ij`` (notation only).  `cost` evaluates log g(z) as -logaddexp(0, -z), which is the
    article's value wherever that one is finite.

Backprop (the article's code; correct)
    delta_L = h - Y                                                  (m, n_L)
    delta_l = (delta_{l+1} @ ``thetas[l][:, 1:]``) * g(z_l) (1 - g(z_l))   (m, n_l)
    dJ/dthetas[l] = (1/m) delta_{l+1}.T @ [1 | a_l] + (lambda/m) [0 | ``thetas[l][:, 1:]``]
    The code loops over samples and sums the outer products; `backprop` is the same sum as
    one matrix product.  This is the exact gradient of J (checked against central
    differences in ``tests/reference``).

Mistake: the prose rule for the gradient (`backprop_prose`)
    The text states dJ/dtheta = (1/m) Delta for the output layer and
    (1/m) Delta + (lambda/m) theta for the hidden layers.  Taken as written it disagrees
    with J in two places (its own code does not follow it):

    * output layer, columns 1: -- the text drops (lambda/m) ``thetas[-1][:, 1:]``, although J
      regularises those weights;
    * hidden layers, column 0 -- the text adds (lambda/m) ``thetas[l][:, 0]`` to the bias
      gradient, although J leaves the bias unregularised.

    Every other entry is the same.  With lambda = 0 the two rules coincide.

Framework ``Linear`` layout
    ``weight = thetas[l][:, 1:]`` (n_{l+1}, n_l) and ``bias = thetas[l][:, 0]`` (n_{l+1},):
    [1 | a] @ theta.T = a @ weight.T + bias.  `from_linear` puts the bias back as column 0.
    Gradients map the same way (it is a plain slicing of the entries).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from ._common import binary_cross_entropy_with_logits, prepend_ones, sigmoid

LAYER_SIZES = (256, 30, 20, 10)
LAMBDA = 0.1


def init_params(rng: np.random.Generator,
                layer_sizes: Sequence[int] = LAYER_SIZES) -> list[np.ndarray]:
    """The article's initialisation: every entry of every theta uniform on [-1, 1)."""
    return [rng.uniform(-1.0, 1.0, size=(n_out, n_in + 1))
            for n_in, n_out in pairwise(layer_sizes)]


def _forward(thetas: Sequence[np.ndarray],
             X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each layer's input with its ones column, [1 | a_l] (m, n_l + 1), and z_{l+1} (m, n_{l+1})."""
    inputs, zs = [], []
    a = X
    for theta in thetas:
        a_ones = prepend_ones(a)
        z = a_ones @ theta.T
        inputs.append(a_ones)
        zs.append(z)
        a = sigmoid(z)
    return inputs, zs


def forward(thetas: Sequence[np.ndarray], X: np.ndarray) -> np.ndarray:
    """h = a_L (m, n_L), the outputs in (0, 1) for the m rows of X (m, n_0)."""
    return sigmoid(_forward(thetas, X)[1][-1])


def cost(thetas: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray,
         lambd: float = LAMBDA) -> float:
    """J: cross-entropy (sum over outputs, mean over samples) + lambda/(2m) sum(theta[:, 1:]^2)."""
    m = X.shape[0]
    z_out = _forward(thetas, X)[1][-1]
    penalty = sum(np.sum(theta[:, 1:] ** 2) for theta in thetas)
    return float(np.sum(binary_cross_entropy_with_logits(z_out, Y)) / m
                 + lambd / (2 * m) * penalty)


def _data_gradients(thetas: Sequence[np.ndarray], X: np.ndarray,
                    Y: np.ndarray) -> list[np.ndarray]:
    """(1/m) Delta_l = (1/m) delta_{l+1}.T @ [1 | a_l]: the gradient of the unregularised J."""
    m = X.shape[0]
    inputs, zs = _forward(thetas, X)
    delta = sigmoid(zs[-1]) - Y
    grads = []
    for l in range(len(thetas) - 1, -1, -1):
        grads.append(delta.T @ inputs[l] / m)
        if l > 0:
            g = sigmoid(zs[l - 1])
            delta = (delta @ thetas[l][:, 1:]) * g * (1.0 - g)
    return grads[::-1]


def backprop(thetas: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray,
             lambd: float = LAMBDA) -> list[np.ndarray]:
    """``dJ/dthetas[l] = (1/m) Delta_l + (lambda/m) [0 | thetas[l][:, 1:]]``, every layer (code)."""
    m = X.shape[0]
    return [grad + lambd / m * np.concatenate([np.zeros_like(theta[:, :1]), theta[:, 1:]], axis=1)
            for grad, theta in zip(_data_gradients(thetas, X, Y), thetas)]


def backprop_prose(thetas: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray,
                   lambd: float = LAMBDA) -> list[np.ndarray]:
    """The text's rule, taken literally: (1/m) Delta + (lambda/m) theta (bias column too) for the
    hidden layers, (1/m) Delta alone for the output layer.  Not the gradient of J: against
    `backprop` the hidden thetas' column 0 is larger by (lambda/m) theta[:, 0] and the output
    theta's columns 1: are smaller by (lambda/m) theta[:, 1:]; all other entries are equal.
    """
    m = X.shape[0]
    grads = _data_gradients(thetas, X, Y)
    return [grad + lambd / m * theta for grad, theta in zip(grads[:-1], thetas[:-1])] + grads[-1:]


def to_linear(thetas: Sequence[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(weight (n_out, n_in), bias (n_out,))] = [(theta[:, 1:], theta[:, 0])], as new arrays."""
    return [(theta[:, 1:].copy(), theta[:, 0].copy()) for theta in thetas]


def from_linear(layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """Inverse of `to_linear`: theta = [bias[:, None] | weight] (n_out, n_in + 1)."""
    return [np.concatenate([bias[:, None], weight], axis=1) for weight, bias in layers]

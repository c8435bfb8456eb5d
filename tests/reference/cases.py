"""Random examples for each article, in the article's own layout, and small re-derivations
the tests compare against (pre-activations written out again, masks)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.reference import catvnoncat_004, digits_001, mnist_002, ng_003, semeion_000

from .helpers import one_hot, randomize


def flat_pairs(pairs):
    """[(W1, b1), (W2, b2), ...] -> [W1, b1, W2, b2, ...]."""
    return [a for pair in pairs for a in pair]


def semeion_000_case(sizes, m, seed):
    """Random thetas (n_out, n_in + 1), X (m, n_0) and binary Y (m, n_L)."""
    rng = np.random.default_rng(seed)
    thetas = semeion_000.init_params(rng, sizes)
    randomize(thetas, rng)
    X = rng.standard_normal((m, sizes[0]))
    Y = rng.integers(0, 2, (m, sizes[-1])).astype(np.float64)
    return thetas, X, Y


def digits_001_case(sizes, n, seed):
    """Random [(W (in, out), b (1, out))], X (n, n_0) and one-hot Y (n, n_L)."""
    rng = np.random.default_rng(seed)
    params = digits_001.init_params(rng, sizes)
    randomize(flat_pairs(params), rng)
    X = rng.standard_normal((n, sizes[0]))
    Y = one_hot(rng.integers(0, sizes[-1], n), sizes[-1])
    return params, X, Y


def mnist_002_arrays(params):
    """[*weights, *biases]."""
    return [*params[0], *params[1]]


def mnist_002_case(sizes, n, seed):
    """Random (weights, biases), X (n_0, n) and one-hot columns Y (n_L, n)."""
    rng = np.random.default_rng(seed)
    params = mnist_002.init_params(rng, sizes)
    randomize(mnist_002_arrays(params), rng)
    X = rng.standard_normal((sizes[0], n))
    Y = one_hot(rng.integers(0, sizes[-1], n), sizes[-1]).T
    return params, X, Y


def mnist_002_pre_activations(params, X):
    """[z_1, ..., z_L], written out again: z = W @ relu(z_prev) + b."""
    zs, a = [], X
    for W, b in zip(*params):
        zs.append(W @ a + b)
        a = np.maximum(zs[-1], 0)
    return zs


def ng_003_case(sizes, m, seed):
    """Random flat theta (the article's N(0, 1)), X (m, n_0) and binary Y (m, n_L)."""
    rng = np.random.default_rng(seed)
    theta = ng_003.init_params(rng, sizes)
    X = rng.standard_normal((m, sizes[0]))
    Y = rng.integers(0, 2, (m, sizes[-1])).astype(np.float64)
    return theta, X, Y


def ng_003_bias_rows(sizes):
    """A flat 0/1 mask of the row-0 (bias) entries of every theta_l."""
    return ng_003.flatten([np.vstack([np.ones((1, c)), np.zeros((r - 1, c))])
                           for r, c in ng_003.layer_shapes(sizes)])


def catvnoncat_004_case(sizes, m, seed):
    """Random {"W1", "b1", ...}, X (n_0, m) and binary Y (n_L, m)."""
    rng = np.random.default_rng(seed)
    params = catvnoncat_004.init_params(rng, sizes)
    randomize(list(params.values()), rng)
    X = rng.standard_normal((sizes[0], m))
    Y = rng.integers(0, 2, (sizes[-1], m)).astype(np.float64)
    return params, X, Y


def catvnoncat_004_pre_activations(params, X):
    """[Z_1, ..., Z_L], written out again: ReLU between layers."""
    zs, A = [], X
    for l in range(1, len(params) // 2 + 1):
        zs.append(params[f"W{l}"] @ A + params[f"b{l}"])
        A = np.maximum(zs[-1], 0)
    return zs

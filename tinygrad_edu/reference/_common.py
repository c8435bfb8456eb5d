"""NumPy pieces shared by the reference modules: activations, stable losses, the bias column.

Everything here is elementwise or works along one axis, keeps the input's float dtype
(float64 in, float64 out) and never overflows, whatever the size of ``z``.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """g(z) = 1 / (1 + e^-z), evaluated through e^-|z| so that nothing overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0) (a new array; ``z`` is left alone)."""
    return np.maximum(z, 0.0)


def relu_prime(z: np.ndarray) -> np.ndarray:
    """d relu / dz = 1 where z > 0, else 0 (0 at the kink z = 0, as in every article)."""
    return (z > 0).astype(z.dtype)


def log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """log(e^z / sum(e^z)) along ``axis``: z - max - log(sum(e^(z - max)))."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """e^z / sum(e^z) along ``axis``, via `log_softmax`."""
    return np.exp(log_softmax(z, axis))


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Elementwise -[y log g(z) + (1 - y) log(1 - g(z))] for g = `sigmoid`.

    Written as y log(1 + e^-z) + (1 - y) log(1 + e^z) with ``np.logaddexp``: equal to the
    articles' ``-(y*log(h) + (1-y)*log(1-h))`` with h = g(z) wherever that is finite, and
    finite where theirs gives ``log(0) = -inf`` because h rounded to exactly 0 or 1.
    """
    return y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)


def prepend_ones(a: np.ndarray) -> np.ndarray:
    """[1 | a]: a (m, n) -> (m, n + 1) with a first column of ones (the bias input)."""
    return np.concatenate([np.ones((a.shape[0], 1), dtype=a.dtype), a], axis=1)

"""Shared pieces of the reference tests: central differences, tolerances, Hypothesis cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

EPS = 1e-6  # central-difference step
RTOL, ATOL = 1e-6, 1e-8  # hand-derived gradient vs central differences
AUTOGRAD_RTOL, AUTOGRAD_ATOL = 1e-10, 1e-13  # hand-derived vs the framework: rounding only
LITERAL_RTOL = 1e-10  # stable cost vs the article's literal expression, off saturation


def central_differences(f: Callable[[], float], arrays: Sequence[np.ndarray],
                        eps: float = EPS) -> list[np.ndarray]:
    """(f(p + eps e_i) - f(p - eps e_i)) / (2 eps) for every entry i of every array.

    ``f`` takes no argument and reads ``arrays``, which are perturbed in place and restored.
    """
    grads = []
    for a in arrays:
        grad = np.empty_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            up = f()
            a[i] = old - eps
            down = f()
            a[i] = old
            grad[i] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def assert_close_all(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray],
                     rtol: float = RTOL, atol: float = ATOL) -> None:
    """Pairwise ``assert_allclose`` over two equally long lists of arrays of equal shapes."""
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert a.shape == e.shape
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


def randomize(arrays: Sequence[np.ndarray], rng: np.random.Generator) -> None:
    """Overwrite every entry with N(0, 1), biases included (the articles start them at 0)."""
    for a in arrays:
        a[...] = rng.standard_normal(a.shape)


def assume_off_kinks(zs: Sequence[np.ndarray], margin: float = 1e-4) -> None:
    """Skip examples with a ReLU input within ``margin`` of 0, where relu is not differentiable."""
    assume(all(np.min(np.abs(z)) > margin for z in zs))


def assume_unsaturated(probs: np.ndarray, margin: float = 1e-4) -> None:
    """Skip examples with an output probability within ``margin`` of 0 or 1.

    There the articles' literal log(h), log(1 - h) lose digits (or become -inf), so they are
    compared with the stable costs only away from it.
    """
    assume(np.all((probs > margin) & (probs < 1 - margin)))


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """(len(labels), n_classes) float64 one-hot rows."""
    return np.eye(n_classes)[labels]


# (layer sizes including input and output, number of samples, RNG seed); small enough that
# central differences over every parameter take a few milliseconds.
seeds = st.integers(0, 2**32 - 1)
batch_sizes = st.integers(1, 5)
lambdas = st.floats(0.01, 3.0)
lambdas_or_zero = st.just(0.0) | lambdas


def layer_sizes(min_weights: int = 1, max_weights: int = 3, min_out: int = 1,
                max_width: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    """(n_0, ..., n_L) with L in [min_weights, max_weights], n_L >= min_out."""
    return st.integers(min_weights, max_weights).flatmap(
        lambda n: st.tuples(*[st.integers(1, max_width)] * n, st.integers(min_out, max_width)))

"""Numerical stability at |x| = 1e4, in float32 and float64: finite, correct values and
gradients, and no RuntimeWarning (overflow, invalid, divide) along the way."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

BIG = 1e4
X = np.array([[BIG, -BIG, 0.0, 3.0], [-BIG, -BIG, -BIG, -BIG], [BIG, BIG, -2.0, BIG]])


# Stable float64 references: (value, vector-Jacobian product) for upstream g, last axis.
def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _lse(x):
    m = x.max(axis=-1, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=-1, keepdims=True)) + m


REFERENCES = {
    "sigmoid": (tg.sigmoid, _sigmoid, lambda x, g: g * _sigmoid(x) * _sigmoid(-x)),
    "softplus": (tg.softplus, lambda x: np.logaddexp(0, x), lambda x, g: g * _sigmoid(x)),
    "softmax": (lambda t: t.softmax(-1), _softmax,
                lambda x, g: _softmax(x) * (g - (g * _softmax(x)).sum(-1, keepdims=True))),
    "log_softmax": (lambda t: t.log_softmax(-1), lambda x: x - _lse(x),
                    lambda x, g: g - _softmax(x) * g.sum(-1, keepdims=True)),
    "logsumexp": (lambda t: t.logsumexp(axis=-1), lambda x: _lse(x)[..., 0],
                  lambda x, g: g[..., None] * _softmax(x)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(REFERENCES))
def test_large_magnitudes(name, dtype):
    fn, value, vjp = REFERENCES[name]
    x64 = X.astype(dtype).astype(np.float64)
    x = tg.Tensor(X, dtype=dtype, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn"):
        warnings.simplefilter("error")
        y = fn(x)
        g = np.linspace(-1, 1, y.numel()).reshape(y.shape).astype(dtype)
        y.backward(g)
    # Conditioning, not slack: an input of magnitude BIG is only known to within half an
    # ulp, BIG * eps / 2, and exp(x - logsumexp(x)) moves by that much relatively.
    rtol = BIG * np.finfo(dtype).eps
    tiny = np.finfo(dtype).tiny  # anything below the smallest normal counts as 0
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(y.data, value(x64), rtol=rtol, atol=tiny)
    np.testing.assert_allclose(x.grad.data, vjp(x64, g.astype(np.float64)), rtol=rtol,
                               atol=tiny)

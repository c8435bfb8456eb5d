"""PyTorch's activation zoo (issue 13): each against a NumPy formula written from PyTorch's
documentation, with first- and second-order finite-difference checks (`check_op`), away
from the kinks by construction; then the extremes (+-inf, 1e308) without a warning."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops._special import erf, erfc

from .checks import check_op
from .strategies import MARGIN, SMOOTH, arrays, shapes

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
_erf = np.vectorize(math.erf, otypes=[np.float64])


def away_from(*kinks: float, lo: float = -5.0, hi: float = 5.0) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] at least MARGIN from each kink."""
    edges = [lo, *sorted(kinks), hi]
    return st.one_of([st.floats(a + MARGIN, b - MARGIN) for a, b in itertools.pairwise(edges)])


def _elu(alpha, scale=1.0, input_scale=1.0):
    return lambda x: scale * np.where(x > 0, x, alpha * (np.exp(x * input_scale) - 1))


# id -> (op, NumPy formula from PyTorch's docs, domain)
ACTIVATIONS: dict[str, tuple[Any, Any, st.SearchStrategy[float]]] = {
    "gelu": (F.gelu, lambda x: x * 0.5 * (1 + _erf(x / math.sqrt(2))), SMOOTH),
    "gelu(tanh)": (lambda x: F.gelu(x, approximate="tanh"),
                   lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                    * (x + 0.044715 * x ** 3))), SMOOTH),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x)), SMOOTH),
    "mish": (F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), SMOOTH),
    "hardswish": (F.hardswish, lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6,
                  away_from(-3, 3)),
    "elu": (F.elu, _elu(1.0), away_from(0)),
    "elu(0.3)": (lambda x: F.elu(x, alpha=0.3), _elu(0.3), away_from(0)),
    "celu(0.5)": (lambda x: F.celu(x, alpha=0.5), _elu(0.5, input_scale=2.0), away_from(0)),
    "selu": (F.selu, _elu(SELU_ALPHA, SELU_SCALE), away_from(0)),
    "hardtanh": (F.hardtanh, lambda x: np.clip(x, -1, 1), away_from(-1, 1)),
    "hardtanh(-0.5, 2)": (lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2),
                          away_from(-0.5, 2)),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), away_from(0)),
    # composites in nn.functional
    "relu6": (F.relu6, lambda x: np.minimum(np.maximum(x, 0), 6), away_from(0, 6, hi=8)),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), away_from(-3, 3)),
    "logsigmoid": (F.logsigmoid, lambda x: -np.log1p(np.exp(-x)), SMOOTH),  # log(1/(1+e^-x))
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@given(data=st.data())
def test_activation(name, data):
    fn, ref, domain = ACTIVATIONS[name]
    x = data.draw(arrays(data.draw(shapes()), domain))
    check_op(fn, [x], data, ref)


@given(data=st.data(), shape=shapes(min_dims=1))
def test_softmin(data, shape):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(shape))

    def ref(a):
        e = np.exp(-a)
        return e / e.sum(axis=dim, keepdims=True)
    check_op(lambda t: F.softmin(t, dim), [x], data, ref)


@given(data=st.data(), shape=shapes(min_dims=1, max_dims=2))
def test_glu(data, shape):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    shape = list(shape)
    shape[dim] *= 2
    x = data.draw(arrays(tuple(shape)))
    a, b = np.split(x, 2, axis=dim)
    check_op(lambda t: F.glu(t, dim), [x], data, lambda _: a / (1 + np.exp(-b)))


@given(data=st.data(), channels=st.integers(1, 3), lead=st.sampled_from([(), (2,)]),
       tail=st.sampled_from([(), (2,)]), shared=st.booleans())
def test_prelu(data, channels, lead, tail, shared):
    """One slope, or one per channel (axis 1; axis 0 of a 1-d input); both get gradients."""
    tail = tail if lead else ()
    shape = (*lead, channels, *tail)
    x = data.draw(arrays(shape, away_from(0, lo=-3, hi=3)))
    w = data.draw(arrays((1,) if shared else (channels,), st.floats(-1, 1)))

    def ref(a, b):
        wb = b.reshape(()) if shared else b.reshape((channels,) + (1,) * len(tail))
        return np.where(a > 0, a, wb * a)
    check_op(F.prelu, [x, w], data, ref)


# ----------------------------------------------------------------------------- extremes
EXTREMES = np.array([-np.inf, -1e308, -1e4, -50.0, -1e-300, -0.0, 0.0, 1e-300, 50.0, 1e4,
                     1e308, np.inf])


def _limits(fn_name: str) -> tuple[float, float]:
    """f(-inf), f(+inf): the limits (PyTorch gives NaN for the gated ones at -inf)."""
    table = {"gelu": (0, np.inf), "gelu(tanh)": (0, np.inf), "silu": (0, np.inf),
             "mish": (0, np.inf), "hardswish": (0, np.inf), "elu": (-1, np.inf),
             "elu(0.3)": (-0.3, np.inf), "celu(0.5)": (-0.5, np.inf),
             "selu": (-SELU_ALPHA * SELU_SCALE, np.inf), "hardtanh": (-1, 1),
             "hardtanh(-0.5, 2)": (-0.5, 2), "softsign": (-1, 1), "relu6": (0, 6),
             "hardsigmoid": (0, 1), "logsigmoid": (-np.inf, 0)}
    return table[fn_name]


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extremes_without_warnings_or_nan(name, dtype):
    """+-inf and huge values give the limits, finite gradients (the limits' slopes) and
    no NumPy warning, in the input's dtype."""
    fn, ref, _ = ACTIVATIONS[name]
    with np.errstate(over="ignore"):
        values = EXTREMES.astype(dtype)
    x = tg.Tensor(values, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x)
        y.backward(np.ones_like(values))
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert not np.isnan(y.data).any() and np.isfinite(x.grad.data).all()
    lo, hi = _limits(name)
    assert y.data[0] == lo and y.data[-1] == hi
    middle = np.abs(values) < 1e3
    with np.errstate(all="ignore"):
        want = ref(values[middle].astype(np.float64))
    np.testing.assert_allclose(y.data[middle], want, rtol=1e-6 if dtype == np.float32 else 1e-12,
                               atol=1e-30)


def test_gelu_lower_tail_is_accurate():
    """x Phi(x) at x = -20 is -5.5e-88: Phi via erfc, not 1 + erf (which gives 0)."""
    x = np.array([-20.0, -10.0, -5.0])
    want = x * 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(F.gelu(tg.Tensor(x)).data, want, rtol=1e-13)


def test_erf_helper_matches_math_erf():
    x = np.concatenate([np.linspace(-8, 8, 4001), [0.0, 1e-300, 1.5, -1.5, 27.0, -27.0]])
    want = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), want, rtol=1e-15, atol=0)
    wantc = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(erfc(x), wantc, rtol=2e-14, atol=0)
    assert erf(np.float32([0.5])).dtype == np.float32
    assert np.isnan(erf(np.array([np.nan]))).all()
    np.testing.assert_array_equal(erf(np.array([-np.inf, np.inf])), [-1.0, 1.0])


@pytest.mark.parametrize("call, message", [
    (lambda: F.gelu(tg.randn(2), approximate="erf"), "approximate"),
    (lambda: F.hardtanh(tg.randn(2), 1.0, -1.0), "max_val"),
    (lambda: F.glu(tg.randn(2, 3), dim=1), "dimension 1 is size 3"),
    (lambda: F.glu(tg.randn(2, 4), dim=2), "Dimension out of range"),
    (lambda: F.prelu(tg.randn(2, 5), tg.Tensor(np.full(3, 0.25))), "parameter numbers = 3"),
])
def test_bad_arguments(call, message):
    with pytest.raises((ValueError, IndexError)) as info:
        call()
    assert message in str(info.value)

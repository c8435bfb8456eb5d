"""nn.init: fans and gains as PyTorch, bounds and spreads checked statistically (seeded)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
from tinygrad_edu.nn import init
from tinygrad_edu.nn.init import _calculate_fan_in_and_fan_out


def _empty(*shape, dtype=np.float64):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def test_fans_follow_pytorch():
    assert _calculate_fan_in_and_fan_out(_empty(30, 20)) == (20, 30)
    assert _calculate_fan_in_and_fan_out(_empty(8, 3, 5, 5)) == (75, 200)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        _calculate_fan_in_and_fan_out(_empty(5))


def test_gains_follow_pytorch():
    assert init.calculate_gain("linear") == init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "x")


# shape (300, 400): fan_in 400, fan_out 300; 120000 draws give the spread to ~0.4% (1 sd)
UNIFORM = [
    (lambda t, g: init.uniform_(t, -1.0, 1.0, generator=g), 1.0),
    (lambda t, g: init.xavier_uniform_(t, gain=2.0, generator=g), 2.0 * math.sqrt(6 / 700)),
    (lambda t, g: init.kaiming_uniform_(t, nonlinearity="relu", generator=g),
     math.sqrt(2) * math.sqrt(3 / 400)),
    (lambda t, g: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", generator=g),
     math.sqrt(2) * math.sqrt(3 / 300)),
    (lambda t, g: init.kaiming_uniform_(t, a=math.sqrt(5), generator=g), 1 / math.sqrt(400)),
]
NORMAL = [
    (lambda t, g: init.normal_(t, 0.0, 0.1, generator=g), 0.1),
    (lambda t, g: init.xavier_normal_(t, generator=g), math.sqrt(2 / 700)),
    (lambda t, g: init.kaiming_normal_(t, nonlinearity="linear", generator=g),
     1 / math.sqrt(400)),
    (lambda t, g: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh", generator=g),
     5 / 3 / math.sqrt(300)),
]


@pytest.mark.parametrize("fill, bound", UNIFORM)
def test_uniform_bounds(fill, bound):
    t = fill(_empty(300, 400), np.random.default_rng(0))
    assert np.abs(t.data).max() <= bound
    assert np.abs(t.data).max() > 0.999 * bound
    assert abs(t.data.std() / (bound / math.sqrt(3)) - 1) < 0.015
    assert abs(t.data.mean()) < 0.02 * bound


@pytest.mark.parametrize("fill, std", NORMAL)
def test_normal_std(fill, std):
    t = fill(_empty(300, 400), np.random.default_rng(0))
    assert abs(t.data.std() / std - 1) < 0.015
    assert abs(t.data.mean()) < 0.02 * std


def test_constants_dtype_and_return_value():
    t = _empty(3, 2, dtype=np.float32)
    assert init.constant_(t, 0.5) is t and np.all(t.data == 0.5) and t.dtype == np.float32
    assert np.all(init.ones_(t).data == 1) and not init.zeros_(t).data.any()


def test_generator_and_global_seed():
    a = init.normal_(_empty(4, 4), generator=np.random.default_rng(5)).data.copy()
    b = init.normal_(_empty(4, 4), generator=np.random.default_rng(5)).data
    np.testing.assert_array_equal(a, b)
    tg.manual_seed(5)
    np.testing.assert_array_equal(init.normal_(_empty(4, 4)).data, a)


def test_articles_schemes_in_one_line():
    rng = np.random.default_rng(1)
    w = _empty(10, 64)
    ref = np.random.default_rng(1).standard_normal((10, 64)) / math.sqrt(64)
    np.testing.assert_allclose(init.kaiming_normal_(w, nonlinearity="linear", generator=rng).data,
                               ref)
    ref = np.random.default_rng(2).standard_normal((10, 64)) * 0.01
    np.testing.assert_allclose(init.normal_(w, 0.0, 0.01, np.random.default_rng(2)).data, ref)


def test_mode_errors_and_empty_tensors():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(_empty(2, 2), mode="fan_avg")
    assert init.kaiming_normal_(_empty(0, 3)).shape == (0, 3)

"""The defaults of public functions: an argument left out means what the docs say."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

X3 = np.random.default_rng(0).standard_normal((2, 3, 4))


def test_std_and_var_drop_the_reduced_axis_by_default():
    x = tg.Tensor(X3)
    for fn in (tg.std, tg.var):
        assert fn(x, axis=1).shape == (2, 4)
        assert fn(x, 1, True).shape == (2, 1, 4)
        assert fn(x).shape == ()
    assert x.std(1).shape == (2, 4)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_normalises_the_last_axis_by_default_on_3d_inputs(name):
    x = tg.Tensor(X3)
    fn = getattr(tg, name)
    np.testing.assert_array_equal(fn(x).data, fn(x, axis=-1).data)
    np.testing.assert_array_equal(getattr(x, name)().data, fn(x, axis=2).data)
    for other in (0, 1):
        assert not np.allclose(fn(x).data, fn(x, axis=other).data)


def test_flatten_merges_exactly_start_dim_to_end_dim():
    x = tg.Tensor(X3)
    assert tg.flatten(x).shape == (24,)
    assert tg.flatten(x, 0, 1).shape == (6, 4)
    assert tg.flatten(x, 1, 1).shape == (2, 3, 4)
    assert tg.flatten(x, start_dim=1).shape == (2, 12)
    np.testing.assert_array_equal(tg.flatten(x, 0, 1).data, X3.reshape(6, 4))

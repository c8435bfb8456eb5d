"""The pooling, padding, BatchNorm2d, Dropout2d and Unflatten layers without PyTorch (their
parity with it is in tests/parity/test_pool_torch.py): state, modes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.nn import functional as F

rng = np.random.default_rng(3)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm2d_running_stats_by_hand(momentum):
    """running = (1 - m) running + m batch (unbiased variance over N, H, W); momentum None:
    the cumulative average 1 / num_batches_tracked; eval normalises with the running ones."""
    bn = nn.BatchNorm2d(3, momentum=momentum, dtype=np.float64)
    mean, var = np.zeros(3), np.ones(3)
    for k in range(1, 4):
        x = rng.normal(size=(4, 3, 2, 5)) * k + k
        y = bn(tg.Tensor(x))
        m = momentum if momentum is not None else 1 / k
        mean = (1 - m) * mean + m * x.mean(axis=(0, 2, 3))
        var = (1 - m) * var + m * x.var(axis=(0, 2, 3), ddof=1)
        np.testing.assert_allclose(bn.running_mean.data, mean, rtol=1e-12)
        np.testing.assert_allclose(bn.running_var.data, var, rtol=1e-12)
        assert int(bn.num_batches_tracked.data) == k
        batch = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(
            x.var(axis=(0, 2, 3), keepdims=True) + 1e-5)
        np.testing.assert_allclose(y.data, batch, rtol=1e-10, atol=1e-12)
    bn.eval()
    x = rng.normal(size=(2, 3, 2, 2))
    want = (x - mean.reshape(1, 3, 1, 1)) / np.sqrt(var.reshape(1, 3, 1, 1) + 1e-5)
    np.testing.assert_allclose(bn(tg.Tensor(x)).data, want, rtol=1e-10)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]


def test_batchnorm2d_errors_name_the_module_and_shape():
    with pytest.raises(ShapeError, match=r"BatchNorm2d\(3.*4D \(N, C, H, W\).*\(2, 3, 4\)"):
        nn.BatchNorm2d(3)(tg.zeros(2, 3, 4))
    with pytest.raises(ShapeError, match=r"4 channels.*expected 3"):
        nn.BatchNorm2d(3)(tg.zeros(2, 4, 3, 3))
    with pytest.raises(ShapeError, match=r"BatchNorm1d.*2D \(N, C\) or 3D"):
        nn.BatchNorm1d(3)(tg.zeros(2, 3, 4, 4))


def test_unflatten():
    x = tg.Tensor(np.arange(24.0).reshape(2, 12), requires_grad=True)
    y = nn.Unflatten(1, (3, -1))(x)
    assert y.shape == (2, 3, 4)
    y.sum().backward()
    assert x.grad.shape == (2, 12)
    assert nn.Unflatten(-1, (2, 2, 3))(x).shape == (2, 2, 2, 3)
    with pytest.raises(ShapeError, match=r"Unflatten.*\(5, 2\).*size 12"):
        nn.Unflatten(1, (5, 2))(x)


def test_dropout2d_channels_inplace_eval_and_generator():
    x = tg.ones(4, 8, 3, 3)
    y = nn.Dropout2d(0.5, generator=tg.Generator().manual_seed(1))(x)
    flat = y.data.reshape(4, 8, 9)
    assert (flat == flat[..., :1]).all() and set(np.unique(flat)) == {0.0, 2.0}
    again = nn.Dropout2d(0.5, generator=tg.Generator().manual_seed(1))(x)
    np.testing.assert_array_equal(again.data, y.data)
    drop = nn.Dropout2d(0.5, inplace=True)
    z = tg.ones(4, 8, 3, 3)
    out = drop(z)
    assert out is z and set(np.unique(z.data)) == {0.0, 2.0}
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(1.5)


def test_max_pool_module_returns_indices_and_pads_crop():
    x = tg.Tensor(rng.permutation(16).reshape(1, 1, 4, 4).astype(float))
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert out.shape == (1, 1, 2, 2) and idx.dtype == np.int64
    np.testing.assert_array_equal(x.data.reshape(-1)[idx.data.reshape(-1)], out.data.ravel())
    assert nn.ZeroPad2d((1, -1, 0, 2))(x).shape == (1, 1, 6, 4)
    assert nn.ConstantPad2d(1, 7.0)(x).data[0, 0, 0, 0] == 7.0
    np.testing.assert_array_equal(nn.ReflectionPad2d(1)(x).data[0, 0, 0, 1:-1],
                                  x.data[0, 0, 1])
    np.testing.assert_array_equal(nn.ReplicationPad2d(1)(x).data[0, 0, 0, 1:-1],
                                  x.data[0, 0, 0])
    with pytest.raises(ShapeError, match=r"ZeroPad2d.*4-tuple"):
        nn.ZeroPad2d((1, 2))
    assert nn.AdaptiveAvgPool2d((1, None))(x).shape == (1, 1, 1, 4)
    assert nn.AvgPool2d(3, stride=1, padding=1)(x).shape == (1, 1, 4, 4)


def test_dropout2d_in_eval_returns_any_input_unchanged():
    """As PyTorch: the shape is checked only when dropping (a 1-D input in eval used to raise)."""
    x = tg.randn(5)
    with pytest.warns(UserWarning):  # PyTorch's warning for inputs that are not 3-D or 4-D
        assert F.dropout2d(x, 0.5, training=False) is x


def test_batch_norm_in_eval_treats_the_running_statistics_as_constants():
    """The running variance is a buffer: eval-mode batch norm records no op on it (it used
    to, so a running_var that required grad got a gradient; PyTorch refuses one)."""
    x = tg.randn(4, 3, 2, 2, requires_grad=True)
    mean, var = tg.zeros(3), tg.ones(3, requires_grad=True)
    F.batch_norm(x, mean, var, training=False).sum().backward()
    assert var.grad is None and x.grad is not None

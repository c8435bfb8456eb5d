"""LayerNorm, BatchNorm1d, Embedding (issue 12): forward vs NumPy, state-dict keys, running
statistics over several steps vs a hand computation, eval mode, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

rng = np.random.default_rng(7)


def test_layer_norm_forward_keys_and_gradcheck():
    ln = nn.LayerNorm((3, 4), dtype=np.float64)
    assert list(ln.state_dict()) == ["weight", "bias"] and ln.weight.shape == (3, 4)
    assert repr(ln) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True, bias=True)"
    ln.weight.data[:] = rng.normal(size=(3, 4))
    ln.bias.data[:] = rng.normal(size=(3, 4))
    x = rng.normal(size=(2, 3, 4))
    mu = x.mean(axis=(1, 2), keepdims=True)
    var = ((x - mu) ** 2).mean(axis=(1, 2), keepdims=True)
    want = (x - mu) / np.sqrt(var + 1e-5) * ln.weight.data + ln.bias.data
    np.testing.assert_allclose(ln(tg.Tensor(x)).data, want, rtol=1e-12)
    xt = tg.Tensor(x, requires_grad=True)
    assert tg.gradcheck(lambda t, w, b: F.layer_norm(t, (3, 4), w, b), (xt, ln.weight, ln.bias))
    assert tg.gradgradcheck(lambda t: F.layer_norm(t, 4), (tg.Tensor(x, requires_grad=True),))


def test_layer_norm_options():
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == ["weight"]
    plain = nn.LayerNorm(4, elementwise_affine=False)
    assert list(plain.state_dict()) == [] and plain.weight is None
    x = rng.normal(size=(5, 4))
    y = plain(tg.Tensor(x)).data
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-6)
    with pytest.raises(tg.ShapeError, match=r"LayerNorm\(\(4,\).*expected input of shape "
                                            r"\(\*, 4\), got \(5, 3\)"):
        plain(tg.randn(5, 3))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
def test_batch_norm_running_stats_over_steps(shape, momentum):
    bn = nn.BatchNorm1d(3, momentum=momentum, dtype=np.float64)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.shape == ()
    axes = (0,) if len(shape) == 2 else (0, 2)
    mean, var = np.zeros(3), np.ones(3)
    for step in range(1, 5):
        x = rng.normal(size=shape) * 2 + 1
        y = bn(tg.Tensor(x)).data
        m = x.mean(axis=axes)
        n = x.size // 3
        v = x.var(axis=axes)  # biased: what the output uses
        f = momentum if momentum is not None else 1 / step
        mean = (1 - f) * mean + f * m
        var = (1 - f) * var + f * v * n / (n - 1)  # unbiased in the running estimate
        b = (1, 3) + (1,) * (len(shape) - 2)
        np.testing.assert_allclose(y, (x - m.reshape(b)) / np.sqrt(v.reshape(b) + 1e-5),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(bn.running_mean.data, mean, rtol=1e-13)
        np.testing.assert_allclose(bn.running_var.data, var, rtol=1e-13)
        assert int(bn.num_batches_tracked.data) == step
    bn.eval()
    x = rng.normal(size=shape)
    b = (1, 3) + (1,) * (len(shape) - 2)
    want = (x - mean.reshape(b)) / np.sqrt(var.reshape(b) + 1e-5)
    np.testing.assert_allclose(bn(tg.Tensor(x)).data, want, rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean.data, mean)  # eval does not update
    assert int(bn.num_batches_tracked.data) == 4


def test_batch_norm_gradients_and_affine():
    bn = nn.BatchNorm1d(2, dtype=np.float64)
    bn.weight.data[:] = [2.0, -1.0]
    bn.bias.data[:] = [0.5, 0.0]
    x = tg.Tensor(rng.normal(size=(4, 2, 3)), requires_grad=True)
    assert tg.gradcheck(lambda t, w, b: F.batch_norm(t, None, None, w, b, training=True),
                        (x, bn.weight, bn.bias))
    y = bn(x).data
    np.testing.assert_allclose(y.mean(axis=(0, 2)), [0.5, 0.0], atol=1e-12)


def test_batch_norm_without_running_stats_and_errors():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(bn.state_dict()) == [] and bn.running_mean is None
    assert repr(bn) == ("BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, "
                        "track_running_stats=False)")
    x = rng.normal(size=(5, 3))
    bn.eval()  # no running statistics: batch statistics even in eval mode
    np.testing.assert_allclose(bn(tg.Tensor(x)).data.mean(axis=0), 0, atol=1e-6)
    with pytest.raises(tg.ShapeError, match=r"BatchNorm1d\(3.*4 channels on axis 1"):
        bn(tg.randn(5, 4))
    with pytest.raises(tg.ShapeError, match="expected 2D"):
        bn(tg.randn(5, 3, 2, 2))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tg.randn(1, 3))


def test_embedding_lookup_scatter_add_and_padding():
    tg.manual_seed(0)
    e = nn.Embedding(5, 3, padding_idx=1)
    assert repr(e) == "Embedding(5, 3, padding_idx=1)" and list(e.state_dict()) == ["weight"]
    np.testing.assert_array_equal(e.weight.data[1], 0)
    e.weight.data[1] = 7.0  # the padding row may hold anything: returned, never trained
    idx = np.array([[0, 1, 0], [4, 1, 2]])
    out = e(tg.Tensor(idx))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, e.weight.data[idx])
    g = rng.normal(size=(2, 3, 3))
    out.backward(g)
    want = np.zeros((5, 3))
    np.add.at(want, idx, g)
    want[1] = 0
    np.testing.assert_allclose(e.weight.grad.data, want)


def test_embedding_errors_name_the_module():
    e = nn.Embedding(4, 2)
    with pytest.raises(tg.DTypeError, match=r"Embedding\(4, 2\): expected integer indices"):
        e(tg.Tensor(np.array([0.0, 1.0])))
    with pytest.raises(IndexError, match=r"Embedding\(4, 2\): index 4 is out of range"):
        e(tg.Tensor(np.array([0, 4])))
    with pytest.raises(IndexError, match="index -1"):
        F.embedding(np.array([-1]), e.weight)
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(4, 2, padding_idx=4)
    assert nn.Embedding(4, 2, padding_idx=-1).padding_idx == 3

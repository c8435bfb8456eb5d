"""The benchmarks compare like with like: each hand-written NumPy baseline computes exactly
what the framework computes (same gradients, same updated weights), at toy sizes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_conv
import bench_engine
import bench_training

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_tiny_chain_gradients_match():
    for got, want in zip(bench_engine.chain_tiny_framework(50), bench_engine.chain_tiny_numpy(50)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_big_chain_gradient_matches():
    x0 = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(bench_engine.big_chain_framework(x0, 30),
                               bench_engine.big_chain_numpy(x0, 30), rtol=1e-12)


def test_mlp_step_matches():
    x, y, params = bench_engine.mlp_data(n=40, sizes=(12, 6, 5, 3))
    tparams = [tg.Tensor(p.copy(), requires_grad=True) for p in params]
    nparams = [p.copy() for p in params]
    for _ in range(3):
        loss_t = bench_engine.mlp_step_framework(x, y, tparams)
        loss_n = bench_engine.mlp_step_numpy(x, y, nparams)
        np.testing.assert_allclose(loss_t.item(), loss_n, rtol=1e-12)
    for t, n in zip(tparams, nparams):
        np.testing.assert_allclose(t.data, n, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("act,hidden,batch", [("sigmoid", nn.Sigmoid, 1), ("relu", nn.ReLU, 4)])
def test_training_epoch_matches(act, hidden, batch):
    x, y = bench_training.make_data(24, 8, 3)
    params = bench_training.init_params((8, 7, 3))
    model = bench_training.framework_model(params, hidden)
    nparams = [(w.copy(), b.copy()) for w, b in params]
    bench_training.framework_epoch(model, x, y, batch, 0.1)
    bench_training.numpy_epoch(nparams, x, y, batch, 0.1, act)
    got = [p.data for p in model.parameters()]
    want = [a for pair in nparams for a in pair]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-13)


def test_conv_baseline_matches():
    """bench_conv's hand-written im2col gives the framework's output and all three gradients."""
    x, w, b, g = bench_conv.conv_data(3, 4, 5, 6, np.float64)
    for got, want in zip(bench_conv.conv_framework(x, w, b, g), bench_conv.conv_numpy(x, w, b, g)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv_benchmark_pool_is_max_pooling():
    """The LeNet benchmark's pooling is 2x2 max pooling (as PyTorch's MaxPool2d)."""
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 6))
    want = x.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(bench_conv.MaxPool2x2()(tg.Tensor(x)).data, want)

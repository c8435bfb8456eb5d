"""The benchmarks compare like with like: each hand-written NumPy baseline computes exactly
what the framework computes (same gradients, same updated weights), at toy sizes."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_compile
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


@pytest.mark.parametrize("act,hidden,batch,relu_out", [
    ("sigmoid", nn.Sigmoid, 1, False), ("relu", nn.ReLU, 4, False), ("relu", nn.ReLU, 1, True)])
def test_training_epoch_matches(act, hidden, batch, relu_out):
    x, y = bench_training.make_data(24, 8, 3)
    params = bench_training.init_params((8, 7, 3))
    model = bench_training.framework_model(params, hidden, relu_out=relu_out)
    nparams = [(w.copy(), b.copy()) for w, b in params]
    bench_training.framework_epoch(model, x, y, batch, 0.1)
    bench_training.numpy_epoch(nparams, x, y, batch, 0.1, act, relu_out)
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


# ------------------------------------------------------------------ bench_compile
_TINY = {  # bench_compile's five workloads at toy sizes (same losses, activations, loops)
    "article 000": dict(sizes=(9, 6, 5, 4), n=10),
    "article 001": dict(sizes=(8, 7, 3), n=9),
    "article 002": dict(sizes=(8, 7, 3), n=9),
    "batch-64": dict(sizes=(8, 7, 3), n=22, batch=4),
    "article 004": dict(sizes=(12, 5, 4, 3, 1), n=10),
}


def _tiny_workloads():
    params = []
    for wl, key in zip(bench_compile.workloads(quick=True), _TINY):
        tiny = dataclasses.replace(wl, steps=5, **_TINY[key])
        params.append(pytest.param(tiny, id=key))
    return params


def _tiny_setup(wl, dtype=np.float64):
    x, y = bench_compile.data(wl, dtype)
    params = bench_training.init_params(wl.sizes)
    tg_batches = [(tg.from_numpy(xb), tg.from_numpy(yb))
                  for xb, yb in bench_compile.batches(wl, x, y)]
    return x, y, params, tg_batches


def _flat(nparams):
    return [a for pair in nparams for a in pair]


@pytest.mark.parametrize("wl", [p.values[0] for p in _tiny_workloads()],
                         ids=list(_TINY))
def test_compile_baselines_match_eager(wl):
    """Each workload's hand-written NumPy run updates the weights as the framework's eager
    step does (the ratios compare equal work)."""
    x, y, params, tg_batches = _tiny_setup(wl)
    model, step = bench_compile.framework_step(wl, params, np.float64)
    nparams = [(w.copy(), b.copy()) for w, b in params]
    bench_compile.framework_run(wl, step, tg_batches)
    bench_compile.numpy_run(wl, nparams, x, y)
    for got, want in zip([p.data for p in model.parameters()], _flat(nparams), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_bce_baseline_returns_the_framework_cost():
    wl = dataclasses.replace(bench_compile.workloads(quick=True)[0], **_TINY["article 000"])
    x, y, params, tg_batches = _tiny_setup(wl)
    _, step = bench_compile.framework_step(wl, params, np.float64)
    cost = bench_compile.numpy_bce_step([(w.copy(), b.copy()) for w, b in params], x, y,
                                        wl.lr, wl.hidden, wl.lam)
    np.testing.assert_allclose(step(*tg_batches[0]).item(), cost, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("wl", _tiny_workloads())
def test_compiled_step_equals_eager(wl, dtype):
    """Five runs (per-sample and batch loops: five epochs) compiled give the eager weights:
    the compiled candidate does the eager candidate's work."""
    _, _, params, tg_batches = _tiny_setup(wl, dtype)
    eager_model, eager = bench_compile.framework_step(wl, params, dtype)
    model, fn = bench_compile.framework_step(wl, params, dtype)
    compiled = tg.compile(fn)
    for _ in range(5):
        bench_compile.framework_run(wl, eager, tg_batches)
        bench_compile.framework_run(wl, compiled, tg_batches)
    assert "replaying" in compiled.explain()
    for got, want in zip(model.parameters(), eager_model.parameters(), strict=True):
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got.data, want.data)


@pytest.mark.parametrize("wl", [p.values[0] for p in _tiny_workloads()], ids=list(_TINY))
def test_jax_baseline_matches_numpy(wl):
    jax = pytest.importorskip("jax")
    bench_compile.try_import_jax()
    x, y, params, _ = _tiny_setup(wl)
    nparams = [(w.copy(), b.copy()) for w, b in params]
    state = [[(jax.numpy.asarray(w), jax.numpy.asarray(b)) for w, b in params]]
    bench_compile.jax_run(jax, wl, bench_compile.jax_step(jax, wl), state,
                          bench_compile.batches(wl, x, y))
    bench_compile.numpy_run(wl, nparams, x, y)
    for got, want in zip(_flat(state[0]), _flat(nparams), strict=True):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("wl", [p.values[0] for p in _tiny_workloads()], ids=list(_TINY))
def test_torch_baseline_matches_numpy(wl):
    torch = pytest.importorskip("torch")
    x, y, params, _ = _tiny_setup(wl)
    nparams = [(w.copy(), b.copy()) for w, b in params]
    model, step = bench_compile.torch_step(torch, wl, params, np.float64)
    bench_compile.framework_run(wl, step, [(torch.from_numpy(xb), torch.from_numpy(yb))
                                           for xb, yb in bench_compile.batches(wl, x, y)])
    bench_compile.numpy_run(wl, nparams, x, y)
    got = [p.detach().numpy() for p in model.parameters()]
    for g, w in zip(got, _flat(nparams), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-13)

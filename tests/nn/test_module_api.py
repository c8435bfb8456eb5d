"""Module hooks, ModuleList/ModuleDict/ParameterList/ParameterDict, gradient clipping
(issue 12)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn


class Two(nn.Module):
    """Two tensor inputs, two tensor outputs."""

    def forward(self, a, b):
        return a * b, a + b


def test_forward_pre_hook_and_forward_hook_see_and_replace():
    lin = nn.Linear(3, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append(("pre", m, args)))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(("post", m, args, out)))
    x = tg.randn(4, 3)
    y = lin(x)
    assert [c[0] for c in calls] == ["pre", "post"]
    assert calls[0][1] is lin and calls[0][2] == (x,) and calls[1][3] is y
    h1.remove()
    h2.remove()
    lin.register_forward_pre_hook(lambda m, args: args[0] * 0)   # a single value: wrapped
    lin.register_forward_hook(lambda m, args, out: out + 1)
    np.testing.assert_allclose(lin(x).data, np.broadcast_to(lin.bias.data + 1, (4, 2)), rtol=1e-6)
    assert len(calls) == 2  # the removed hooks did not run again


def test_full_backward_hook_arguments_as_pytorch():
    m = Two()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((mod, gi, go)))
    a = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = tg.Tensor(np.array([3.0, 4.0]))  # does not require grad: zeros, as PyTorch
    u, v = m(a, b)
    (u.sum() * 2 + (v * v).sum()).backward()
    (mod, gi, go), = seen
    assert mod is m and len(gi) == 2 and len(go) == 2
    np.testing.assert_allclose(go[0].data, [2.0, 2.0])
    np.testing.assert_allclose(go[1].data, [8.0, 12.0])  # 2 (a + b)
    np.testing.assert_allclose(gi[0].data, 2 * np.array([3.0, 4.0]) + go[1].data)
    np.testing.assert_array_equal(gi[1].data, [0.0, 0.0])
    np.testing.assert_allclose(a.grad.data, gi[0].data)


def test_full_backward_hook_replaces_grad_input_and_fires_without_input_grads():
    lin = nn.Linear(3, 2)
    got = []

    def hook(mod, gi, go):
        got.append((gi, go))
        return None if gi[0] is None else (gi[0] * 10,)
    lin.register_full_backward_hook(hook)
    x = tg.randn(4, 3, requires_grad=True)
    lin(x).sum().backward()
    expected = np.ones((4, 2)) @ lin.weight.data
    np.testing.assert_allclose(x.grad.data, 10 * expected, rtol=1e-6)
    lin(tg.randn(4, 3)).sum().backward()  # the input needs no gradient: grad_input (None,)
    assert got[1][0] == (None,) and got[1][1][0].shape == (4, 2)
    assert lin.weight.grad is not None


def test_backward_hook_under_create_graph_gives_tensors_in_the_graph():
    lin = nn.Linear(2, 1, dtype=np.float64)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * gi[0],))
    x = tg.Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    (g,) = tg.autograd.grad(lin(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, lin.weight.data ** 2)
    assert g.requires_grad


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 3 and isinstance(layers[-1], nn.Linear)
    assert list(layers.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    layers.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in layers] == ["Linear", "Tanh", "ReLU", "Linear"]
    del layers[1]
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2"]
    assert isinstance(layers[0:2], nn.ModuleList) and len(layers[0:2]) == 2
    with pytest.raises(IndexError):
        layers[3]

    d = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()})
    d["dec"] = nn.Linear(3, 2)
    assert list(d) == ["enc", "act", "dec"] and "act" in d
    assert list(d.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert isinstance(d.pop("act"), nn.ReLU) and list(d.keys()) == ["enc", "dec"]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"]
    assert net(tg.randn(3, 2)).shape == (3, 2)
    assert repr(net).startswith("Net(\n  (blocks): ModuleList(\n    (0): Linear(")


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(np.ones(2)), np.zeros(3)])
    assert len(pl) == 2 and all(isinstance(p, nn.Parameter) for p in pl)
    assert list(pl.state_dict()) == ["0", "1"] and len(list(pl.parameters())) == 2
    pd = nn.ParameterDict({"a": np.ones(2)})
    pd["b"] = nn.Parameter(np.zeros(1))
    assert list(pd.state_dict()) == ["a", "b"] and "b" in pd


def test_module_api_pieces():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))
    assert [n for n, _ in net.named_buffers()] == ["1.running_mean", "1.running_var",
                                                  "1.num_batches_tracked"]
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "BatchNorm1d", "Linear", "Sequential"]  # children first
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(tg.randn(4, 2)).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())  # set_to_none=True by default


def _grad_params(*grads):
    ps = []
    for g in grads:
        p = nn.Parameter(np.zeros_like(g))
        p.grad = tg.Tensor(np.array(g, dtype=np.float64))
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
def test_clip_grad_norm_against_hand_computation(norm_type):
    g1, g2 = np.array([3.0, -4.0]), np.array([[1.0, 2.0], [-2.0, 0.5]])
    ps = _grad_params(g1, g2)
    p = float(norm_type)
    flat = np.concatenate([g1, g2.ravel()])
    total = np.abs(flat).max() if p == math.inf else (np.abs(flat) ** p).sum() ** (1 / p)
    out = nn.utils.clip_grad_norm_(ps, max_norm=1.0, norm_type=norm_type)
    assert isinstance(out, tg.Tensor) and out.shape == () and out.dtype == np.float64
    np.testing.assert_allclose(out.data, total, rtol=1e-14)
    coef = 1.0 / (total + 1e-6)
    np.testing.assert_allclose(ps[0].grad.data, g1 * coef, rtol=1e-14)
    np.testing.assert_allclose(ps[1].grad.data, g2 * coef, rtol=1e-14)


def test_clip_grad_norm_leaves_small_gradients_and_checks_finiteness():
    ps = _grad_params(np.array([0.3, 0.4]))
    out = nn.utils.clip_grad_norm_(ps[0], max_norm=10.0)
    np.testing.assert_allclose(out.data, 0.5)
    np.testing.assert_allclose(ps[0].grad.data, [0.3, 0.4])
    bad = _grad_params(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    assert float(nn.utils.clip_grad_norm_([nn.Parameter(np.ones(2))], 1.0).data) == 0.0


def test_clip_grad_value():
    ps = _grad_params(np.array([-3.0, 0.5, 2.0]))
    assert nn.utils.clip_grad_value_(ps, 1.0) is None
    np.testing.assert_array_equal(ps[0].grad.data, [-1.0, 0.5, 1.0])


def test_backward_hook_keeps_each_input_dtype():
    """The hook's pack of a float32 and a float64 input hands each back in its own dtype."""
    m = Two()
    m.register_full_backward_hook(lambda mod, gi, go: None)
    a = tg.Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = tg.Tensor(np.array([3.0, 4.0]), requires_grad=True)
    seen = []
    m.register_forward_pre_hook(lambda mod, args: None)
    m.register_forward_hook(lambda mod, args, out: seen.append([x.dtype for x in args]))
    u, _ = m(a, b)
    assert seen == [[np.float32, np.float64]]
    u.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad.data, [3.0, 4.0])

"""Module: registration, traversal, state dicts, modes, repr; Sequential; Parameter; Dropout."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(np.ones(4))
        self.register_buffer("count", tg.Tensor(np.zeros(1)))
        self.register_buffer("cache", tg.Tensor(np.zeros(2)), persistent=False)
        self.not_registered = tg.Tensor(np.zeros(5))

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        self.head = Block()

    def forward(self, x):
        return self.head(self.body(x))


def test_registration_and_nested_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "body.0.weight", "body.0.bias", "head.scale", "head.fc.weight", "head.fc.bias"]
    assert [n for n, _ in net.named_children()] == ["body", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "body", "body.0", "body.1", "head",
                                                   "head.fc"]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Sequential", "Linear", "ReLU",
                                                         "Block", "Linear"]
    assert [n for n, _ in net.named_buffers()] == ["head.count", "head.cache"]
    assert list(net.head.parameters(recurse=False)) == [net.head.scale]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_state_dict_keys_layout_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["body.0.weight", "body.0.bias", "head.scale", "head.count",
                        "head.fc.weight", "head.fc.bias"]  # non-persistent buffer left out
    assert sd["body.0.weight"].shape == (3, 2)  # PyTorch's (out, in)
    assert not sd["body.0.weight"].requires_grad
    assert np.shares_memory(sd["head.fc.bias"].data, net.head.fc.bias.data)
    assert net.state_dict(keep_vars=True)["head.scale"] is net.head.scale


def test_shared_parameters_counted_once_but_named_twice_in_state_dict():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.Tanh(), lin)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_round_trip_copies_into_existing_arrays():
    a, b = Net(), Net()
    x = tg.randn(5, 2)
    weight_before = b.head.fc.weight
    array_before = b.head.fc.weight.data
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.head.fc.weight is weight_before and b.head.fc.weight.data is array_before
    np.testing.assert_array_equal(a(x).data, b(x).data)
    # the values were copied: changing a does not change b
    a.head.fc.weight.data += 1
    assert not np.allclose(a(x).data, b(x).data)


def test_load_state_dict_accepts_arrays_and_casts_dtype():
    m = nn.Linear(2, 2)
    state = {k: v.data.astype(np.float64) + 1 for k, v in m.state_dict().items()}
    m.load_state_dict(state)
    assert m.weight.dtype == np.float32
    np.testing.assert_allclose(m.weight.data, state["weight"], rtol=1e-6)


def test_strict_load_lists_missing_unexpected_and_shape_errors():
    m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = m.state_dict()
    before = m[0].weight.data.copy()
    bad = OrderedDict(sd)
    del bad["1.bias"]
    bad["extra.weight"] = np.zeros(3)
    bad["0.weight"] = np.ones((4, 2))
    bad["1.weight"] = np.full((1, 3), 7.0)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(bad)
    msg = str(e.value)
    assert "Error(s) in loading state_dict for Sequential" in msg
    assert 'Missing key(s) in state_dict: "1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert ("size mismatch for 0.weight: copying a param with shape (4, 2) from checkpoint, "
            "the shape in current model is (3, 2)") in msg
    # nothing was copied, not even the entries that matched
    np.testing.assert_array_equal(m[0].weight.data, before)
    assert not np.all(m[1].weight.data == 7.0)


def test_non_strict_load_reports_keys_and_still_checks_shapes():
    m = nn.Linear(2, 3)
    res = m.load_state_dict({"weight": np.zeros((3, 2)), "junk": 1}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["junk"]
    assert np.all(m.weight.data == 0)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        m.load_state_dict({"weight": np.zeros((2, 3))}, strict=False)


def test_setattr_rules():
    m = nn.Linear(2, 2, bias=False)
    assert m.bias is None and "bias" in m._parameters
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        m.weight = tg.zeros(2, 2)
    m.bias = nn.Parameter(np.zeros(2, np.float32))
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    # re-assigning a name to another kind moves it between registries
    m.bias = nn.Identity()
    assert "bias" not in m._parameters and "bias" in m._modules
    del m.bias
    assert "bias" not in m._modules and not hasattr(m, "bias")


def test_register_errors():
    m = nn.Module()
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("training", tg.zeros(1))
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="Tensor or None required"):
        m.register_buffer("b", np.zeros(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\)"):
        Early()


def test_zero_grad_and_requires_grad():
    m = nn.Linear(3, 2)
    m(tg.randn(4, 3)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_double_keeps_objects():
    m = nn.Sequential(nn.Linear(2, 2))
    w = m[0].weight
    m.double()
    assert m[0].weight is w and w.dtype == np.float64
    m.float()
    assert w.dtype == np.float32


def test_train_eval_propagate():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_repr_matches_pytorch_format():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Dropout(0.1), nn.Flatten()),
                        nn.LeakyReLU(0.2), nn.Softmax(dim=1))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.1, inplace=False)\n"
        "    (1): Flatten(start_dim=1, end_dim=-1)\n"
        "  )\n"
        "  (3): LeakyReLU(negative_slope=0.2)\n"
        "  (4): Softmax(dim=1)\n"
        ")")
    assert repr(nn.Linear(1, 1, bias=False)) == "Linear(in_features=1, out_features=1, bias=False)"
    assert repr(nn.Parameter(np.zeros(1))).startswith("Parameter containing:\nTensor(")


def test_sequential_container_protocol():
    layers = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:]
    with pytest.raises(IndexError):
        seq[3]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight",
                                                        "2.bias"]
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    x = tg.randn(4, 2)
    np.testing.assert_allclose(seq(x).data, layers[2](layers[1](layers[0](x))).sigmoid().data)


def test_parameter_shares_tensor_data_and_ops_return_tensors():
    t = tg.randn(3)
    p = nn.Parameter(t)
    assert p.data is t.data and p.requires_grad and p.is_leaf
    assert type(p * 2) is tg.Tensor
    assert nn.Parameter().shape == (0,)
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad


def test_deepcopy_keeps_structure_and_copies_values():
    net = Net()
    twin = copy.deepcopy(net)
    assert list(twin.state_dict()) == list(net.state_dict())
    twin.head.fc.weight.data += 1
    assert not np.allclose(twin.head.fc.weight.data, net.head.fc.weight.data)
    assert twin.head.fc.weight is twin._modules["head"]._modules["fc"]._parameters["weight"]


# ----------------------------------------------------------------------------- dropout
def test_dropout_eval_is_identity_and_train_scales():
    tg.manual_seed(0)
    x = tg.Tensor(np.ones((200, 500)))
    drop = nn.Dropout(p=0.3)
    y = drop(x).data
    kept = y != 0
    assert abs(1 - kept.mean() - 0.3) < 0.005  # 100k draws: sd 0.0015
    np.testing.assert_allclose(y[kept], 1 / 0.7)
    drop.eval()
    assert drop(x) is x


def test_dropout_is_reproducible_with_manual_seed_and_backprops_the_mask():
    x = tg.Tensor(np.arange(1.0, 21.0), requires_grad=True)
    tg.manual_seed(7)
    a = F.dropout(x, 0.5).data
    tg.manual_seed(7)
    y = F.dropout(x, 0.5)
    np.testing.assert_array_equal(a, y.data)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.where(a != 0, 2.0, 0.0))


def test_dropout_inplace_overwrites_its_input_and_backprops_the_mask():
    """nn.Dropout(p, inplace=True) and F.dropout(x, p, True, True) (PyTorch's positional
    order) multiply the input itself; the gradient still goes through the mask."""
    x = tg.Tensor(np.arange(1.0, 21.0), requires_grad=True)
    tg.manual_seed(3)
    want = F.dropout(x * 2, 0.5).data
    tg.manual_seed(3)
    h = x * 2
    y = nn.Dropout(0.5, inplace=True)(h)
    assert y is h
    np.testing.assert_array_equal(y.data, want)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.where(want != 0, 4.0, 0.0))
    tg.manual_seed(3)
    z = x.detach() * 2
    assert F.dropout(z, 0.5, True, True) is z
    np.testing.assert_array_equal(z.data, want)
    assert repr(nn.Dropout(0.5, inplace=True)) == "Dropout(p=0.5, inplace=True)"


def test_dropout_edge_probabilities():
    x = tg.randn(3, 4)
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).data.any()
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(p)

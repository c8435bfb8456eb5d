"""Parity with PyTorch (float64) for the convolutions: F.conv1d/conv2d/conv_transpose2d/
unfold/fold values and gradients (first order, and a double-backward product), and
Conv1d/Conv2d/ConvTranspose2d with weights moved through state_dict both ways."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

from .test_nn_torch import _pair

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(15)
RTOL, ATOL = 1e-12, 1e-12
pytestmark = pytest.mark.usefixtures("float64_defaults")  # tests/parity/conftest.py


def _close(ours, theirs):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


def _both(shapes):
    arrays = [rng.normal(size=s) for s in shapes]
    return ([tg.Tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


# (name, input shapes, ours, theirs): each pair called on its own framework's tensors
CASES = [
    ("conv2d", [(2, 4, 7, 6), (6, 2, 3, 2), (6,)],
     lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
     lambda x, w, b: TF.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ("conv2d same", [(2, 3, 6, 5), (4, 3, 4, 3)],
     lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 2)),
     lambda x, w: TF.conv2d(x, w, padding="same", dilation=(1, 2))),
    ("conv2d valid unbatched", [(3, 6, 5), (4, 3, 2, 2), (4,)],
     lambda x, w, b: F.conv2d(x, w, b, padding="valid"),
     lambda x, w, b: TF.conv2d(x, w, b, padding="valid")),
    ("conv1d", [(2, 4, 9), (8, 1, 3), (8,)],
     lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=4),
     lambda x, w, b: TF.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=4)),
    ("conv1d same", [(2, 3, 8), (5, 3, 4)],
     lambda x, w: F.conv1d(x, w, padding="same"),
     lambda x, w: TF.conv1d(x, w, padding="same")),
    ("conv_transpose2d", [(2, 4, 3, 4), (4, 3, 3, 2), (6,)],
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 3), padding=(1, 0),
                                        output_padding=(1, 2), groups=2, dilation=(1, 2)),
     lambda x, w, b: TF.conv_transpose2d(x, w, b, stride=(2, 3), padding=(1, 0),
                                         output_padding=(1, 2), groups=2, dilation=(1, 2))),
    ("conv_transpose2d dilation > stride", [(1, 2, 3, 3), (2, 2, 2, 2)],
     lambda x, w: F.conv_transpose2d(x, w, padding=1, output_padding=1, dilation=3),
     lambda x, w: TF.conv_transpose2d(x, w, padding=1, output_padding=1, dilation=3)),
    ("unfold", [(2, 3, 6, 7)],
     lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
     lambda x: TF.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))),
    ("fold", [(2, 12, 9)],
     lambda c: F.fold(c, (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=(2, 2)),
     lambda c: TF.fold(c, (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=(2, 2))),
]


@pytest.mark.parametrize("name, shapes, ours, theirs", CASES, ids=[c[0] for c in CASES])
def test_functional_values_and_gradients(name, shapes, ours, theirs):
    a, b = _both(shapes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: 'same' with an even kernel
        y, z = ours(*a), theirs(*b)
    _close(y.data, z)
    g = rng.normal(size=y.shape)
    ga = tg.autograd.grad(y, a, tg.Tensor(g, requires_grad=True), create_graph=True)
    gb = torch.autograd.grad(z, b, torch.tensor(g, requires_grad=True), create_graph=True)
    for u, v in zip(ga, gb):
        _close(u.data, v)
    # second order: d/d inputs of sum_i <grad_i, r_i> (a Hessian-vector product)
    r = [rng.normal(size=s) for s in shapes]
    sa = sum((u * tg.Tensor(ri)).sum() for u, ri in zip(ga, r))
    sb = sum((v * torch.tensor(ri)).sum() for v, ri in zip(gb, r))
    if sb.requires_grad:   # linear in every input alone: only the cross terms survive
        hb = torch.autograd.grad(sb, b, allow_unused=True)
        ha = tg.autograd.grad(sa, a, allow_unused=True)
        for u, v in zip(ha, hb):
            if v is None:
                assert u is None or not np.any(u.data)
            else:
                _close(u.data, v)


MODULES = [
    ("Conv1d", lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 9)),
    ("Conv2d", lambda m: m.Conv2d(3, 4, (3, 2), padding="same", dilation=2), (2, 3, 6, 5)),
    ("Conv2d no bias", lambda m: m.Conv2d(4, 6, 3, stride=2, groups=2, bias=False),
     (2, 4, 7, 7)),
    ("ConvTranspose2d", lambda m: m.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1,
                                                    output_padding=1, groups=2), (2, 4, 3, 4)),
    ("Conv2d reflect", lambda m: m.Conv2d(3, 4, (3, 2), padding=(2, 1), padding_mode="reflect"),
     (2, 3, 6, 5)),
    ("Conv2d replicate same", lambda m: m.Conv2d(3, 4, (4, 3), padding="same", dilation=(1, 2),
                                                 padding_mode="replicate"), (2, 3, 6, 7)),
    ("Conv2d circular strided", lambda m: m.Conv2d(4, 6, 3, stride=2, padding=1, groups=2,
                                                   padding_mode="circular"), (2, 4, 7, 6)),
    ("Conv1d circular", lambda m: m.Conv1d(3, 4, 3, padding=2, padding_mode="circular"),
     (2, 3, 8)),
    ("Conv1d reflect valid", lambda m: m.Conv1d(3, 4, 3, padding="valid",
                                                padding_mode="reflect"), (2, 3, 8)),
]


@pytest.mark.parametrize("direction", ["to_torch", "from_torch"])
@pytest.mark.parametrize("name, make, shape", MODULES, ids=[c[0] for c in MODULES])
def test_modules_through_state_dict(direction, name, make, shape):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: 'same' with an even kernel
        _pair(ours, theirs, rng.normal(size=shape), direction)


def test_default_init_has_pytorchs_distribution():
    """Same bounds as PyTorch's reset_parameters: the largest |weight| and |bias| of a wide
    layer approach 1/sqrt(fan_in) in both frameworks."""
    tg.manual_seed(0)
    torch.manual_seed(0)
    for make in (lambda m: m.Conv2d(8, 256, 3, groups=2), lambda m: m.ConvTranspose2d(8, 256, 3),
                 lambda m: m.Conv1d(8, 256, 5)):
        ours, theirs = make(nn), make(torch.nn)
        for p, q in zip(ours.parameters(), theirs.parameters()):
            assert p.shape == tuple(q.shape) and p.dtype == np.float64
            np.testing.assert_allclose(np.abs(p.data).max(), q.abs().max().item(), rtol=0.02)


def test_lenet_state_dict_round_trip_gives_the_same_outputs():
    """A small CNN's state_dict loads into the same PyTorch model: same outputs."""
    def lenet(m):
        return m.Sequential(m.Conv2d(1, 6, 5, padding=2), m.ReLU(), m.Conv2d(6, 16, 5, stride=2),
                            m.ReLU(), m.Flatten(), m.Linear(16 * 12 * 12, 10))
    ours, theirs = lenet(nn), lenet(torch.nn)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    x = rng.normal(size=(4, 1, 28, 28))
    _close(ours(tg.Tensor(x)).data, theirs(torch.tensor(x)))
    ours2 = lenet(nn)
    ours2.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours2(tg.Tensor(x)).data, ours(tg.Tensor(x)).data)


@pytest.mark.parametrize("output_size", [None, (8, 8), (2, 3, 7, 8), (8, 7)])
def test_conv_transpose2d_output_size(output_size):
    """forward(x, output_size) picks the output padding, as PyTorch's."""
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    x = rng.normal(size=(2, 2, 4, 4))
    _close(ours(tg.Tensor(x), output_size).data, theirs(torch.tensor(x), output_size))


def _params(fn) -> list[tuple[str, object]]:
    """(name, default) of each parameter; for a builtin, read off its docstring's first line
    ("conv2d(input, weight, bias=None, stride=1, ...) -> Tensor")."""
    try:
        sig = inspect.signature(fn)
    except ValueError:
        head = fn.__doc__.strip().splitlines()[0]
        args = head[head.index("(") + 1:head.index(")")].split(", ")
        return [(a.split("=")[0], eval(a.split("=")[1]) if "=" in a else None) for a in args]
    return [(p.name, None if p.default is p.empty else p.default)
            for p in sig.parameters.values() if p.name != "self"]


@pytest.mark.parametrize("name", ["conv1d", "conv2d", "conv_transpose2d", "unfold", "fold",
                                  "Conv1d", "Conv2d", "ConvTranspose2d"])
def test_signatures_are_pytorchs(name):
    """Same argument names, order and defaults as PyTorch (positional calls mean the same)."""
    ours, theirs = (getattr(F, name), getattr(TF, name)) if name[0].islower() else \
        (getattr(nn, name).__init__, getattr(torch.nn, name).__init__)
    assert _params(ours) == _params(theirs)

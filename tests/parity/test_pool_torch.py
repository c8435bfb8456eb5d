"""Parity with PyTorch (float64) for pooling, padding, channel dropout and BatchNorm2d:
values, gradients, argmax indices, running statistics over several steps, state dicts,
reprs and the errors for bad arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(15)
RTOL, ATOL = 1e-12, 1e-14
pytestmark = pytest.mark.usefixtures("float64_defaults")


def _close(ours, theirs):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


def _distinct(shape):
    """Values without ties (a permutation scaled), so every window has one argmax."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 3.0


def _both(ours_fn, theirs_fn, x, *, indices=False):
    """Run both on x (float64), compare the outputs, and the gradients for a random g."""
    a, b = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, z = ours_fn(a), theirs_fn(b)
    if indices:
        (y, iy), (z, iz) = y, z
        assert iy.dtype == np.int64
        np.testing.assert_array_equal(iy.data, iz.numpy())
    assert y.shape == tuple(z.shape)
    _close(y.data, z)
    g = rng.normal(size=y.shape)
    y.backward(g)
    z.backward(torch.tensor(g))
    _close(a.grad.data, b.grad)


MAX = [  # (input shape, kwargs)
    ((2, 3, 7, 6), dict(kernel_size=2)),
    ((2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),  # last window dropped
    ((2, 2, 9, 8), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 3))),
    ((3, 5, 5), dict(kernel_size=3, stride=1, padding=1)),  # unbatched, overlapping
    ((1, 1, 5, 5), dict(kernel_size=2, ceil_mode=True)),
    ((2, 1, 4, 7), dict(kernel_size=4, stride=3, padding=2, dilation=1, ceil_mode=True)),
]


@pytest.mark.parametrize("shape,kw", MAX, ids=[str(k) for _, k in MAX])
def test_max_pool2d_values_gradients_indices(shape, kw):
    _both(lambda t: F.max_pool2d(t, **kw, return_indices=True),
          lambda t: TF.max_pool2d(t, **kw, return_indices=True), _distinct(shape), indices=True)


def test_max_pool2d_ties_and_nan_follow_pytorch():
    """A tie goes to the first maximum in the window; a NaN wins, the last NaN of a window."""
    for x in (np.ones((1, 1, 4, 4)), np.array([[[[1.0, np.nan], [np.nan, 1.0]]]]),
              np.array([[[[2.0, 2.0, 1.0], [2.0, 0.0, 2.0], [2.0, 2.0, 2.0]]]])):
        y, i = F.max_pool2d(tg.Tensor(x), 2, stride=1, return_indices=True)
        z, j = TF.max_pool2d(torch.tensor(x), 2, stride=1, return_indices=True)
        np.testing.assert_array_equal(i.data, j.numpy())
        np.testing.assert_array_equal(y.data, z.numpy())


def test_max_pool2d_integers_and_no_grad_indices():
    x = rng.integers(-50, 50, size=(2, 3, 5, 5))
    with tg.no_grad():
        y, i = F.max_pool2d(tg.Tensor(x), 2, padding=1, return_indices=True)
    z, j = TF.max_pool2d(torch.tensor(x), 2, padding=1, return_indices=True)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.data, z.numpy())
    np.testing.assert_array_equal(i.data, j.numpy())


AVG = [
    ((2, 3, 7, 6), dict(kernel_size=2)),
    ((2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                        count_include_pad=False)),
    ((1, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((3, 5, 5), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1))),
    ((2, 2, 5, 5), dict(kernel_size=3, stride=2, padding=1, divisor_override=4)),
    ((2, 1, 4, 7), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True,
                        count_include_pad=False)),
]


@pytest.mark.parametrize("shape,kw", AVG, ids=[str(k) for _, k in AVG])
def test_avg_pool2d_values_gradients(shape, kw):
    _both(lambda t: F.avg_pool2d(t, **kw), lambda t: TF.avg_pool2d(t, **kw),
          rng.normal(size=shape))


def test_avg_pool2d_integers_truncate_as_pytorch():
    x = rng.integers(-50, 50, size=(2, 3, 5, 5))
    y = F.avg_pool2d(tg.Tensor(x), 3, stride=2, padding=1)
    z = TF.avg_pool2d(torch.tensor(x), 3, stride=2, padding=1)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.data, z.numpy())


@pytest.mark.parametrize("shape,size", [((2, 3, 7, 6), (3, 4)), ((2, 3, 5, 5), 1),
                                        ((3, 4, 9), (6, None)), ((1, 2, 3, 3), (5, 7))])
def test_adaptive_avg_pool2d(shape, size):
    _both(lambda t: F.adaptive_avg_pool2d(t, size),
          lambda t: TF.adaptive_avg_pool2d(t, size), rng.normal(size=shape))


PADS = [
    ((2, 3, 4, 5), (1, 2), "constant", 1.5),
    ((2, 3, 4, 5), (1, -1, 2, -3), "constant", None),
    ((2, 3, 4, 5), (0, 0, 0, 0, 1, 1, -1, 2), "constant", -2.0),
    ((2, 3, 4, 5), (1, 3, 2, 3), "reflect", None),
    ((2, 3, 4, 5), (1, -1, -1, 2), "reflect", None),
    ((3, 4, 5), (2, 4), "replicate", None),
    ((2, 3, 4, 5), (-1, 3, 2, 0), "replicate", None),
    ((2, 3, 4, 5), (5, 2, 1, 4), "circular", None),
    ((2, 2, 3, 4, 5), (1, 2, 0, 1, 2, 1), "reflect", None),
]


@pytest.mark.parametrize("shape,pad,mode,value", PADS, ids=[f"{m}{p}" for _, p, m, _ in PADS])
def test_pad(shape, pad, mode, value):
    kw = {} if value is None else {"value": value}
    _both(lambda t: F.pad(t, pad, mode, **kw), lambda t: TF.pad(t, pad, mode, **kw),
          rng.normal(size=shape))


@pytest.mark.parametrize("call", [
    lambda f, x: f.pad(x, (1, 2, 3)),
    lambda f, x: f.pad(x, (1,) * 10),
    lambda f, x: f.pad(x, (1, 1), "reflect"),           # 4-D input, one dim padded
    lambda f, x: f.pad(x, (5, 0, 0, 0), "reflect"),      # as large as the dim
    lambda f, x: f.pad(x, (1, 1, 1, 1), "reflect", 2.0),
    lambda f, x: f.pad(x, (6, 0, 0, 0), "circular"),
    lambda f, x: f.pad(x, (-3, -3)),
    lambda f, x: f.pad(x, (1, 1), "wrap"),
    lambda f, x: f.max_pool2d(x, 3, padding=2),
    lambda f, x: f.max_pool2d(x, 2, stride=0),
    lambda f, x: f.max_pool2d(x, 6),
    lambda f, x: f.max_pool2d(x, (2, 3, 4)),
    lambda f, x: f.max_pool2d(x, 2, dilation=0),
    lambda f, x: f.max_pool2d(x[0, 0], 2),
    lambda f, x: f.avg_pool2d(x, 2, padding=-1),
    lambda f, x: f.avg_pool2d(x, 2, divisor_override=0),
    lambda f, x: f.adaptive_avg_pool2d(x, (2,)),
    lambda f, x: f.adaptive_avg_pool2d(x, -1),
    lambda f, x: f.adaptive_avg_pool2d(x[0, 0], 2),
])
def test_errors_where_pytorch_raises(call):
    """Each call raises in PyTorch, and here raises an error of a kind PyTorch's code
    catches (RuntimeError, ValueError, NotImplementedError) naming the op."""
    x = np.zeros((2, 3, 4, 5))
    with pytest.raises((RuntimeError, ValueError, NotImplementedError)):
        call(TF, torch.tensor(x))
    with pytest.raises((RuntimeError, ValueError, NotImplementedError)) as err:
        call(F, tg.Tensor(x))
    assert any(op in str(err.value) for op in ("pad", "max_pool2d", "avg_pool2d",
                                               "adaptive_avg_pool2d"))


def _load_from_torch(ours, theirs):
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"affine": False},
                                {"track_running_stats": False}, {"momentum": 0.3, "eps": 1e-3}])
def test_batchnorm2d_running_stats_over_steps(kw):
    ours, theirs = nn.BatchNorm2d(3, **kw, dtype=np.float64), torch.nn.BatchNorm2d(
        3, **kw, dtype=torch.float64)
    if theirs.affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rng.normal(size=3)))
            theirs.bias.copy_(torch.tensor(rng.normal(size=3)))
    _load_from_torch(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for _ in range(4):
        _both(ours, theirs, rng.normal(size=(4, 3, 5, 6)) * 2 + 0.5)
        for name, buf in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[name].data, buf.numpy(), rtol=RTOL)
        for p in ours.parameters():
            p.grad = None
    ours.eval()
    theirs.eval()
    _both(ours, theirs, rng.normal(size=(2, 3, 4, 4)))
    assert repr(ours) == repr(theirs)


def test_batchnorm2d_state_dict_round_trip(tmp_path):
    """Trained running statistics go to PyTorch and come back (npz on disk)."""
    ours = nn.BatchNorm2d(4, dtype=np.float64)
    for _ in range(3):
        ours(tg.Tensor(rng.normal(size=(5, 4, 3, 3))))
    theirs = torch.nn.BatchNorm2d(4, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    assert int(theirs.num_batches_tracked) == 3
    tg.save(ours.state_dict(), tmp_path / "bn.npz")
    back = nn.BatchNorm2d(4, dtype=np.float64)
    back.load_state_dict(tg.load(tmp_path / "bn.npz"))
    x = rng.normal(size=(2, 4, 3, 3))
    back.eval()
    theirs.eval()
    _close(back(tg.Tensor(x)).data, theirs(torch.tensor(x)))


def test_batchnorm2d_refuses_other_ranks():
    with pytest.raises(ValueError):
        torch.nn.BatchNorm2d(3)(torch.zeros(4, 3, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d.*4D \(N, C, H, W\).*\(4, 3, 5\)"):
        nn.BatchNorm2d(3)(tg.zeros(4, 3, 5))


def test_dropout2d_drops_whole_channels_with_pytorch_scaling():
    x = np.ones((8, 16, 3, 3))
    y = F.dropout2d(tg.Tensor(x), 0.25)
    per_channel = y.data.reshape(8, 16, -1)
    assert (per_channel == per_channel[..., :1]).all()       # one draw per (n, c)
    assert set(np.unique(per_channel)) <= {0.0, 1 / 0.75}   # PyTorch's values
    assert 0 < (per_channel[..., 0] == 0).mean() < 1
    z = TF.dropout2d(torch.tensor(x), 0.25)
    assert set(np.unique(z.numpy())) <= {0.0, 1 / 0.75}
    assert F.dropout2d(tg.Tensor(x), 0.25, training=False).data.tolist() == x.tolist()
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        F.dropout2d(tg.Tensor(x[0]), 0.5)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        TF.dropout2d(torch.tensor(x[0]), 0.5)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


MODULES = [
    (lambda m: m.MaxPool2d(2), ()),
    (lambda m: m.MaxPool2d((2, 3), stride=1, padding=(1, 0), dilation=2, ceil_mode=True), ()),
    (lambda m: m.AvgPool2d(3, 2, 1, True, False, 3), ()),
    (lambda m: m.AdaptiveAvgPool2d((3, None)), ()),
    (lambda m: m.BatchNorm2d(6, momentum=None, affine=False), ()),
    (lambda m: m.Dropout2d(0.2), ()),
    (lambda m: m.Unflatten(1, (2, -1)), ()),
    (lambda m: m.ZeroPad2d((1, 2, 0, 1)), ()),
    (lambda m: m.ConstantPad2d(2, 3.5), ()),
    (lambda m: m.ReflectionPad2d(1), ()),
    (lambda m: m.ReplicationPad2d((1, 2, 3, 0)), ()),
]


@pytest.mark.parametrize("make", [m for m, _ in MODULES], ids=range(len(MODULES)))
def test_module_reprs_and_outputs(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if isinstance(ours, nn.Dropout2d):
        return
    x = _distinct((2, 6, 7, 8))
    y, z = ours(tg.Tensor(x)), theirs(torch.tensor(x))
    _close(y.data, z)


def test_cnn_step_matches_pytorch():
    """A small CNN (padding, pooling, batch norm) trained two steps from the same weights:
    the same losses and the same weights after."""
    def build(m):
        return m.Sequential(m.ReflectionPad2d(1), m.MaxPool2d(2), m.BatchNorm2d(2),
                            m.AvgPool2d(3, 1, 1, count_include_pad=False), m.ReLU(),
                            m.AdaptiveAvgPool2d(2), m.Flatten(), m.Linear(8, 3))
    ours, theirs = build(nn), build(torch.nn)
    _load_from_torch(ours, theirs)
    opt = tg.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    x, target = rng.normal(size=(6, 2, 9, 9)), rng.integers(0, 3, size=6)
    for _ in range(2):
        loss = F.cross_entropy(ours(tg.Tensor(x)), target)
        tloss = TF.cross_entropy(theirs(torch.tensor(x)), torch.tensor(target))
        _close(loss.data, tloss)
        opt.zero_grad()
        topt.zero_grad()
        loss.backward()
        tloss.backward()
        opt.step()
        topt.step()
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].data, value.numpy(), rtol=1e-10)

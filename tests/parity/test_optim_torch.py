"""Parity with PyTorch (skipped without it): every optimizer and option set over 20 steps
with the same parameters and gradients, every scheduler's learning-rate sequence,
optimizer state dicts in both directions, and autograd.functional's results and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.optim as optim  # noqa: E402
from tinygrad_edu.autograd import functional as F  # noqa: E402
from tinygrad_edu.optim import lr_scheduler as tls  # noqa: E402

tlr = torch.optim.lr_scheduler
STEPS = 20


@pytest.fixture(autouse=True)
def torch_float64():
    """PyTorch keeps scalar state (NAdam's mu_product) in its default dtype: float64 here,
    as tinygrad_edu keeps it, so the comparison is of the rules, not of float32 rounding."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


OPTIONS = {
    "SGD": [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3,
                                                          weight_decay=0.1),
            dict(lr=0.1, momentum=0.8, nesterov=True, maximize=True)],
    "Adam": [dict(), dict(lr=0.05, amsgrad=True), dict(lr=0.01, weight_decay=0.1, maximize=True),
             dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True)],
    "AdamW": [dict(), dict(lr=0.05, amsgrad=True, weight_decay=0.3)],
    "RMSprop": [dict(), dict(momentum=0.9), dict(centered=True, alpha=0.9),
                dict(momentum=0.5, centered=True, weight_decay=0.1, maximize=True)],
    "Adagrad": [dict(), dict(lr=0.3, lr_decay=0.05), dict(weight_decay=0.1,
                                                        initial_accumulator_value=0.2,
                                                        eps=1e-6, maximize=True)],
    "Adadelta": [dict(), dict(lr=0.5, rho=0.5, weight_decay=0.1, maximize=True)],
    "Adamax": [dict(), dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.1, maximize=True)],
    "NAdam": [dict(), dict(lr=0.05, momentum_decay=0.1, weight_decay=0.1),
              dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True)],
    "RAdam": [dict(), dict(lr=0.05, betas=(0.9, 0.9)), dict(weight_decay=0.1, betas=(0.8, 0.9)),
              dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True)],
}
CASES = [(name, i) for name, sets in OPTIONS.items() for i in range(len(sets))]


def _pair(name, options, seed=0):
    """The same two-group problem in both frameworks: (tg params, tg opt, torch params,
    torch opt); the second group uses a third of the first's lr (lr given or default)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    tg_ps = [nn.Parameter(a.copy()) for a in arrays]
    th_ps = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    lr = options.get("lr", getattr(optim, name)([nn.Parameter(np.ones(1))]).defaults["lr"])
    rest = {k: v for k, v in options.items() if k != "lr"}
    tg_opt = getattr(optim, name)([{"params": [tg_ps[0]]},
                                   {"params": [tg_ps[1]], "lr": lr / 3}], lr=lr, **rest)
    th_opt = getattr(torch.optim, name)([{"params": [th_ps[0]]},
                                         {"params": [th_ps[1]], "lr": lr / 3}], lr=lr, **rest)
    return tg_ps, tg_opt, th_ps, th_opt


def _steps(tg_ps, tg_opt, th_ps, th_opt, rng, n):
    for _ in range(n):
        for a, b in zip(tg_ps, th_ps):
            g = rng.standard_normal(a.shape)
            a.grad, b.grad = tg.Tensor(g), torch.tensor(g)
        tg_opt.step()
        th_opt.step()
        for a, b in zip(tg_ps, th_ps):
            np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, i", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_same_trajectory_as_pytorch(name, i):
    _steps(*_pair(name, OPTIONS[name][i]), np.random.default_rng(1), STEPS)


@pytest.mark.parametrize("name, i", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_state_dict_goes_to_pytorch_and_back(name, i):
    options = OPTIONS[name][i]
    rng = np.random.default_rng(2)
    tg_ps, tg_opt, th_ps, th_opt = _pair(name, options)
    _steps(tg_ps, tg_opt, th_ps, th_opt, rng, 5)
    # tinygrad_edu -> PyTorch: a fresh torch optimizer on copies of the parameters
    th_ps2 = [torch.nn.Parameter(torch.tensor(p.data.copy())) for p in tg_ps]
    th_opt2 = getattr(torch.optim, name)([{"params": [th_ps2[0]]}, {"params": [th_ps2[1]]}])
    if tg_opt.state_dict()["state"]:  # PyTorch takes only its own tensors: hence the helper
        with pytest.raises(TypeError):
            th_opt2.load_state_dict(tg_opt.state_dict())
    th_opt2.load_state_dict(optim.to_torch_state_dict(tg_opt.state_dict()))
    # PyTorch -> tinygrad_edu: its state dict as it is
    tg_ps2 = [nn.Parameter(p.detach().numpy().copy()) for p in th_ps]
    tg_opt2 = getattr(optim, name)([{"params": [tg_ps2[0]]}, {"params": [tg_ps2[1]]}])
    tg_opt2.load_state_dict(th_opt.state_dict())
    assert th_opt2.state_dict()["param_groups"][1]["lr"] == th_opt.param_groups[1]["lr"]
    step_rng = np.random.default_rng(3)
    grads = [[step_rng.standard_normal(p.shape) for p in tg_ps] for _ in range(5)]
    for ps, opt, wrap in ((tg_ps, tg_opt, tg.Tensor), (th_ps2, th_opt2, torch.tensor),
                          (tg_ps2, tg_opt2, tg.Tensor), (th_ps, th_opt, torch.tensor)):
        for step in grads:
            for p, g in zip(ps, step):
                p.grad = wrap(g)
            opt.step()
    for a, b, c, d in zip(tg_ps, th_ps2, tg_ps2, th_ps):
        want = d.detach().numpy()
        np.testing.assert_allclose(a.data, want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b.detach().numpy(), want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(c.data, want, rtol=1e-10, atol=1e-12)
    def names(opt):
        return {k: sorted(v) for k, v in opt.state_dict()["state"].items()}

    assert names(tg_opt) == names(th_opt)


# ----------------------------------------------------------------------------- schedulers
SCHEDULERS = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.95**e),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9**e]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9),
    "StepLR": lambda m, o: m.StepLR(o, 4, 0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, [3, 7, 7, 12], 0.5),
    "ConstantLR": lambda m, o: m.ConstantLR(o, 0.25, 6),
    "LinearLR": lambda m, o: m.LinearLR(o, 0.2, 0.9, 7),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, 0.9),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, 8, 2.0),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, 6, 0.001),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, 3, 2, 0.001),
    "CosineAnnealingWarmRestarts-1": lambda m, o: m.CosineAnnealingWarmRestarts(o, 4),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, [1.0, 0.5], total_steps=30),
    "OneCycleLR-3-linear": lambda m, o: m.OneCycleLR(o, 1.0, total_steps=30, three_phase=True,
                                                     anneal_strategy="linear"),
    "SequentialLR": lambda m, o: m.SequentialLR(o, [m.LinearLR(o, 0.1, total_iters=4),
                                                    m.ExponentialLR(o, 0.9), m.StepLR(o, 3)],
                                                [5, 12]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler([m.ConstantLR(o, 0.1, 10),
                                                         m.ExponentialLR(o, 0.9)]),
}


def _two_groups(lib, kind):
    cls = {"tg": optim, "torch": torch.optim}[lib]
    make = nn.Parameter if lib == "tg" else torch.nn.Parameter
    ps = [make(np.ones(1)) if lib == "tg" else make(torch.ones(1)) for _ in range(2)]
    groups = [{"params": [ps[0]], "lr": 0.1}, {"params": [ps[1]], "lr": 0.02}]
    return cls.SGD(groups, momentum=0.9) if kind == "sgd" else cls.Adam(groups)


def _record(opt, sched, steps=30, metrics=None):
    seen = []
    for k in range(steps):
        groups = opt.param_groups
        seen.append(sched.get_last_lr() + [g["lr"] for g in groups]
                    + [g["momentum"] if "momentum" in g else g["betas"][0] for g in groups])
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[k])
    return np.array(seen, dtype=float)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", SCHEDULERS)
def test_scheduler_sequences_equal_pytorchs(name, kind):
    ours = _record(o := _two_groups("tg", kind), SCHEDULERS[name](tls, o))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _record(o := _two_groups("torch", kind), SCHEDULERS[name](tlr, o))
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)


@pytest.mark.parametrize("mode, threshold_mode", [("min", "rel"), ("min", "abs"),
                                                  ("max", "rel"), ("max", "abs")])
def test_reduce_on_plateau_equals_pytorchs(mode, threshold_mode):
    metrics = np.random.default_rng(0).standard_normal(40).cumsum()
    kw = dict(mode=mode, factor=0.5, patience=2, threshold=0.01, threshold_mode=threshold_mode,
              cooldown=1, min_lr=[0.001, 0.01])
    ours = _record(o := _two_groups("tg", "sgd"), tls.ReduceLROnPlateau(o, **kw), 40, metrics)
    theirs = _record(o := _two_groups("torch", "sgd"), tlr.ReduceLROnPlateau(o, **kw), 40,
                     metrics)
    np.testing.assert_array_equal(ours, theirs)


def test_step_with_epoch_equals_pytorchs():
    for epochs in ([3, 7, 2, 11], [0.5, 1.25, 4.0, 9.75]):
        results = []
        for lib, m in (("tg", tls), ("torch", tlr)):
            o = _two_groups(lib, "sgd")
            scheds = [m.StepLR(o, 3), m.CosineAnnealingWarmRestarts(o, 2, 2)] \
                if isinstance(epochs[0], int) else [m.CosineAnnealingWarmRestarts(o, 2, 2)]
            seen = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for s in scheds:
                    for e in epochs:
                        s.step(e)
                        seen.append(s.get_last_lr())
            results.append(np.array(seen))
        np.testing.assert_allclose(*results, rtol=1e-14)


# ----------------------------------------------------------------------------- functional
FNS = {  # written with methods both Tensor types have
    "layer": lambda W, x: (W @ x.exp()).tanh() * x[:2].sum(),
    "scalar": lambda W, x: ((W @ x).tanh() ** 2).sum() * (x * x).sum(),
}


def _both(rng):
    W, x = rng.standard_normal((2, 3)), rng.standard_normal(3)
    return (tg.Tensor(W), tg.Tensor(x)), (torch.tensor(W), torch.tensor(x))


def _close(a, b):
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
    else:
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("create_graph", [False, True])
def test_functional_results_equal_pytorchs(create_graph):
    rng = np.random.default_rng(0)
    ours_in, theirs_in = _both(rng)
    ours = theirs = FNS
    TF = torch.autograd.functional
    kw = dict(create_graph=create_graph)
    _close(F.jacobian(ours["layer"], ours_in, **kw), TF.jacobian(theirs["layer"], theirs_in, **kw))
    _close(F.jacobian(lambda x: ours["layer"](ours_in[0], x), ours_in[1], **kw),
           TF.jacobian(lambda x: theirs["layer"](theirs_in[0], x), theirs_in[1], **kw))
    _close(F.hessian(ours["scalar"], ours_in, **kw), TF.hessian(theirs["scalar"], theirs_in, **kw))
    u = rng.standard_normal(2)
    v = (rng.standard_normal((2, 3)), rng.standard_normal(3))
    _close(F.vjp(ours["layer"], ours_in, tg.Tensor(u), **kw),
           TF.vjp(theirs["layer"], theirs_in, torch.tensor(u), **kw))
    _close(F.jvp(ours["layer"], ours_in, tuple(map(tg.Tensor, v)), **kw),
           TF.jvp(theirs["layer"], theirs_in, tuple(map(torch.tensor, v)), **kw))
    for name in ("hvp", "vhp"):
        _close(getattr(F, name)(ours["scalar"], ours_in, tuple(map(tg.Tensor, v)), **kw),
               getattr(TF, name)(theirs["scalar"], theirs_in, tuple(map(torch.tensor, v)), **kw))


@pytest.mark.parametrize("call", [
    lambda F, T: F.jacobian(lambda x, y: x * 2, (T([1.0, 2.0]), T([3.0])), strict=True),
    lambda F, T: F.jacobian(lambda x: T([5.0]), T([1.0]), strict=True),
    lambda F, T: F.hessian(lambda x: (x * 2).sum(), T([1.0, 2.0]), strict=True),
    lambda F, T: F.vjp(lambda x, y: x.sum(), (T([1.0]), T([2.0])), strict=True),
    lambda F, T: F.jvp(lambda x, y: x * 2, (T([1.0]), T([2.0])), (T([1.0]), T([1.0])),
                       strict=True),
    lambda F, T: F.vhp(lambda x: (x * 2).sum(), T([1.0, 2.0]), T([1.0, 1.0]), strict=True),
    lambda F, T: F.jacobian(lambda x: x * 2, T([1.0]), create_graph=True, strict=True),
    lambda F, T: F.vjp(lambda x: x * 2, T([1.0, 2.0])),
    lambda F, T: F.vjp(lambda x: x * 2, T([1.0, 2.0]), T([1.0])),
    lambda F, T: F.hvp(lambda x: x * 2, T([1.0, 2.0]), T([1.0, 1.0])),
])
def test_functional_errors_equal_pytorchs(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch.autograd.functional, lambda a: torch.tensor(a))
    with pytest.raises(RuntimeError) as ours:
        call(F, lambda a: tg.Tensor(np.array(a)))
    # shapes print as (2,) here and torch.Size([2]) there; the rest is the same message
    assert str(ours.value) == str(theirs.value).replace("torch.Size([", "(").replace("])", ",)")

"""Hypothesis: small MLPs (depth, widths, activations), a loss, an optimizer with its
options, a batch size and a dtype are drawn; a few compiled steps must equal the eager
steps bitwise (results, parameters, gradients, optimizer state after every step)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim

from ._twins import assert_same_snapshot, assert_same_value, run_twins, snapshot, twins

STEPS = 6  # warm-up, trace, check, then three replays

ACTIVATIONS = {
    "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.1), "softplus": nn.Softplus,
    "softplus_beta": lambda: nn.Softplus(beta=2.0, threshold=5.0), "gelu": nn.GELU,
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"), "elu": nn.ELU,
    "celu": lambda: nn.CELU(0.5), "selu": nn.SELU, "hardtanh": nn.Hardtanh,
    "relu6": nn.ReLU6, "hardsigmoid": nn.Hardsigmoid, "hardswish": nn.Hardswish,
    "softsign": nn.Softsign, "logsigmoid": nn.LogSigmoid, "silu": nn.SiLU, "mish": nn.Mish,
    "prelu": nn.PReLU, "identity": nn.Identity,
}

# name -> (target kind, loss of (output, target))
LOSSES = {
    "mse": ("real", nn.MSELoss()),
    "mse_sum": ("real", nn.MSELoss(reduction="sum")),
    "l1": ("real", nn.L1Loss()),
    "smooth_l1": ("real", nn.SmoothL1Loss(beta=0.5)),
    "huber": ("real", nn.HuberLoss(delta=0.7)),
    "cross_entropy": ("class", nn.CrossEntropyLoss()),
    "cross_entropy_smooth": ("class", nn.CrossEntropyLoss(label_smoothing=0.1)),
    "cross_entropy_probs": ("probs", nn.CrossEntropyLoss()),
    "nll_log_softmax": ("class", lambda out, t: nn.NLLLoss()(F.log_softmax(out, dim=1), t)),
    "bce_with_logits": ("unit", nn.BCEWithLogitsLoss()),
    "bce_with_logits_sum": ("unit", nn.BCEWithLogitsLoss(reduction="sum")),
    "bce_of_sigmoid": ("unit", lambda out, t: nn.BCELoss()(out.sigmoid(), t)),
    # class weights: two classes ("class2")
    "cross_entropy_weighted": ("class2", nn.CrossEntropyLoss(weight=tg.Tensor([0.5, 2.0]))),
    "nll_weighted": ("class2", lambda out, t: nn.NLLLoss(weight=tg.Tensor([0.5, 2.0]))(
        F.log_softmax(out, dim=1), t)),
}

OPTIMIZERS = {
    "sgd": (optim.SGD, st.fixed_dictionaries({
        "momentum": st.sampled_from([0.0, 0.9]), "dampening": st.sampled_from([0.0, 0.3]),
        "weight_decay": st.sampled_from([0.0, 0.01]), "maximize": st.booleans()})),
    "nesterov": (optim.SGD, st.fixed_dictionaries({
        "momentum": st.just(0.9), "nesterov": st.just(True),
        "weight_decay": st.sampled_from([0.0, 0.01]), "maximize": st.booleans()})),
    "adam": (optim.Adam, st.fixed_dictionaries({
        "amsgrad": st.booleans(), "weight_decay": st.sampled_from([0.0, 0.01]),
        "decoupled_weight_decay": st.booleans(), "maximize": st.booleans(),
        "betas": st.sampled_from([(0.9, 0.999), (0.5, 0.9)])})),
    "adamw": (optim.AdamW, st.fixed_dictionaries({
        "amsgrad": st.booleans(), "weight_decay": st.sampled_from([0.0, 0.01]),
        "maximize": st.booleans()})),
    "nadam": (optim.NAdam, st.fixed_dictionaries({
        "weight_decay": st.sampled_from([0.0, 0.01]), "decoupled_weight_decay": st.booleans(),
        "momentum_decay": st.sampled_from([0.004, 0.01]), "maximize": st.booleans()})),
    # RAdam's rectification starts at t = 6: test_semantics.py has its own test
    # (test_semantics.py::test_radam_past_rectification_start): five steps here
    "radam": (optim.RAdam, st.fixed_dictionaries({
        "weight_decay": st.sampled_from([0.0, 0.01]), "decoupled_weight_decay": st.booleans(),
        "maximize": st.booleans()})),
    "adamax": (optim.Adamax, st.fixed_dictionaries({
        "weight_decay": st.sampled_from([0.0, 0.01]), "maximize": st.booleans()})),
    "adagrad": (optim.Adagrad, st.fixed_dictionaries({
        "lr_decay": st.sampled_from([0.0, 0.1]), "weight_decay": st.sampled_from([0.0, 0.01]),
        "initial_accumulator_value": st.sampled_from([0.0, 0.1]), "maximize": st.booleans()})),
    "rmsprop": (optim.RMSprop, st.fixed_dictionaries({
        "momentum": st.sampled_from([0.0, 0.9]), "centered": st.booleans(),
        "weight_decay": st.sampled_from([0.0, 0.01]), "maximize": st.booleans()})),
    "adadelta": (optim.Adadelta, st.fixed_dictionaries({
        "rho": st.sampled_from([0.9, 0.5]), "weight_decay": st.sampled_from([0.0, 0.01]),
        "maximize": st.booleans()})),
}


@st.composite
def optimizers(draw):
    name = draw(st.sampled_from(sorted(set(OPTIMIZERS))))
    cls, options = OPTIMIZERS[name]
    return name, cls, {"lr": draw(st.sampled_from([1e-3, 0.05, 0.3])), **draw(options)}


def _targets(kind: str, rng: np.random.Generator, n: int, k: int, dtype) -> tg.Tensor:
    if kind in ("class", "class2"):
        return tg.Tensor(rng.integers(0, k, n))
    if kind == "probs":
        p = rng.random((n, k)) + 0.1
        return tg.Tensor((p / p.sum(axis=1, keepdims=True)).astype(dtype))
    if kind == "unit":
        return tg.Tensor(rng.random((n, k)).astype(dtype))
    return tg.Tensor(rng.standard_normal((n, k)).astype(dtype))


DRAWS = {
    "sizes": st.lists(st.integers(1, 7), min_size=2, max_size=5),
    "acts": st.lists(st.sampled_from(sorted(set(ACTIVATIONS))), min_size=4,
                     max_size=4),
    "loss": st.sampled_from(sorted(set(LOSSES))),
    "opt": optimizers(),
    "batch": st.integers(1, 6),
    "dtype": st.sampled_from([np.float64, np.float32]),
    "seed": st.integers(0, 2**16),
}


def check_compiled_steps(sizes, acts, loss, opt, batch, dtype, seed):
    """One draw: the MLP sizes[0]-...-sizes[-1] with activations ``acts``, trained by both
    twins for a few steps on two batches in turn (so a value baked into the program from
    one batch shows); bitwise equal after every step."""
    kind, loss_fn = LOSSES[loss]
    if kind != "real":  # classes need at least two outputs
        sizes[-1] = 2 if kind == "class2" else max(sizes[-1], 2)
    tg.manual_seed(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes[:-1])):
        layers += [nn.Linear(n_in, n_out), ACTIVATIONS[acts[i]]()]
    model = nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))
    model = model.double() if dtype == np.float64 else model.float()
    name, cls, options = opt
    rng = np.random.default_rng(seed)
    batches = [(tg.Tensor(rng.standard_normal((batch, sizes[0])).astype(dtype)),
                _targets(kind, rng, batch, sizes[-1], dtype)) for _ in range(2)]
    eager, compiled = twins(model, lambda ps: cls(ps, **options),
                            lambda m, x, y: loss_fn(m(x), y))
    run_twins(eager, compiled, batches, STEPS - (name == "radam"), every=True)
    assert "replaying" in compiled[2].explain()


test_compiled_steps_equal_eager = settings(max_examples=25, deadline=None)(
    given(**DRAWS)(check_compiled_steps))


def _one_piece(piece: str) -> None:
    """A 3-4-2 tanh MLP, MSE, SGD -- with ``piece`` (an activation, loss or optimizer)
    swapped in: six compiled steps against eager."""
    act = piece if piece in ACTIVATIONS else "tanh"
    loss = piece if piece in LOSSES else "mse"
    cls, options = (OPTIMIZERS[piece][0], {"lr": 0.05}) if piece in OPTIMIZERS \
        else (optim.SGD, {"lr": 0.05})
    kind, loss_fn = LOSSES[loss]
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), ACTIVATIONS[act](), nn.Linear(4, 2)).double()
    rng = np.random.default_rng(0)
    batches = [(tg.Tensor(rng.standard_normal((3, 3))), _targets(kind, rng, 3, 2, np.float64))
               for _ in range(2)]
    eager, compiled = twins(model, lambda ps: cls(ps, **options),
                            lambda m, x, y: loss_fn(m(x), y))
    run_twins(eager, compiled, batches, STEPS, every=True)
    assert "replaying" in compiled[2].explain()


@pytest.mark.parametrize("piece", sorted((set(ACTIVATIONS) | set(LOSSES) | set(OPTIMIZERS))
                                         - {"radam"}))
def test_each_piece(piece):
    """Each activation, loss and optimizer alone, so a failure names it without a search
    (RAdam: see test_semantics.py::test_radam_past_rectification_start)."""
    _one_piece(piece)


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(2, 6), min_size=3, max_size=4),
       norm=st.lists(st.booleans(), min_size=3, max_size=3),
       drop=st.lists(st.sampled_from([0.0, 0.3]), min_size=3, max_size=3),
       loss=st.sampled_from(["bce_with_logits", "cross_entropy", "mse"]),
       opt=optimizers(), dtype=st.sampled_from([np.float64, np.float32]),
       flip=st.integers(3, 7), seed=st.integers(0, 2**16))
def test_steps_with_batchnorm_dropout_and_failing_branches_equal_eager(
        sizes, norm, drop, loss, opt, dtype, flip, seed):
    """MLPs with BatchNorm (running statistics updated in the forward pass) and Dropout
    (drawn inside the step) in drawn places; at step ``flip`` the last layer's weights
    become huge in place, so the losses' branches (infinite logits) and the values change.
    Each compiled run -- replays, guards failing after a draw, fallbacks to eager -- must
    give the eager run's results and state, step by step, from the same seed."""
    kind, loss_fn = LOSSES[loss]
    tg.manual_seed(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes[:-1])):
        layers.append(nn.Linear(n_in, n_out))
        if norm[i]:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(nn.Tanh())
        if drop[i]:
            layers.append(nn.Dropout(drop[i]))
    model = nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))
    model = model.double() if dtype == np.float64 else model.float()
    name, cls, options = opt
    rng = np.random.default_rng(seed)
    batches = [(tg.Tensor(rng.standard_normal((4, sizes[0])).astype(dtype)),
                _targets(kind, rng, 4, sizes[-1], dtype)) for _ in range(2)]
    eager, compiled = twins(model, lambda ps: cls(ps, **options),
                            lambda m, x, y: loss_fn(m(x), y))
    steps = 9 - 4 * (name == "radam")  # RAdam: see test_semantics.py
    runs = []
    for twin in (eager, compiled):
        tg.manual_seed(seed)
        run = []
        for i in range(steps):
            if i == min(flip, steps - 1):
                twin[0][-1].weight.data[...] = np.finfo(dtype).max
            with np.errstate(all="ignore"):  # the huge weights overflow on purpose
                result = twin[2](*batches[i % 2])
            run.append((result, snapshot(twin)))
        runs.append(run)
    for i, ((r_e, s_e), (r_c, s_c)) in enumerate(zip(*runs)):
        assert_same_value(r_e, r_c, f"step {i} result")
        assert_same_snapshot(s_e, s_c, f"after step {i}: ")

"""Parity with PyTorch (float64) for the modules, activations and losses of issues 12/13:
weights copied both ways through state_dict, outputs and gradients compared."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(11)
RTOL, ATOL = 1e-12, 1e-14
pytestmark = pytest.mark.usefixtures("float64_defaults")


def _close(ours, theirs, rtol=RTOL):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=rtol, atol=ATOL)


def _pair(ours: nn.Module, theirs, x: np.ndarray, direction: str, grad_rtol: float = RTOL):
    """Copy the weights one way, run both on x, compare outputs and every gradient."""
    if direction == "to_torch":
        theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    else:
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    a = tg.Tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    y, z = ours(a), theirs(b)
    _close(y.data, z)
    g = rng.normal(size=y.shape)
    y.backward(g)
    z.backward(torch.tensor(g))
    _close(a.grad.data, b.grad, grad_rtol)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad.data, theirs_params[name].grad)
    for name, buf in theirs.state_dict().items():
        _close(ours.state_dict()[name].data, buf)


def _randomise(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor(rng.normal(size=tuple(p.shape))))
    return module


MODULES = {
    "LayerNorm": (lambda: nn.LayerNorm((3, 4)), lambda: torch.nn.LayerNorm((3, 4)), (2, 3, 4)),
    "LayerNorm(no bias)": (lambda: nn.LayerNorm(4, bias=False),
                           lambda: torch.nn.LayerNorm(4, bias=False), (5, 4)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3), (6, 3)),
    "BatchNorm1d(NCL)": (lambda: nn.BatchNorm1d(3, momentum=None),
                         lambda: torch.nn.BatchNorm1d(3, momentum=None), (4, 3, 5)),
    "PReLU": (lambda: nn.PReLU(), lambda: torch.nn.PReLU(), (4, 3)),
    "PReLU(3)": (lambda: nn.PReLU(3), lambda: torch.nn.PReLU(3), (4, 3, 2)),
    "Linear": (lambda: nn.Linear(3, 2), lambda: torch.nn.Linear(3, 2), (4, 3)),
}
ACTIVATIONS = {
    "GELU": (nn.GELU(), torch.nn.GELU()),
    "GELU(tanh)": (nn.GELU("tanh"), torch.nn.GELU("tanh")),
    "SiLU": (nn.SiLU(), torch.nn.SiLU()), "Mish": (nn.Mish(), torch.nn.Mish()),
    "ELU": (nn.ELU(0.7), torch.nn.ELU(0.7)), "CELU": (nn.CELU(1.5), torch.nn.CELU(1.5)),
    "SELU": (nn.SELU(), torch.nn.SELU()),
    "Hardtanh": (nn.Hardtanh(-0.5, 2.0), torch.nn.Hardtanh(-0.5, 2.0)),
    "ReLU6": (nn.ReLU6(), torch.nn.ReLU6()), "Hardsigmoid": (nn.Hardsigmoid(),
                                                            torch.nn.Hardsigmoid()),
    "Hardswish": (nn.Hardswish(), torch.nn.Hardswish()),
    "Softsign": (nn.Softsign(), torch.nn.Softsign()),
    "LogSigmoid": (nn.LogSigmoid(), torch.nn.LogSigmoid()),
    "Softmin": (nn.Softmin(1), torch.nn.Softmin(1)), "GLU": (nn.GLU(), torch.nn.GLU()),
}


@pytest.mark.parametrize("direction", ["to_torch", "from_torch"])
@pytest.mark.parametrize("name", MODULES)
def test_module_parity(name, direction):
    make, make_torch, shape = MODULES[name]
    ours, theirs = make(), _randomise(make_torch())
    for _ in range(3):  # BatchNorm: the running statistics over several steps
        _pair(ours, theirs, rng.normal(size=shape) * 2 + 0.5, direction)
        for p in ours.parameters():
            p.grad = None
        theirs.zero_grad()
    ours.eval()
    theirs.eval()
    x = rng.normal(size=shape)
    _close(ours(tg.Tensor(x)).data, theirs(torch.tensor(x)))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_parity(name):
    ours, theirs = ACTIVATIONS[name]
    x = np.concatenate([rng.normal(size=20) * 3, [-3.0, 0.0, 3.0, 6.0, -1.0, 1.0]])
    x = x.reshape(2, 13)[:, :12]  # the kinks included; GLU halves 12
    # PyTorch's hardsigmoid backward multiplies by float32's 1/6 even in float64 (2^-25 off)
    _pair(ours, theirs, x, "to_torch", grad_rtol=1e-7 if name == "Hardsigmoid" else RTOL)


def test_embedding_parity_both_ways():
    ours, theirs = nn.Embedding(6, 3, padding_idx=2), torch.nn.Embedding(6, 3, padding_idx=2)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    y, z = ours(tg.Tensor(idx)), theirs(torch.tensor(idx))
    _close(y.data, z)
    g = rng.normal(size=y.shape)
    y.backward(g)
    z.backward(torch.tensor(g))
    _close(ours.weight.grad.data, theirs.weight.grad)


LOSSES = {
    "cross_entropy(weight, ignore, smoothing)": (
        lambda x: F.cross_entropy(x, np.array([0, 3, -100, 2, 1]),
                                  np.array([0.5, 2.0, 1.0, 3.0]), label_smoothing=0.1),
        lambda x: TF.cross_entropy(x, torch.tensor([0, 3, -100, 2, 1]),
                                   torch.tensor([0.5, 2.0, 1.0, 3.0]), label_smoothing=0.1)),
    "cross_entropy(ignore_index=1, sum)": (
        lambda x: F.cross_entropy(x, np.array([0, 1, 1, 2, 3]), ignore_index=1,
                                  reduction="sum"),
        lambda x: TF.cross_entropy(x, torch.tensor([0, 1, 1, 2, 3]), ignore_index=1,
                                   reduction="sum")),
    "nll_loss(weight)": (
        lambda x: F.nll_loss(F.log_softmax(x, 1), np.array([0, 3, -100, 2, 1]),
                             np.array([0.5, 2.0, 1.0, 3.0])),
        lambda x: TF.nll_loss(TF.log_softmax(x, 1), torch.tensor([0, 3, -100, 2, 1]),
                              torch.tensor([0.5, 2.0, 1.0, 3.0]))),
    "huber_loss": (lambda x: nn.HuberLoss(delta=0.7)(x, np.linspace(-2, 2, 20).reshape(5, 4)),
                   lambda x: torch.nn.HuberLoss(delta=0.7)(
                       x, torch.linspace(-2, 2, 20).reshape(5, 4))),
    "smooth_l1_loss": (
        lambda x: nn.SmoothL1Loss(beta=0.5)(x, np.linspace(-2, 2, 20).reshape(5, 4)),
        lambda x: torch.nn.SmoothL1Loss(beta=0.5)(x, torch.linspace(-2, 2, 20).reshape(5, 4))),
    "kl_div(batchmean)": (
        lambda x: nn.KLDivLoss(reduction="batchmean")(F.log_softmax(x, 1),
                                                      np.full((5, 4), 0.25)),
        lambda x: torch.nn.KLDivLoss(reduction="batchmean")(TF.log_softmax(x, 1),
                                                            torch.full((5, 4), 0.25))),
    "kl_div(log_target, sum)": (
        lambda x: F.kl_div(F.log_softmax(x, 1), np.log(np.full((5, 4), 0.25)), "sum", True),
        lambda x: TF.kl_div(TF.log_softmax(x, 1), torch.log(torch.full((5, 4), 0.25)),
                            reduction="sum", log_target=True)),
    "cosine_similarity": (
        lambda x: nn.CosineSimilarity(dim=1)(x, np.ones((1, 4))).sum(),
        lambda x: torch.nn.CosineSimilarity(dim=1)(x, torch.ones(1, 4)).sum()),
    "cosine_embedding_loss": (
        lambda x: nn.CosineEmbeddingLoss(margin=0.1)(x, tg.Tensor(np.ones((5, 4))),
                                                      np.array([1, -1, 1, -1, -1])),
        lambda x: torch.nn.CosineEmbeddingLoss(margin=0.1)(x, torch.ones(5, 4),
                                                            torch.tensor([1, -1, 1, -1, -1]))),
}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_parity(name):
    ours, theirs = LOSSES[name]
    x = rng.normal(size=(5, 4)) * 2
    a, b = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, z = ours(a), theirs(b)
    _close(y.data, z)
    y.backward()
    z.backward()
    _close(a.grad.data, b.grad)


def test_bce_with_logits_at_infinities_parity():
    x = np.array([np.inf, -np.inf, np.inf, -np.inf, 1.0])
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = F.binary_cross_entropy_with_logits(tg.Tensor(x), t, reduction="none").data
    theirs = TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t),
                                                 reduction="none").numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_clip_grad_norm_parity():
    grads = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    for norm_type in (2.0, 1.0, float("inf")):
        ours = [nn.Parameter(np.zeros_like(g)) for g in grads]
        theirs = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = tg.Tensor(g.copy()), torch.tensor(g.copy())
        _close(nn.utils.clip_grad_norm_(ours, 0.5, norm_type).data,
               torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type))
        for p, q in zip(ours, theirs):
            _close(p.grad.data, q.grad)


def test_full_backward_hook_parity():
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    seen, seen_torch = [], []
    ours.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    theirs.register_full_backward_hook(lambda m, gi, go: seen_torch.append((gi, go)))
    x = rng.normal(size=(4, 3))
    (ours(tg.Tensor(x, requires_grad=True)) ** 2).sum().backward()
    (theirs(torch.tensor(x, requires_grad=True)) ** 2).sum().backward()
    (gi, go), (tgi, tgo) = seen[0], seen_torch[0]
    _close(gi[0].data, tgi[0])
    _close(go[0].data, tgo[0])

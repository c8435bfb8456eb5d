"""Every loss: values against NumPy formulas, reductions, first and second derivatives
(float64, Hypothesis-drawn shapes), shape checks, and extreme inputs without warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**16)
REDUCE = {"none": lambda v: v, "sum": np.sum, "mean": np.mean}


def _logsig(x):
    """log sigmoid(x), exactly, in NumPy."""
    return -np.logaddexp(0, -x)


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


# name -> (function, module class, input sampler, target sampler, NumPy elementwise loss)
ELEMENTWISE = {
    "mse": (F.mse_loss, nn.MSELoss, np.random.Generator.standard_normal,
            np.random.Generator.standard_normal, lambda x, t: (x - t) ** 2),
    "l1": (F.l1_loss, nn.L1Loss, np.random.Generator.standard_normal,
           np.random.Generator.standard_normal, lambda x, t: np.abs(x - t)),
    "bce": (F.binary_cross_entropy, nn.BCELoss, lambda r, s: r.uniform(0.05, 0.95, s),
            lambda r, s: r.uniform(0, 1, s),
            lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p))),
    "bce_logits": (F.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss,
                   lambda r, s: 3 * r.standard_normal(s), lambda r, s: r.uniform(0, 1, s),
                   lambda x, t: -(t * _logsig(x) + (1 - t) * _logsig(-x))),
}


def _draw(name, shape, seed, grad_target=False):
    _, _, xs, ts, _ = ELEMENTWISE[name]
    rng = np.random.default_rng(seed)
    x = tg.Tensor(xs(rng, shape), requires_grad=True)
    t = tg.Tensor(ts(rng, shape), requires_grad=grad_target)
    return x, t


@pytest.mark.parametrize("reduction", REDUCE)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_loss_values(name, reduction):
    fn, cls, *_, ref = ELEMENTWISE[name]
    x, t = _draw(name, (5, 3), 0)
    want = REDUCE[reduction](ref(x.data, t.data))
    np.testing.assert_allclose(fn(x, t, reduction=reduction).data, want, rtol=1e-12)
    np.testing.assert_allclose(cls(reduction=reduction)(x, t).data, want, rtol=1e-12)


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(shape=shapes, seed=seeds)
def test_elementwise_loss_derivatives(name, shape, seed):
    fn = ELEMENTWISE[name][0]
    x, t = _draw(name, shape, seed, grad_target=True)
    if name == "l1":  # |x - t| has a kink at x == t: keep away from it
        t.data = x.data + np.where(t.data >= 0, 1, -1) * (0.1 + np.abs(t.data))
    loss = lambda x, t: fn(x, t, reduction="sum")  # noqa: E731
    assert tg.gradcheck(loss, (x, t))
    assert tg.gradgradcheck(loss, (x, t))


@given(shape=shapes, seed=seeds)
def test_bce_with_logits_weights_derivatives(shape, seed):
    rng = np.random.default_rng(seed)
    x, t = _draw("bce_logits", shape, seed, grad_target=True)
    pw = tg.Tensor(rng.uniform(0.2, 3, shape[-1:]), requires_grad=True)
    w = rng.uniform(0.5, 2, shape)
    loss = lambda x, t, pw: F.binary_cross_entropy_with_logits(  # noqa: E731
        x, t, weight=w, pos_weight=pw, reduction="mean")
    assert tg.gradcheck(loss, (x, t, pw))
    assert tg.gradgradcheck(loss, (x, t, pw))
    want = -w * (pw.data * t.data * _logsig(x.data) + (1 - t.data) * _logsig(-x.data))
    np.testing.assert_allclose(loss(x, t, pw).data, want.mean(), rtol=1e-12)
    module = nn.BCEWithLogitsLoss(tg.Tensor(w), pos_weight=pw.detach())
    np.testing.assert_allclose(module(x, t).data, want.mean(), rtol=1e-12)


def test_bce_weight():
    x, t = _draw("bce", (4, 2), 1)
    w = np.array([1.0, 3.0])
    want = (ELEMENTWISE["bce"][4](x.data, t.data) * w).sum()
    np.testing.assert_allclose(F.binary_cross_entropy(x, t, w, "sum").data, want, rtol=1e-12)
    np.testing.assert_allclose(nn.BCELoss(w, reduction="sum")(x, t).data, want, rtol=1e-12)


# ----------------------------------------------------------------------------- cross-entropy
def _class_problem(seed, n, c, extra):
    rng = np.random.default_rng(seed)
    shape = (n, c, *extra)
    x = tg.Tensor(2 * rng.standard_normal(shape), requires_grad=True)
    idx = rng.integers(0, c, (n, *extra))
    probs = rng.uniform(0.01, 1, shape)
    probs /= probs.sum(axis=1, keepdims=True)
    return x, idx, probs


ce_cases = st.tuples(seeds, st.integers(1, 4), st.integers(1, 5),
                     st.lists(st.integers(1, 3), max_size=1).map(tuple))


@pytest.mark.parametrize("reduction", REDUCE)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_values(reduction, smoothing):
    x, idx, probs = _class_problem(0, 6, 4, ())
    logp = _log_softmax(x.data, 1)
    nll = -logp[np.arange(6), idx]
    want_idx = (1 - smoothing) * nll - smoothing * logp.mean(axis=1)
    q = probs * (1 - smoothing) + smoothing / 4
    want_prob = -(q * logp).sum(axis=1)
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(F.cross_entropy(x, idx, **kw).data, REDUCE[reduction](want_idx),
                               rtol=1e-12)
    np.testing.assert_allclose(nn.CrossEntropyLoss(**kw)(x, tg.Tensor(idx)).data,
                               REDUCE[reduction](want_idx), rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(x, probs, **kw).data,
                               REDUCE[reduction](want_prob), rtol=1e-12)
    if smoothing == 0:
        np.testing.assert_allclose(F.nll_loss(F.log_softmax(x, 1), idx, reduction=reduction).data,
                                   REDUCE[reduction](nll), rtol=1e-12)
        np.testing.assert_allclose(nn.NLLLoss(reduction=reduction)(tg.Tensor(logp), idx).data,
                                   REDUCE[reduction](nll), rtol=1e-12)


def test_cross_entropy_extra_axes_and_unbatched():
    x, idx, _ = _class_problem(1, 3, 4, (5,))
    logp = _log_softmax(x.data, 1)
    want = -np.take_along_axis(logp, idx[:, None], axis=1)[:, 0]
    np.testing.assert_allclose(F.cross_entropy(x, idx, reduction="none").data, want, rtol=1e-12)
    v = tg.Tensor(np.array([1.0, 2.0, 0.5]), requires_grad=True)
    np.testing.assert_allclose(F.cross_entropy(v, np.array(1)).data,
                               -_log_softmax(v.data, 0)[1], rtol=1e-12)
    unbatched = lambda v: F.cross_entropy(v, np.array(1), label_smoothing=0.1)  # noqa: E731
    assert tg.gradcheck(unbatched, (v,)) and tg.gradgradcheck(unbatched, (v,))


@given(case=ce_cases, smoothing=st.sampled_from([0.0, 0.1]),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_derivatives(case, smoothing, reduction):
    """Index and probability targets (the fused op, and the composed one when q requires
    grad), every reduction, extra axes."""
    seed, n, c, extra = case
    x, idx, probs = _class_problem(seed, n, c, extra)
    q = tg.Tensor(probs, requires_grad=True)
    kw = dict(label_smoothing=smoothing, reduction=reduction)
    by_index = lambda x: F.cross_entropy(x, idx, **kw)  # noqa: E731
    by_probs = lambda x, q: F.cross_entropy(x, q, **kw)  # noqa: E731
    by_const_probs = lambda x: F.cross_entropy(x, probs, **kw)  # noqa: E731
    assert tg.gradcheck(by_index, (x,)) and tg.gradgradcheck(by_index, (x,))
    assert tg.gradcheck(by_probs, (x, q)) and tg.gradgradcheck(by_probs, (x, q))
    assert tg.gradcheck(by_const_probs, (x,)) and tg.gradgradcheck(by_const_probs, (x,))
    nll = lambda lp: F.nll_loss(lp, idx, reduction="sum")  # noqa: E731
    assert tg.gradcheck(nll, (x,)) and tg.gradgradcheck(nll, (x,))


@pytest.mark.parametrize("extra", [(), (3,)])
def test_cross_entropy_of_a_non_contiguous_input(extra):
    """The fused op reads x_n,y_n and writes the one-hot's 1 at flat positions: a transposed
    (Fortran-ordered) or strided x must give the loss and gradient of its contiguous copy."""
    _, idx, _ = _class_problem(2, 5, 4, extra)
    rng = np.random.default_rng(3)
    shape = (5, 4, *extra)
    for data in (np.asfortranarray(rng.standard_normal(shape)),
                 rng.standard_normal((5, 8, *extra))[:, ::2]):
        grads = []
        for arr in (data, np.ascontiguousarray(data)):
            x = tg.Tensor(arr, requires_grad=True)
            loss = F.cross_entropy(x, idx, reduction="sum")
            loss.backward()
            grads.append((loss.item(), x.grad.data))
        assert grads[0][0] == grads[1][0]
        np.testing.assert_array_equal(grads[0][1], grads[1][1])


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_shape_mismatch_is_an_error_not_a_broadcast(name):
    fn = ELEMENTWISE[name][0]
    x = tg.Tensor(np.full((4, 1), 0.5), requires_grad=True)
    with pytest.raises(ValueError) as e:
        fn(x, np.full(4, 0.5))
    assert fn.__name__ in str(e.value) and "(4, 1)" in str(e.value) and "(4,)" in str(e.value)


def test_cross_entropy_of_an_empty_batch_is_nan_like_pytorch():
    x = tg.Tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, np.zeros(0, dtype=np.int64))
        loss.backward()
    assert np.isnan(loss.item()) and x.grad.shape == (0, 3)


def test_class_target_errors():
    x = tg.randn(3, 4)
    with pytest.raises(ValueError, match=r"class indices of shape \(3,\), got target shape"):
        F.cross_entropy(x, np.zeros((3, 1), dtype=np.int64))
    with pytest.raises(ValueError, match=r"cross_entropy: input shape \(3, 4\) and target shape"):
        F.cross_entropy(x, np.zeros((3, 3)))
    with pytest.raises(IndexError, match="target 4 is out of bounds for 4 classes"):
        F.cross_entropy(x, np.array([0, 4, 1]))
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        F.nll_loss(x, np.array([0, -1, 1]))
    for dtype in ("i1", "u1", "<i2", ">i4", ">u8"):  # any integer type and byte order
        with pytest.raises(IndexError, match="target 7 is out of bounds for 4 classes"):
            F.cross_entropy(x, np.array([0, 7, 1], dtype=dtype))
        if dtype[-2] == "i":
            with pytest.raises(IndexError, match="target -2 is out of bounds"):
                F.cross_entropy(x, np.array([0, 3, -2], dtype=dtype))
        good = np.array([3, 0, 2], dtype=dtype)
        np.testing.assert_allclose(F.cross_entropy(x, good).item(),
                                   F.cross_entropy(x, good.astype(np.int64)).item())
    with pytest.raises(TypeError, match="nll_loss: class-index targets must be integers"):
        F.nll_loss(x, np.zeros(3))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, np.zeros(3, dtype=np.int64), label_smoothing=1.5)


def test_invalid_reduction_and_probabilities():
    x = tg.Tensor(np.array([0.2, 0.7]))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(tg.Tensor(np.array([0.5, 1.5])), np.ones(2))
    with pytest.raises(TypeError):
        nn.CrossEntropyLoss("mean")  # options are keyword-only


# ----------------------------------------------------------------------------- extremes
def _no_warnings(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


def _grad_of(loss_fn, x):
    x.grad = None
    loss = loss_fn(x)
    loss.backward()
    return loss.data, x.grad.data


EXTREME = {
    "bce_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, np.array([[1.0, 0.0, 1.0, 0.0]], dtype=x.dtype)),
    "bce_logits_pos_weight": lambda x: F.binary_cross_entropy_with_logits(
        x, np.array([[1.0, 0.0, 1.0, 0.0]], dtype=x.dtype), pos_weight=np.array(2.0, x.dtype)),
    "cross_entropy": lambda x: F.cross_entropy(x, np.array([2])),
    "cross_entropy_probs": lambda x: F.cross_entropy(x, np.full((1, 4), 0.25, x.dtype)),
}
LOGITS = np.array([[1e4, -1e4, -1e4, 1e4]])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", EXTREME)
def test_extreme_logits_are_finite_without_warnings(name, dtype):
    x = tg.Tensor(LOGITS.astype(dtype), requires_grad=True)
    value, g = _no_warnings(lambda: _grad_of(EXTREME[name], x))
    assert np.isfinite(value) and np.all(np.isfinite(g))


def test_extreme_logit_values_are_exact():
    x = tg.Tensor(LOGITS, requires_grad=True)
    # misclassified by 1e4 twice (targets 1, 0 at logits -1e4, 1e4), right twice
    np.testing.assert_allclose(EXTREME["bce_logits"](x).data, 2e4 / 4)
    np.testing.assert_allclose(EXTREME["cross_entropy"](x).data, 2e4 + np.log(2))
    _, g = _grad_of(EXTREME["bce_logits"], x)
    np.testing.assert_allclose(g, [[0.0, 0.0, -0.25, 0.25]], atol=1e-300)


def test_bce_with_logits_is_exact_for_hard_labels_and_smooth_at_zero():
    x = tg.Tensor(np.array([-30.0, 30.0, 0.0, 0.0]), requires_grad=True)
    t = np.array([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.data[:2], np.log1p(np.exp(-30.0)), rtol=1e-14)
    loss.sum().backward()
    # sigmoid(x) - t: at x = 0 the gradient is 0.5 - t (no kink from max/abs)
    np.testing.assert_allclose(x.grad.data, 1 / (1 + np.exp(-x.data)) - t, atol=1e-16)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_saturated_probabilities_clamp_at_minus_100(dtype):
    p = tg.Tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0])
    value, g = _no_warnings(lambda: _grad_of(
        lambda p: F.binary_cross_entropy(p, t, reduction="none").sum(), p))
    np.testing.assert_allclose(value, 200.0)
    assert np.all(np.isfinite(g))
    tiny = np.array([1e-50, 1e-30])  # log 1e-50 < -100 is clamped, log 1e-30 is not
    np.testing.assert_allclose(
        F.binary_cross_entropy(tg.Tensor(tiny), np.ones(2), reduction="none").data,
        [100.0, -np.log(1e-30)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_keeps_its_precision_at_large_logits(dtype):
    """Two equal logits cost log 2 however large they are: the loss is log-sum-exp minus the
    picked logit with the max taken out of both first (lse - x cancelled to 0 at 3e7 in
    float32 and at 1e308 in float64)."""
    big = 3e7 if dtype == np.float32 else 1e308
    x = tg.Tensor(np.full((1, 2), big, dtype))
    by_index = F.cross_entropy(x, tg.tensor([1]))
    by_prob = F.cross_entropy(x, tg.Tensor(np.array([[0.3, 0.7]], dtype)))
    for loss in (by_index, by_prob):
        assert loss.dtype == dtype
        np.testing.assert_allclose(loss.item(), np.log(2.0), rtol=1e-6)

"""Issue 12/13 losses: weight= and ignore_index= on cross_entropy/nll_loss (PyTorch's
weighted mean), HuberLoss, SmoothL1Loss, KLDivLoss, cosine similarity and embedding loss,
BCE with logits at +-inf; and errors that name the op or module (hand computations)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

rng = np.random.default_rng(3)
X = rng.normal(size=(6, 4))
W = np.array([0.5, 2.0, 1.0, 3.0])
Y = np.array([0, 3, -100, 2, 1, 3])


def _log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _hand_ce(x, y, w, smoothing, reduction, ignore=-100):
    """PyTorch's documented formula, written out per sample."""
    lp = _log_softmax(x)
    c = x.shape[1]
    w = np.ones(c) if w is None else w
    losses, weights = [], []
    for n in range(len(y)):
        if y[n] == ignore:
            losses.append(0.0)
            weights.append(0.0)
            continue
        nll = -w[y[n]] * lp[n, y[n]]
        smooth = -(w * lp[n]).sum() / c
        losses.append((1 - smoothing) * nll + smoothing * smooth)
        weights.append(w[y[n]])
    losses = np.array(losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / np.sum(weights)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, W], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_weight_and_ignore_index(reduction, weight, smoothing):
    x = tg.Tensor(X, requires_grad=True)
    loss = F.cross_entropy(x, Y, weight, reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(loss.data, _hand_ce(X, Y, weight, smoothing, reduction),
                               rtol=1e-12)
    module = nn.CrossEntropyLoss(None if weight is None else tg.Tensor(weight),
                                 reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(module(x, Y).data, loss.data, rtol=1e-15)
    g = rng.normal(size=loss.shape)
    loss.backward(g)
    assert np.all(x.grad.data[2] == 0)  # the ignored sample gets no gradient
    assert tg.gradcheck(lambda t: F.cross_entropy(t, Y, weight, reduction=reduction,
                                                  label_smoothing=smoothing),
                        (tg.Tensor(X, requires_grad=True),))
    assert tg.gradgradcheck(lambda t: F.cross_entropy(t, Y, weight, reduction=reduction,
                                                      label_smoothing=smoothing),
                            (tg.Tensor(X, requires_grad=True),))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_weight_and_ignore_index(reduction):
    lp = _log_softmax(X)
    keep = Y != -100
    picked = np.where(keep, -W[np.where(keep, Y, 0)] * lp[np.arange(6), np.where(keep, Y, 0)],
                      0.0)
    want = {"none": picked, "sum": picked.sum(),
            "mean": picked.sum() / W[Y[keep]].sum()}[reduction]
    out = F.nll_loss(tg.Tensor(lp), Y, W, reduction=reduction)
    np.testing.assert_allclose(out.data, want, rtol=1e-12)
    mod = nn.NLLLoss(tg.Tensor(W), reduction=reduction)
    np.testing.assert_allclose(mod(tg.Tensor(lp), Y).data, want, rtol=1e-12)
    assert list(mod.state_dict()) == ["weight"]


def test_custom_ignore_index_and_all_ignored_mean_is_nan():
    y = np.array([1, 2, 2, 0, 1, 3])
    out = F.cross_entropy(tg.Tensor(X), y, ignore_index=2)
    want = _hand_ce(X, y, None, 0.0, "mean", ignore=2)
    np.testing.assert_allclose(out.data, want, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nan = F.cross_entropy(tg.Tensor(X[:2]), np.array([-100, -100]))
    assert np.isnan(nan.item())
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        F.cross_entropy(tg.Tensor(X), np.array([0, -1, -100, 1, 1, 1]))


def test_cross_entropy_weighted_probability_targets_average_over_samples():
    q = rng.dirichlet(np.ones(4), size=6)
    want = -(W * q * _log_softmax(X)).sum(axis=1).mean()
    np.testing.assert_allclose(F.cross_entropy(tg.Tensor(X), q, W).data, want, rtol=1e-12)


def test_cross_entropy_errors_name_the_op_and_what_was_expected():
    with pytest.raises(tg.ShapeError, match="cross_entropy: input must have a class axis"):
        F.cross_entropy(tg.Tensor(np.array(1.0)), np.array(0))
    with pytest.raises(tg.DTypeError, match="cross_entropy: input must be floating-point"):
        F.cross_entropy(tg.Tensor(np.array([[1, 2]])), np.array([0]))
    with pytest.raises(tg.DTypeError, match=r"class indices \(integers, shape \(6,\)\) or "
                                            r"class probabilities"):
        F.cross_entropy(tg.Tensor(X), np.ones(6, dtype=bool))
    with pytest.raises(tg.ShapeError, match=r"class indices of shape \(6,\), got target "
                                            r"shape \(6, 1\)"):
        F.cross_entropy(tg.Tensor(X), Y.reshape(6, 1))
    with pytest.raises(tg.ShapeError, match=r"weight must hold one weight per class, shape "
                                            r"\(4,\), got shape \(3,\)"):
        F.cross_entropy(tg.Tensor(X), Y, np.ones(3))
    with pytest.raises(TypeError, match="pass reduction= by keyword"):
        F.cross_entropy(tg.Tensor(X), Y, "sum")
    with pytest.raises(tg.DTypeError, match="nll_loss: class-index targets must be integers"):
        F.nll_loss(tg.Tensor(X), np.zeros(6))


def test_linear_shape_error_names_the_module():
    with pytest.raises(tg.ShapeError) as e:
        nn.Linear(4, 3)(tg.randn(2, 5))
    assert str(e.value) == ("Linear(in_features=4, out_features=3, bias=True): input has 5 "
                            "features (shape (2, 5)); expected (*, 4)")
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize("k", [0.5, 1.0, 2.0])
def test_huber_and_smooth_l1(k):
    t = rng.normal(size=(6, 4)) * 2
    d = X - t
    huber = np.where(np.abs(d) < k, 0.5 * d ** 2, k * (np.abs(d) - 0.5 * k))
    smooth = np.where(np.abs(d) < k, 0.5 * d ** 2 / k, np.abs(d) - 0.5 * k)
    np.testing.assert_allclose(F.huber_loss(tg.Tensor(X), t, delta=k).data, huber.mean(),
                               rtol=1e-13)
    np.testing.assert_allclose(nn.HuberLoss(delta=k, reduction="sum")(tg.Tensor(X), t).data,
                               huber.sum(), rtol=1e-13)
    np.testing.assert_allclose(nn.SmoothL1Loss(beta=k, reduction="none")(tg.Tensor(X), t).data,
                               smooth, rtol=1e-13)
    x = tg.Tensor(X, requires_grad=True)
    assert tg.gradcheck(lambda a: F.huber_loss(a, t, delta=k), (x,))
    assert tg.gradgradcheck(lambda a: F.smooth_l1_loss(a, t, beta=k), (x,))
    np.testing.assert_allclose(F.smooth_l1_loss(tg.Tensor(X), t, beta=0.0).data,
                               np.abs(d).mean(), rtol=1e-13)


def test_kl_div_reductions_log_target_and_zero_targets():
    lp = _log_softmax(X)
    q = rng.dirichlet(np.ones(4), size=6)
    q[0, 1] = 0.0  # 0 log 0 = 0: no NaN
    point = np.where(q > 0, q * (np.log(np.where(q > 0, q, 1)) - lp), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bm = nn.KLDivLoss(reduction="batchmean")(tg.Tensor(lp, requires_grad=True), q)
        bm.backward()
    np.testing.assert_allclose(bm.data, point.sum() / 6, rtol=1e-13)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        mean = F.kl_div(tg.Tensor(lp), q)
    np.testing.assert_allclose(mean.data, point.mean(), rtol=1e-13)
    logq = np.log(q + 0.1)
    want = (np.exp(logq) * (logq - lp)).sum()
    np.testing.assert_allclose(F.kl_div(tg.Tensor(lp), logq, "sum", log_target=True).data,
                               want, rtol=1e-13)


def test_cosine_similarity_and_embedding_loss():
    x1 = rng.normal(size=(5, 3))
    x1[0] = 0.0
    x2 = rng.normal(size=(1, 3))
    n1 = np.maximum(np.linalg.norm(x1, axis=1), 1e-8)
    n2 = np.maximum(np.linalg.norm(x2, axis=1), 1e-8)
    want = (x1 * x2).sum(axis=1) / (n1 * n2)
    a = tg.Tensor(x1, requires_grad=True)
    out = nn.CosineSimilarity(dim=1)(a, tg.Tensor(x2))
    np.testing.assert_allclose(out.data, want, rtol=1e-13)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out.sum().backward()  # a zero vector: finite gradient, no warning
    assert np.isfinite(a.grad.data).all()
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.cosine_similarity(a, a, dim=2)
    y = np.array([1, -1, 1, -1, -1])
    x3 = rng.normal(size=(5, 3))
    cos = (x1 * x3).sum(1) / np.sqrt(((x1 ** 2).sum(1) + 1e-12) * ((x3 ** 2).sum(1) + 1e-12))
    want = np.where(y == 1, 1 - cos, np.maximum(cos - 0.2, 0)).mean()
    got = nn.CosineEmbeddingLoss(margin=0.2)(tg.Tensor(x1), tg.Tensor(x3), y)
    np.testing.assert_allclose(got.data, want, rtol=1e-13)


def test_bce_with_logits_at_infinite_logits_gives_pytorchs_values_without_warnings():
    x = tg.Tensor(np.array([np.inf, -np.inf, np.inf, -np.inf, np.inf, 3.0]), requires_grad=True)
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
        with_pw = F.binary_cross_entropy_with_logits(x, t, reduction="none",
                                                     pos_weight=np.array(2.0))
        loss.backward(np.ones(6))
    want = [np.inf, np.nan, np.nan, np.nan, np.inf, np.log1p(np.exp(-3.0))]
    np.testing.assert_allclose(loss.data, want, rtol=1e-14)
    np.testing.assert_allclose(with_pw.data[:5], want[:5])
    np.testing.assert_allclose(x.grad.data[:5], [1.0, -1.0, 0.0, 0.0, 0.5], atol=1e-300)

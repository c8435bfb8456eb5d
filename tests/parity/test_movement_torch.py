"""Op-by-op parity with PyTorch for the movement, indexing, order-statistic and matmul-family
ops: values, dtypes, return types (named tuples and their fields) and gradients.  Skipped
when torch is not installed (it is never a dependency)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4))            # distinct values
B = RNG.normal(size=(2, 3, 5))
TIES = np.array([[1.0, 3.0, 3.0, 2.0], [2.0, 2.0, 1.0, 1.0], [0.0, 5.0, 5.0, 5.0]])
I = np.array([[0, 2, 1], [1, 0, 0]])   # gather/scatter positions (into A, dim 1)
U = np.array([[0, 2, 1], [3, 1, 0]])   # written once per row (scatter)


def _t(backend, a):
    if isinstance(a, np.ndarray):
        if backend == "tg":
            return tg.Tensor(a.copy(), requires_grad=a.dtype.kind == "f")
        return torch.tensor(a, requires_grad=a.dtype.kind == "f")
    return a


# name -> (call(module, *inputs) with module tg or torch, inputs); methods are called on x
CASES = {
    "max(dim)": (lambda m, x: x.max(1), [TIES]),
    "min(dim, keepdim)": (lambda m, x: m.min(x, 0, keepdim=True), [TIES]),
    "max()": (lambda m, x: x.max(), [TIES]),
    "max(a, b)": (lambda m, x, y: m.max(x, y), [A, A[::-1].copy()]),
    "argmax()": (lambda m, x: x.argmax(), [TIES]),
    "argmin(dim, keepdim)": (lambda m, x: x.argmin(1, keepdim=True), [TIES]),
    "sort": (lambda m, x: x.sort(dim=1, stable=True), [TIES]),
    "sort(descending)": (lambda m, x: m.sort(x, dim=0, descending=True, stable=True), [TIES]),
    "argsort": (lambda m, x: x.argsort(dim=1, stable=True), [TIES]),
    "topk": (lambda m, x: x.topk(2), [A]),
    "topk(smallest, dim 0)": (lambda m, x: m.topk(x, 2, 0, largest=False), [A]),
    "median()": (lambda m, x: x.median(), [TIES]),
    "median(dim)": (lambda m, x: x.median(1), [A]),
    "mode": (lambda m, x: x.mode(1), [TIES]),
    "kthvalue": (lambda m, x: x.kthvalue(2, 1), [A]),
    "flip": (lambda m, x: x.flip(0, 2), [B]),
    "roll": (lambda m, x: x.roll((1, -2), (0, 2)), [B]),
    "roll(flat)": (lambda m, x: x.roll(3), [B]),
    "repeat": (lambda m, x: x.repeat(2, 1, 3), [A]),
    "tile": (lambda m, x: m.tile(x, (2,)), [A]),
    "repeat_interleave": (lambda m, x: x.repeat_interleave(2, dim=1), [A]),
    "repeat_interleave(tensor)": (lambda m, x: x.repeat_interleave(
        (tg if m is tg else torch).tensor([1, 0, 2]), dim=0), [A]),
    "narrow": (lambda m, x: x.narrow(2, -3, 2), [B]),
    "split": (lambda m, x: m.cat([p.flatten() for p in x.split(2, 2)]), [B]),
    "split(sections)": (lambda m, x: m.cat([p.flatten() for p in x.split([1, 3], 1)]), [A]),
    "chunk": (lambda m, x: m.cat([p.flatten() for p in x.chunk(3, 2)]), [B]),
    "unbind": (lambda m, x: m.stack(x.unbind(1), 0), [B]),
    "movedim": (lambda m, x: m.movedim(x, (0, 1), (2, 0)), [B]),
    "moveaxis": (lambda m, x: x.moveaxis(0, -1), [B]),
    "gather": (lambda m, x, i: x.gather(1, i), [A, I]),
    "scatter": (lambda m, x, i, s: x.scatter(1, i, s), [A[:2].copy(), U, A[:2, :3] * 2]),
    "scatter(value)": (lambda m, x, i: x.scatter(1, i, 7.0), [A, U]),
    "scatter_add": (lambda m, x, i, s: m.scatter_add(x, 1, i, s), [A, I, A[:2, :3] * 2]),
    "index_add": (lambda m, x, i, s: x.index_add(0, i, s, alpha=0.5),
                  [A, np.array([2, 0, 2]), A[:3] * 3]),
    "index_copy": (lambda m, x, i, s: x.index_copy(1, i, s), [A, np.array([3, 0]), A[:, :2] * 3]),
    "aminmax": (lambda m, x: x.aminmax(), [A]),
    "aminmax(dim)": (lambda m, x: m.aminmax(x, dim=1, keepdim=True), [A]),
    "index_select": (lambda m, x, i: x.index_select(1, i), [A, np.array([3, 0, 3])]),
    "masked_fill": (lambda m, x, k: x.masked_fill(k, -1.0), [A, A > 0]),
    "masked_select": (lambda m, x, k: x.masked_select(k), [A, A[0] > 0]),
    "take_along_dim": (lambda m, x, i: m.take_along_dim(x, i, 1), [A, np.array([[0], [3], [1]])]),
    "take_along_dim(flat)": (lambda m, x, i: m.take_along_dim(x, i), [A, np.array([11, 0])]),
    "nonzero": (lambda m, x: x.nonzero(), [A > 0]),
    "x[1, :, idx]": (lambda m, x: x[1, :, [0, 4, 4]], [B]),
    "x[idx, :, 1]": (lambda m, x: x[[0, 1, 1], :, 1], [B]),
    "x[:, 1, idx]": (lambda m, x: x[:, 1, [0, 2]], [B]),
    "x[0-d int tensor, :, idx]": (lambda m, x: x[(tg if m is tg else torch).tensor(1), :,
                                                 [2, 3]], [B]),
    "mm": (lambda m, x, y: m.mm(x, y), [A, A.T.copy()]),
    "bmm": (lambda m, x, y: m.bmm(x, y), [B, np.swapaxes(B, 1, 2).copy()]),
    "mv": (lambda m, x, v: x.mv(v), [A, A[0].copy()]),
    "dot": (lambda m, x, y: m.dot(x, y), [A[0].copy(), A[1].copy()]),
    "outer": (lambda m, x, y: m.outer(x, y), [A[0].copy(), A[1, :3].copy()]),
    "ger": (lambda m, x, y: x.ger(y), [A[0].copy(), A[1, :3].copy()]),
    "addmm": (lambda m, c, x, y: m.addmm(c, x, y, beta=0.5, alpha=2.0),
              [A[:, :3].copy(), A, A[:3].T.copy()]),
    "einsum(matmul)": (lambda m, x, y: m.einsum("ij,jk->ik", x, y), [A, A.T.copy()]),
    "einsum(trace)": (lambda m, x: m.einsum("ii", x), [A[:, :3].copy()]),
    "einsum(diagonal)": (lambda m, x: m.einsum("ii->i", x), [A[:, :3].copy()]),
    "einsum(ellipsis)": (lambda m, x, y: m.einsum("...ij,jk", x, y), [B, B[0].T.copy()]),
    "einsum(sum)": (lambda m, x: m.einsum("ijk->j", x), [B]),
}


def _leaves(out):
    """(kind, [tensors]) of an op's result: a named tuple's class name, or "tensor"."""
    if isinstance(out, tuple):
        return type(out).__name__, list(out)
    return "tensor", [out]


@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(name):
    call, inputs = CASES[name]
    ours_in = [_t("tg", a) for a in inputs]
    theirs_in = [_t("torch", a) for a in inputs]
    ours, theirs = call(tg, *ours_in), call(torch, *theirs_in)
    (kind, ours_t), (tkind, theirs_t) = _leaves(ours), _leaves(theirs)
    assert kind == tkind
    for field in getattr(ours, "_fields", ()):  # torch.return_types: the same field names
        assert getattr(ours, field) is ours[ours._fields.index(field)]
        assert getattr(theirs, field) is theirs[ours._fields.index(field)]
    for o, t in zip(ours_t, theirs_t, strict=True):
        assert o.shape == tuple(t.shape)
        assert str(o.dtype) == str(t.dtype).removeprefix("torch.")
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-12, atol=1e-14)
    o, t = ours_t[0], theirs_t[0]
    if not t.requires_grad:
        return
    w = RNG.normal(size=o.shape)
    (o * tg.Tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("call", [
    lambda m: m.zeros(4, 1, 6, 6).squeeze(5), lambda m: m.zeros(2, 3).unsqueeze(7),
    lambda m: m.zeros(2, 3).sum(2), lambda m: m.zeros(()).sum(1),
    lambda m: m.zeros(2, 3).softmax(2), lambda m: m.cat([m.zeros(2)], 1),
    lambda m: m.zeros(2, 3).flatten(0, 4), lambda m: m.zeros(2, 3).transpose(0, 2),
], ids=["squeeze", "unsqueeze", "sum", "sum 0-d", "softmax", "cat", "flatten", "transpose"])
def test_dim_errors_match_torch(call):
    with pytest.raises(IndexError) as theirs:
        call(torch)
    with pytest.raises(IndexError) as ours:
        call(tg)
    assert str(theirs.value) in str(ours.value)

"""Matrix products: ``@`` with NumPy semantics (1-D, 2-D and batched operands with
broadcast batch axes, as a function, as ``@``, and with a NumPy array on either side),
PyTorch's strict mm bmm mv dot outer ger addmm with its shape errors, and einsum."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

from .checks import check_op
from .strategies import arrays, matmul_shapes

FORMS = ["matmul", "a @ b", "c @ x", "x @ c"]


@pytest.mark.parametrize("form", FORMS)
@given(data=st.data(), shapes_=matmul_shapes())
def test_matmul(form, data, shapes_):
    a, b = (data.draw(arrays(s)) for s in shapes_.input_shapes)
    if form == "c @ x":    # ndarray @ Tensor -> Tensor.__rmatmul__
        check_op(lambda x: a @ x, [b], data, lambda y: a @ y)
    elif form == "x @ c":
        check_op(lambda x: x @ b, [a], data, lambda y: y @ b)
    else:
        fn = tg.matmul if form == "matmul" else operator.matmul
        check_op(fn, [a, b], data, operator.matmul)


# ----------------------------------------------------------------------------- the family
@st.composite
def _family_case(draw, name: str):
    """(input shapes, op, NumPy reference) for mm bmm mv dot outer ger addmm."""
    n, m, p, b = (draw(st.integers(1, 3)) for _ in range(4))
    if name == "mm":
        return [(n, m), (m, p)], tg.mm, operator.matmul
    if name == "x.mm":
        return [(n, m), (m, p)], lambda x, y: x.mm(y), operator.matmul
    if name == "bmm":
        return [(b, n, m), (b, m, p)], tg.bmm, operator.matmul
    if name == "mv":
        return [(n, m), (m,)], lambda x, v: x.mv(v), operator.matmul
    if name == "dot":
        return [(m,), (m,)], tg.dot, np.dot
    if name in ("outer", "ger"):
        return [(n,), (p,)], getattr(tg, name), np.outer
    beta, alpha = draw(st.sampled_from([(1, 1), (0.5, -2.0)]))  # beta 0: the test below
    ishape = draw(st.sampled_from([(n, p), (p,), (1, p), (n, 1), ()]))
    return [ishape, (n, m), (m, p)], \
        lambda c, x, y: tg.addmm(c, x, y, beta=beta, alpha=alpha), \
        lambda c, x, y: beta * c + alpha * (x @ y)


FAMILY = ["mm", "x.mm", "bmm", "mv", "dot", "outer", "ger", "addmm"]


@pytest.mark.parametrize("name", FAMILY)
@given(data=st.data())
def test_matmul_family(name, data):
    in_shapes, fn, ref = data.draw(_family_case(name))
    inputs = [data.draw(arrays(s)) for s in in_shapes]
    check_op(fn, inputs, data, ref)


def test_addmm_with_beta_0_ignores_input_nan_included():
    """As PyTorch: beta=0 drops the input (no NaN from 0 * NaN, no gradient path)."""
    c = tg.Tensor([[np.nan]], requires_grad=True)
    a = tg.Tensor([[2.0]], requires_grad=True)
    out = tg.addmm(c, a, tg.Tensor([[3.0]]), beta=0, alpha=0.5)
    assert out.item() == 3.0
    out.backward()
    assert c.grad is None and a.grad.item() == 1.5


@pytest.mark.parametrize("call, message", [
    (lambda: tg.mm(tg.zeros(2, 3), tg.zeros(4, 5)),
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (lambda: tg.zeros(3).mm(tg.zeros(3, 3)), "self must be a matrix"),
    (lambda: tg.bmm(tg.zeros(2, 3, 4), tg.zeros(2, 5, 6)),
     r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: "
     r"\[2, 5\]"),
    (lambda: tg.bmm(tg.zeros(3, 3), tg.zeros(3, 3)), "batch1 must be a 3D tensor"),
    (lambda: tg.zeros(2, 3).mv(tg.zeros(4)), r"size mismatch, got input \(2\), mat \(2x3\), "
                                             r"vec \(4\)"),
    (lambda: tg.mv(tg.zeros(3, 3), tg.zeros(3, 3)), r"mv: vec must be a vector \(1-D\)"),
    (lambda: tg.dot(tg.zeros(3), tg.zeros(4)), "inconsistent tensor size"),
    (lambda: tg.dot(tg.zeros(3), tg.zeros(3, 1)), "1D tensors expected, but got 1D and 2D"),
    (lambda: tg.outer(tg.zeros(3), tg.zeros(3, 1)), "1D tensors expected"),
    (lambda: tg.addmm(tg.zeros(3), tg.zeros(2, 2), tg.zeros(2, 2)), "does not broadcast"),
    (lambda: tg.einsum("ij,jk->ik", tg.zeros(2, 3), tg.zeros(4, 5)),
     "subscript j has size 4 for operand 1 which does not broadcast with previously seen "
     "size 3"),
    (lambda: tg.einsum("ij->i", tg.zeros(2, 3, 4)), "number of subscripts in the equation"),
    (lambda: tg.einsum("ij,jk", tg.zeros(2, 3)), "2 operands in the equation"),
], ids=["mm", "mm 1-D", "bmm", "bmm 2-D", "mv", "mv 2-D", "dot", "dot 2-D", "outer", "addmm",
        "einsum sizes", "einsum ndim", "einsum operands"])
def test_family_shape_errors_as_pytorch(call, message):
    with pytest.raises(tg.ShapeError, match=message):
        call()


# equation -> operand shapes: products, traces, diagonals, sums, ellipses, broadcasting
EINSUMS = {
    "ij,jk->ik": [(2, 3), (3, 2)],
    "ij,jk": [(2, 3), (3, 1)],               # implicit output: ik
    "bij,bjk->bik": [(2, 2, 3), (2, 3, 2)],
    "i,i->": [(3,), (3,)],
    "i,j->ij": [(2,), (3,)],
    "ii->": [(3, 3)],                       # trace
    "ii->i": [(3, 3)],                      # diagonal
    "iji->j": [(2, 3, 2)],
    "ij->": [(2, 3)],
    "ij->j": [(2, 3)],
    "ji": [(2, 3)],                         # implicit: transpose
    "ij,ij->ij": [(2, 3), (1, 3)],          # a size-1 dim broadcasts
    "...ij,...jk->...ik": [(2, 2, 3), (3, 2)],
    "i...->...": [(2, 3, 2)],
    "ij,jk,kl->il": [(2, 3), (3, 2), (2, 2)],
    "ab,cd->abcd": [(2, 1), (1, 3)],
}


def _np_einsum(eq):
    return lambda *a: np.einsum(eq, *np.broadcast_arrays(*a) if eq == "ij,ij->ij" else a)


@pytest.mark.parametrize("eq", list(EINSUMS))
@given(data=st.data(), as_list=st.booleans())
def test_einsum(eq, data, as_list):
    """Gradient (and second order) through the einsum of the other operands."""
    inputs = [data.draw(arrays(s)) for s in EINSUMS[eq]]
    fn = (lambda *t: tg.einsum(eq, list(t))) if as_list else (lambda *t: tg.einsum(eq, *t))
    check_op(fn, inputs, data, _np_einsum(eq))

"""Matrix product with NumPy semantics: 1-D (vector), 2-D and batched operands with
broadcast batch axes, as a function, as ``@``, and with a NumPy array on either side."""

from __future__ import annotations

import operator

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

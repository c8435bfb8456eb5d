"""Errors that help: a failing op names itself and the shapes it got; only floating-point
tensors may require grad."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg


def _t(*shape):
    return tg.Tensor(np.ones(shape))


# id -> (call, op name the message must contain, shapes it must mention)
SHAPE_MISMATCHES = {
    "add": (lambda: _t(2, 3) + _t(4), "add", [(2, 3), (4,)]),
    "sub": (lambda: tg.sub(_t(2, 3), _t(3, 2)), "sub", [(2, 3), (3, 2)]),
    "mul": (lambda: _t(2, 3) * _t(2), "mul", [(2, 3), (2,)]),
    "div": (lambda: _t(5) / _t(2, 3), "div", [(5,), (2, 3)]),
    "pow": (lambda: _t(2, 3) ** _t(4), "pow", [(2, 3), (4,)]),
    "maximum": (lambda: tg.maximum(_t(2, 3), _t(4)), "maximum", [(2, 3), (4,)]),
    "where": (lambda: tg.where(np.ones((2, 3), bool), _t(4), _t(1)), "where", [(2, 3), (4,)]),
    "matmul": (lambda: _t(2, 3) @ _t(4, 5), "matmul", [(2, 3), (4, 5)]),
    "vector matmul": (lambda: _t(3) @ _t(4), "matmul", [(3,), (4,)]),
    "reflected matmul": (lambda: np.ones((2, 3)) @ _t(4, 5), "matmul", [(2, 3), (4, 5)]),
    "reshape": (lambda: _t(2, 3).reshape(4), "reshape", [(2, 3), (4,)]),
    "broadcast_to": (lambda: _t(2, 3).broadcast_to((4, 3)), "broadcast_?to", [(2, 3), (4, 3)]),
    "cat": (lambda: tg.cat([_t(2, 3), _t(2, 4)]), "cat", [(2, 3), (2, 4)]),
    "stack": (lambda: tg.stack([_t(2), _t(3)]), "stack", [(2,), (3,)]),
}


@pytest.mark.parametrize("name", list(SHAPE_MISMATCHES))
def test_shape_mismatch_names_op_and_shapes(name):
    call, op, shapes = SHAPE_MISMATCHES[name]
    with pytest.raises(ValueError) as info:
        call()
    msg = str(info.value)
    assert re.search(rf"\b{op}\b", msg), msg
    for shape in shapes:
        assert str(shape) in msg, f"{shape} missing from: {msg}"


def test_numpy_error_with_unusual_constructor_still_names_the_op():
    """NumPy's ufunc-loop errors take extra constructor arguments; re-raising them must
    still produce the op's message, not a TypeError about __init__."""
    with pytest.raises(TypeError) as info:
        tg.Tensor(np.array(["a", "b"])) + 1.0
    assert re.search(r"\badd\b", str(info.value)) and "(2,)" in str(info.value), \
        str(info.value)


@pytest.mark.parametrize("make", [
    lambda: tg.Tensor([1, 2], requires_grad=True),
    lambda: tg.tensor(np.arange(3, dtype=np.int32), requires_grad=True),
    lambda: tg.Tensor([True, False], requires_grad=True),
    lambda: tg.Tensor(np.zeros(2, dtype=np.int64)).requires_grad_(),
], ids=["int list", "int32 array", "bool", "requires_grad_"])
def test_requires_grad_needs_a_float_tensor(make):
    with pytest.raises(TypeError, match=r"(?i)float.*got dtype (int|bool)"):
        make()

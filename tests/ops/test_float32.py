"""float32 stays float32: forward outputs, every op's own backward formula (no float64 mask
or constant leaking into a gradient, even before the engine casts), ``.grad``, second
derivatives; and Python scalars do not upcast (``float32_tensor * 2.0`` is float32)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

from .strategies import arrays, shapes
from .test_elementwise import BINARY, UNARY, binary_inputs

F32 = np.dtype(np.float32)


def _nodes(y: tg.Tensor):
    """Every Function node of y's graph."""
    seen, stack = set(), [y.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, tg.Tensor) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(node.next)


def check_float32(fn, inputs) -> None:
    """fn on float32 leaves: float32 output, float32 raw gradients from every float32 node,
    float32 ``.grad`` of the right shape, float32 first and second derivatives."""
    xs = [tg.Tensor(np.asarray(a, dtype=F32), requires_grad=True) for a in inputs]
    y = fn(*xs)
    assert y.dtype == F32, f"output is {y.dtype}"
    for node in _nodes(y):
        if node.out_dtype != F32:
            continue  # e.g. the float64 side of a cast: the engine casts its gradient back
        grads = node.backward(np.ones(node.out_shape, F32), node.out, *node.inputs)
        for i, (g, p) in enumerate(zip(grads, node.next)):
            if g is not None and p is not None and p.out_dtype == F32:
                assert np.asarray(g).dtype == F32, f"{node!r} gives input {i} a {g.dtype} grad"
    upstream = np.linspace(-1, 1, y.numel(), dtype=F32).reshape(y.shape)
    firsts = tg.grad(y, xs, grad_outputs=upstream, create_graph=True, allow_unused=True)
    assert all(g is None or g.dtype == F32 for g in firsts)
    total = [(g * g).sum() for g in firsts if g is not None and g.requires_grad]
    if total:
        seconds = tg.grad(tg.stack(total).sum(), xs, retain_graph=True, allow_unused=True)
        assert all(g is None or g.dtype == F32 for g in seconds)
    y.backward(upstream)
    for x in xs:
        assert x.grad.dtype == F32 and x.grad.shape == x.shape


@pytest.mark.parametrize("name", list(UNARY))
@given(data=st.data(), shape=shapes())
def test_unary_float32(name, data, shape):
    fn, _, domain = UNARY[name]
    check_float32(fn, [data.draw(arrays(shape, domain))])


@pytest.mark.parametrize("name", list(BINARY))
@given(data=st.data())
def test_binary_float32(name, data):
    op = BINARY[name]
    check_float32(op.fn, data.draw(binary_inputs(op)))


X = np.array([[0.5, 1.25, 2.0], [0.75, 1.5, 2.5]])      # distinct, positive, no kinks
TIES = np.array([[2.0, 1.0, 2.0], [0.5, 0.5, 0.25]])
MASK = np.array([[True, False, True], [False, True, True]])
OTHERS = {
    # Python scalars and other constants must not upcast
    "x + 1": lambda x: x + 1, "1.5 + x": lambda x: 1.5 + x,
    "x - 0.5": lambda x: x - 0.5, "1 - x": lambda x: 1 - x,
    "x * 2.0": lambda x: x * 2.0, "2.0 * x": lambda x: 2.0 * x,
    "x / 3": lambda x: x / 3, "3.0 / x": lambda x: 3.0 / x,
    "x ** 2": lambda x: x ** 2, "x ** 0.5": lambda x: x ** 0.5, "2.0 ** x": lambda x: 2.0 ** x,
    "maximum(x, 1.0)": lambda x: tg.maximum(x, 1.0),
    "minimum(0.6, x)": lambda x: tg.minimum(0.6, x),
    "where(m, x, 0.0)": lambda x: tg.where(MASK, x, 0.0),
    "clip": lambda x: x.clip(0.6, 1.7),
    "leaky_relu(x - 1, 0.2)": lambda x: (x - 1).leaky_relu(0.2),
    # reductions (ties included: the split weights must be float32 too)
    "sum": lambda x: x.sum(axis=0), "mean": lambda x: x.mean(axis=1, keepdims=True),
    "var": lambda x: x.var(), "std": lambda x: x.std(axis=1, ddof=1),
    "max": lambda x: x.max(axis=1).values, "min": lambda x: x.min(),
    "max (ties)": lambda x: (x * 0 + tg.Tensor(TIES, dtype=F32)).max(),
    "maximum (ties)": lambda x: tg.maximum(x, tg.Tensor(X, dtype=F32)),
    "logsumexp": lambda x: x.logsumexp(axis=-1), "softmax": lambda x: x.softmax(0),
    "log_softmax": lambda x: x.log_softmax(-1),
    # shapes
    "reshape": lambda x: x.reshape(3, 2), "permute": lambda x: x.permute(1, 0),
    "broadcast_to": lambda x: x.broadcast_to((4, 2, 3)), "squeeze": lambda x: x[:1].squeeze(),
    "x[basic]": lambda x: x[::-1, 1:], "x[int repeats]": lambda x: x[:, [0, 0, 2]],
    "x[mask]": lambda x: x[MASK], "cat": lambda x: tg.cat([x, x[:1]]),
    "stack": lambda x: tg.stack([x, x], axis=-1),
    "matmul": lambda x: x @ x.T, "vector matmul": lambda x: x[0] @ x.T,
    "x.double().float()": lambda x: x.double().float(),
}


@pytest.mark.parametrize("name", list(OTHERS))
def test_other_ops_float32(name):
    check_float32(OTHERS[name], [X])


def test_double_of_float32_gives_float64_and_float32_grad():
    x = tg.Tensor(X, dtype=F32, requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == F32
    np.testing.assert_allclose(x.grad.data, 2 * X.astype(F32), rtol=1e-6)

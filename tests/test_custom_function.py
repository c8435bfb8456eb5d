"""Custom autograd Functions the PyTorch way: ``forward(ctx, ...)`` / ``backward(ctx, ...)``
staticmethods, ``ctx.save_for_backward``, ``F.apply``; the code of PyTorch's tutorials runs
with ``torch`` replaced by ``tinygrad_edu``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu
import tinygrad_edu as tg
from tinygrad_edu.autograd import Function


# From "Learning PyTorch with Examples" (PyTorch: Defining new autograd Functions), as is.
class LegendrePolynomial3(tinygrad_edu.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


# From "Extending torch.autograd": saves its output.
class Exp(Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result


class LinearFunction(Function):
    """The docs' LinearFunction (with ``@`` and ``.T``): an optional argument and
    ``needs_input_grad``."""

    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input @ weight.T
        if bias is not None:
            output = output + bias
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output @ weight
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.T @ input
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class SplitScale(Function):
    """Two outputs: (2x, x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2.0, x * x

    @staticmethod
    def backward(ctx, g_double, g_square):
        x, = ctx.saved_tensors
        return g_double * 2.0 + g_square * 2.0 * x


def f64(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return tg.Tensor(rng.standard_normal(shape), requires_grad=True)


def test_the_tutorials_legendre_polynomial_trains():
    """The tutorial's loop (torch -> tinygrad_edu): the loss of fitting sin falls."""
    dtype = tg.float64
    x = tg.Tensor(np.linspace(-math.pi, math.pi, 2000), dtype=dtype)
    y = tg.Tensor(np.sin(x.data))
    a, b, c, d = (tg.full((), v, dtype=dtype, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    learning_rate = 5e-6
    losses = []
    for _ in range(200):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with tg.no_grad():
            for p in (a, b, c, d):
                p.data = p.data - learning_rate * p.grad.data
                p.grad = None
    assert losses[-1] < 0.5 * losses[0]
    assert repr(y_pred.grad_fn) == "<AddBackward>"
    assert repr(P3(c + d * x).grad_fn) == "<LegendrePolynomial3Backward>"


@pytest.mark.parametrize("fn, shapes", [(LegendrePolynomial3.apply, [(3, 4)]),
                                        (Exp.apply, [(3, 4)]),
                                        (LinearFunction.apply, [(5, 3), (2, 3), (2,)]),
                                        (lambda x: SplitScale.apply(x), [(4,)]),
                                        (lambda x: SplitScale.apply(x)[1], [(4,)])],
                         ids=["legendre", "exp", "linear", "two outputs", "one of two"])
def test_gradcheck_and_gradgradcheck(fn, shapes):
    inputs = [f64(*s, seed=i) for i, s in enumerate(shapes)]
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


def test_values_and_gradients_match_the_built_in_ops():
    x, w, b = f64(5, 3), f64(2, 3, seed=1), f64(2, seed=2)
    out = LinearFunction.apply(x, w, b)
    np.testing.assert_allclose(out.data, x.data @ w.data.T + b.data)
    (out * out).sum().backward()
    got = [t.grad.data for t in (x, w, b)]
    for t in (x, w, b):
        t.grad = None
    ref = x @ w.T + b
    (ref * ref).sum().backward()
    for g, t in zip(got, (x, w, b)):
        np.testing.assert_allclose(g, t.grad.data, rtol=1e-12)


def test_needs_input_grad_and_arguments_that_need_none():
    seen = []

    class Spy(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            seen.append(ctx.needs_input_grad)
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    a, b = f64(3), tg.Tensor(np.ones(3))
    out = Spy.apply(a, b, 2.0)
    out.sum().backward()
    assert seen == [(True, False, False)] and out.grad_fn.needs_input_grad == seen[0]
    np.testing.assert_array_equal(a.grad.data, np.ones(3))
    with tg.no_grad():
        assert not Spy.apply(a, b, 2.0).requires_grad
    assert seen[-1] == (False, False, False)


def test_keyword_arguments_and_defaults_are_bound_to_forward():
    x, w = f64(4, 3), f64(2, 3, seed=1)
    out = LinearFunction.apply(x, weight=w)
    np.testing.assert_allclose(out.data, x.data @ w.data.T)
    out.sum().backward()
    np.testing.assert_allclose(w.grad.data, np.ones((2, 4)) @ x.data)


def test_multiple_outputs_each_get_their_gradient_and_unused_ones_get_zeros():
    x = f64(4)
    double, square = SplitScale.apply(x)
    assert double.grad_fn is not square.grad_fn
    (double.sum() * 3.0 + square.sum()).backward()
    np.testing.assert_allclose(x.grad.data, 6.0 + 2.0 * x.data)
    x.grad = None
    grads_in = []

    class Record(SplitScale):
        @staticmethod
        def backward(ctx, g_double, g_square):
            grads_in.append((g_double, g_square))
            return SplitScale.backward(ctx, g_double, g_square)

    Record.apply(x)[1].sum().backward()                # double got no gradient: zeros
    np.testing.assert_array_equal(grads_in[0][0].data, np.zeros(4))
    np.testing.assert_allclose(x.grad.data, 2.0 * x.data)


def test_non_differentiable_outputs_and_materialize_grads():
    class MaxWithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            i = tg.Tensor(np.argmax(x.data, keepdims=True))
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(x, i)
            return x.max(), i

        @staticmethod
        def backward(ctx, g, g_index):
            x, i = ctx.saved_tensors
            assert g_index is None                     # not materialized
            grad = np.zeros(x.shape)
            grad[i.data] = g.data
            return tg.Tensor(grad)

    x = f64(5)
    value, index = MaxWithIndex.apply(x)
    assert value.requires_grad and not index.requires_grad and index.grad_fn is None
    value.backward()
    np.testing.assert_array_equal(x.grad.data, np.eye(5)[np.argmax(x.data)])


def test_setup_context_style():
    class Cube(Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    x = f64(3)
    assert tg.gradcheck(Cube.apply, [x]) and tg.gradgradcheck(Cube.apply, [x])


def test_saved_tensors_are_freed_by_backward_and_a_second_backward_raises():
    x = f64(3)
    y = Exp.apply(x).sum()
    node = y.grad_fn.next_functions[0]
    y.backward()
    with pytest.raises(RuntimeError, match=r"<ExpBackward>.*second time"):
        _ = node.saved_tensors
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_a_wrong_number_of_gradients_names_the_function():
    class Two(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=r"<TwoBackward> \(op two\) returned an incorrect "
                                           r"number of gradients \(expected 2, got 1\)"):
        Two.apply(f64(2), f64(2)).sum().backward()


def test_an_input_returned_as_is_is_not_re_parented():
    class Same(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    x = f64(3)
    y = Same.apply(x)
    assert x.is_leaf and y is not x and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full(3, 2.0))


def test_the_module_reads_like_torch_autograd():
    x = f64(3)
    y, z = (x * 2.0).sum(), (x * 3.0).sum()
    tinygrad_edu.autograd.backward([y, z, y])           # the same root twice adds up
    np.testing.assert_array_equal(x.grad.data, np.full(3, 7.0))
    (g,) = tinygrad_edu.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(g.data, 2 * x.data)
    with pytest.raises(ValueError, match=r"backward: got 1 grad_tensors for 2 tensors"):
        tinygrad_edu.autograd.backward([x * 1.0, x * 1.0], [np.ones(3)])


def test_mark_dirty_is_refused_loudly():
    class AddOne(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=r"AddOne: .*mark_dirty.* not supported"):
        AddOne.apply(f64(2))


def test_backward_gets_tensors_and_multi_output_nodes_are_named():
    seen = []

    class Look(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0, x * 3.0

        @staticmethod
        def backward(ctx, g0, g1):
            seen.append((type(g0), type(g1)))
            return g0 * 2.0 + g1 * 3.0

    x = f64(3)
    a, b = Look.apply(x)
    assert (a.grad_fn.name, repr(b.grad_fn)) == ("LookOutput0", "<LookOutput1Backward>")
    a.sum().backward()
    LegendrePolynomial3.apply(x).sum().backward()
    assert seen == [(tg.Tensor, tg.Tensor)]
    np.testing.assert_allclose(x.grad.data, 2.0 + 1.5 * (5 * x.data ** 2 - 1))

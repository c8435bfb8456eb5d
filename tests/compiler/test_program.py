"""The program a trace turns into: its passes (inlining, buffers, copy elision, guards) keep
the eager call's results, and what the trace cannot follow is loud."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.compiler import TraceError, TraceWarning


def _inputs(seed: int, *shapes: tuple[int, ...]) -> list[tg.Tensor]:
    rng = np.random.default_rng(seed)
    return [tg.from_numpy(rng.standard_normal(s)) for s in shapes]


def _agree(fn, calls: int = 6, shapes=((3, 4),), min_buffer: int = 4096):
    """Run ``fn`` eagerly and compiled on the same fresh inputs; the results must be equal."""
    step = tg.compile(fn, min_buffer=min_buffer)
    for i in range(calls):
        args = _inputs(i, *shapes)
        eager = fn(*[tg.from_numpy(a.data.copy()) for a in args])
        compiled = step(*args)
        np.testing.assert_array_equal(compiled.data, eager.data)
    return step


def test_a_buffer_is_not_reused_while_a_view_of_it_is_read():
    # a.T is read after b (same shape as a) is made: a's buffer must stay a's
    def f(x):
        with tg.no_grad():
            a = (x * 2).exp()
            v = a.T
            b = (x * 3).exp()
            c = (x * 5).sin()
            return (v.T * b + c).sum(0)
    step = _agree(f, min_buffer=0)
    assert "out=" in step.source  # the temporaries do live in buffers


def test_an_expression_is_not_inlined_across_an_in_place_write():
    s = tg.zeros(3, 4, dtype=tg.float64)

    def f(x):
        with tg.no_grad():
            a = x * 2 + s          # reads s before the write below
            s.add_(x)
            return a * 3
    eager_s = tg.zeros(3, 4, dtype=tg.float64)

    def eager(x):
        with tg.no_grad():
            a = x * 2 + eager_s
            eager_s.add_(x)
            return a * 3
    step = tg.compile(f)
    for i in range(6):
        (x,) = _inputs(i, (3, 4))
        np.testing.assert_array_equal(step(x).data, eager(tg.from_numpy(x.data.copy())).data)
        np.testing.assert_array_equal(s.data, eager_s.data)


def test_a_branch_on_a_traced_value_is_a_guard_and_the_other_way_runs_eagerly():
    def f(x):
        with tg.no_grad():
            return x * 2 if x.sum() > 0 else x * -3
    step = tg.compile(f)
    signs = [1, 1, 1, -1, 1, -1]
    for i, sign in enumerate(signs):
        x = tg.from_numpy(np.abs(np.random.default_rng(i).standard_normal((3, 4))) * sign)
        expected = x.data * 2 if sign > 0 else x.data * -3
        np.testing.assert_array_equal(step(x).data, expected)
    assert "GuardFailed" in step.source
    assert "2 sent back to eager" in step.explain()


def test_reading_a_traced_number_into_python_warns():
    def f(x):
        with tg.no_grad():
            return x * float(x.sum())
    step = tg.compile(f)
    (x,) = _inputs(0, (3,))
    step(x)
    with pytest.warns(TraceWarning, match="baked"):
        step(x)


def test_a_value_that_leaves_the_trace_is_caught_by_the_check():
    def f(x):
        with tg.no_grad():  # np.array copies the traced data into an untraced array
            return tg.Tensor(np.array(x.data)) * 2
    step = tg.compile(f)
    for i in range(2):
        step(*_inputs(i, (3,)))
    with pytest.raises(TraceError, match="does not reproduce the eager call"):
        step(*_inputs(2, (3,)))


def test_a_compiled_function_called_during_another_trace_is_part_of_it():
    inner = tg.compile(lambda x: (x * 2).exp())

    def outer(x):
        with tg.no_grad():
            return inner(x) + 1
    for i in range(3):  # the inner one replays before the outer one traces
        inner(*_inputs(i, (3, 4)))
    _agree(outer)


def test_keyword_arguments_are_bound_to_their_positions():
    def f(x, scale=2.0, *, shift=0.0):
        with tg.no_grad():
            return x * scale + shift
    step = tg.compile(f)
    for i in range(4):
        (x,) = _inputs(i, (3,))
        np.testing.assert_array_equal(step(x=x, scale=3.0).data, x.data * 3.0)
    with pytest.raises(TypeError, match="keyword-only"):
        step(x, shift=1.0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        step(x, nonsense=1)


def test_gradients_of_a_compiled_step_share_no_memory():
    model = nn.Sequential(nn.Linear(5, 4, dtype=np.float64), nn.Sigmoid(),
                          nn.Linear(4, 3, dtype=np.float64))
    opt = optim.SGD(model.parameters(), lr=0.1)

    def train(x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    step = tg.compile(train)
    y = tg.from_numpy(np.array([0]))
    for i in range(5):
        step(*_inputs(i, (1, 5)), y)   # a batch of one: the engine's copies are elided
    grads = [p.grad.data for p in model.parameters()]
    assert not any(np.shares_memory(a, b) for i, a in enumerate(grads) for b in grads[i + 1:])
    kept = [g.copy() for g in grads]
    step(*_inputs(9, (1, 5)), y)
    for g, k in zip(grads, kept):  # the next call does not write into the old gradients
        np.testing.assert_array_equal(g, k)


def test_calls_from_two_threads_each_get_their_own_result():
    model = nn.Linear(64, 64, dtype=np.float64)
    step = tg.compile(tg.no_grad()(lambda x: model(x).tanh()))
    xs = _inputs(0, *[(16, 64)] * 8)
    for x in xs[:3]:
        step(x)
    expected = [np.tanh(x.data @ model.weight.data.T + model.bias.data) for x in xs]
    got: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        for _ in range(50):
            got[i] = step(xs[i]).data
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(len(xs)):
        np.testing.assert_array_equal(got[i], expected[i])


def test_an_array_the_discovery_misses_is_read_afresh_through_its_views():
    model = nn.Linear(6, 3, dtype=np.float64)
    hidden = {"deep": [[[model]]]}  # deeper than compile looks

    def f(x):
        with tg.no_grad():
            return hidden["deep"][0][0][0](x)   # reads weight.T, a view
    step = tg.compile(f)
    for i in range(6):
        (x,) = _inputs(i, (2, 6))
        with tg.no_grad():
            model.weight.add_(1.0)   # changed between calls, outside the program
        np.testing.assert_array_equal(step(x).data,
                                      x.data @ model.weight.data.T + model.bias.data)
    assert "weight" not in step.source or "view" in step.source or ".T" in step.source


def test_outer_products_and_fresh_arrays_keep_their_bits():
    """Codegen's speed-ups (an (n, 1) * (1, m) product through np.dot, np.empty_like
    served from a buffer) give the eager call's bits."""
    def f(a, b):
        with tg.no_grad():
            return (a * b).sigmoid() + (b * a)   # both operand orders; sigmoid: empty_like
    step = _agree(f, shapes=((80, 1), (1, 70)), min_buffer=0)
    assert "np.dot(" in step.source
    assert "empty_like" not in step.source


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_small_in_place_chains_are_expressions_with_the_same_bits(dtype):
    """The engine's sigmoid fills an np.empty_like in place (np.exp(t, out=t)...); under
    min_buffer elements the program writes it as one expression, bit for bit."""
    def f(x):
        with tg.no_grad():
            return x.sigmoid() * 2
    step = tg.compile(f)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.standard_normal((3, 4)).astype(dtype) * 40  # the clamp is reached too
        np.testing.assert_array_equal(step(tg.from_numpy(x)).data,
                                      f(tg.from_numpy(x)).data)
    assert "out=" not in step.source and "empty_like" not in step.source
    assert "np.exp(np.minimum(-x" in step.source
    big = tg.compile(f, min_buffer=4)  # at or above min_buffer: in place, into a buffer
    for _ in range(4):
        big(tg.from_numpy(x))
    assert "out=" in big.source


@pytest.mark.parametrize("zero_first", [False, True])
def test_sgd_scales_a_gradient_nobody_reads_in_place(zero_first):
    """SGD's lr * g goes to a scratch array; when the gradient dies in the step
    (zero_grad after it) the program scales the gradient itself (``g *= lr``); when the
    gradients are kept, through the scratch array.  Parameters and gradients as eager."""
    def make():
        tg.manual_seed(0)
        model = nn.Linear(80, 70, dtype=tg.float64)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            if zero_first:
                opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            opt.step()
            if not zero_first:
                opt.zero_grad()
            return loss
        return model, step
    model, fn = make()
    twin, eager = make()
    compiled = tg.compile(fn)
    for (x,) in (_inputs(i, (5, 80)) for i in range(6)):
        compiled(x)
        eager(tg.from_numpy(x.data.copy()))
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            np.testing.assert_array_equal(p.grad.data, q.grad.data)
    assert ("scratch" in compiled.source) is zero_first
    assert ("*= lr" in compiled.source) is not zero_first


def test_a_reduction_of_one_element_is_read_with_the_reductions_bits():
    """Summing (or taking the max of) one number skips NumPy's reduction machinery: the
    program reads the element -- the sum adds it to 0.0 as np.add.reduce does, so a -0.0
    comes out 0.0, and a NaN stays NaN."""
    def f(x):
        with tg.no_grad():
            return (x * 1.5).sum(), (x * 2).max()
    step = tg.compile(f)
    for value in [1.25, -0.0, -3.0, np.nan, -0.0, 2.0]:
        x = np.array([value])
        got, want = step(tg.from_numpy(x)), f(tg.from_numpy(x.copy()))
        for a, b in zip(got, want):
            assert a.data.dtype == b.data.dtype
            np.testing.assert_array_equal(a.data, b.data)
            assert np.signbit(a.data) == np.signbit(b.data)
    assert ".reduce(" not in step.source and "+ 0.0" in step.source

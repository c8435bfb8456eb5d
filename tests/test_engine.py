"""The backward engine: graph shapes, accumulation, graph lifetime, grad mode, functional grad."""

from __future__ import annotations

import gc
import math
import sys
import threading
import time
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.tools.anomaly
from tinygrad_edu.autograd import Function


def f64(*values, requires_grad=True):
    return tg.Tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


# ----------------------------------------------------------------------------- graph shapes
def test_diamond_reused_intermediate():
    x = f64(2.0)
    h = x * x                      # reused three times
    y = h + h * 3 + h.exp()
    y.backward()
    np.testing.assert_allclose(x.grad.data, [4 * 2 * 2 + 2 * 2 * np.exp(4.0)])


def test_wide_diamond_sums_every_path():
    x = f64(1.5)
    branches = [x * float(k) for k in range(1, 2001)]
    total = tg.stack(branches).sum()
    total.backward()
    np.testing.assert_allclose(x.grad.data, [sum(range(1, 2001))])


def test_deep_chain_has_no_recursion_limit():
    x = f64(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    np.testing.assert_allclose(x.grad.data, [1.00001 ** 100_000], rtol=1e-9)


def test_same_tensor_as_both_inputs():
    x = f64(3.0)
    (x * x).backward()
    np.testing.assert_allclose(x.grad.data, [6.0])


def test_unused_branch_and_constant_inputs_get_nothing():
    x, unused = f64(1.0, 2.0), f64(5.0)
    c = tg.Tensor(np.array([3.0, 4.0]))          # does not require grad
    _ = unused * 2                                # recorded but not part of the loss
    (x * c).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 4.0])
    assert unused.grad is None and c.grad is None


def test_backward_on_leaf_itself():
    x = f64(1.0, 2.0)
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_allclose(x.grad.data, [3.0, 4.0])


# ----------------------------------------------------------------------------- accumulation
def test_gradients_accumulate_across_backward_calls():
    x = f64(1.0, 2.0)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2 + 3, 4 + 3])


def test_two_retained_backwards_give_exactly_twice():
    """micrograd's known bug: a second backward must add exactly the same gradient again."""
    x = f64(0.3, -1.2, 2.0)
    y = ((x * x).exp() + x.sigmoid() * x).sum()
    y.backward(retain_graph=True)
    once = x.grad.data.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * once)


def test_leaf_grads_do_not_share_memory():
    x, y = f64(1.0), f64(2.0)
    (x + y).backward()
    x.grad.data[...] = 100.0
    assert y.grad.data[0] == 1.0


def test_a_0d_leaf_gets_an_ndarray_grad():
    """0-d ufunc results are NumPy scalars; .grad must still be an array (zero_, views)."""
    x = tg.Tensor(np.float64(2.0), requires_grad=True)
    (x * 3.0).backward()
    assert type(x.grad.data) is np.ndarray
    (x * 3.0).backward()                               # the accumulating path too
    assert type(x.grad.data) is np.ndarray and x.grad.item() == 6.0
    x.grad.zero_()
    assert x.grad.item() == 0.0


def test_create_graph_gives_each_leaf_a_grad_of_its_own():
    a, b = f64(1.0, 2.0), f64(3.0, 4.0)
    (a + b).sum().backward(create_graph=True)           # Add hands both the same gradient
    assert a.grad is not b.grad and not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data[...] = 0.0
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    g = f64(5.0, 6.0, requires_grad=False)
    c = f64(1.0, 1.0)
    c.backward(g, create_graph=True)                     # the user's gradient is not stored
    assert c.grad is not g and not np.shares_memory(c.grad.data, g.data)


def test_a_leaf_that_requires_grad_is_zeroed_only_under_no_grad():
    w = f64(1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"zero_: a leaf Variable that requires grad is being "
                                           r"used in an in-place operation. .* shape \(2,\)"):
        w.zero_()
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    with tg.no_grad():
        w.zero_()
    np.testing.assert_array_equal(w.data, [0.0, 0.0])
    y = w * 2.0
    y.zero_()                                            # recorded, as in PyTorch
    assert y.grad_fn.name == "setitem"
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])


def test_backward_through_data_changed_in_place_since_raises():
    """The gradient of x*x is 2x with the x of the forward pass: changing x in place
    before backward must not silently give 2 * (new x)."""
    x = f64(1.0, 2.0)
    y = (x * x).sum()
    with tg.no_grad():
        x.zero_()
    with pytest.raises(RuntimeError, match=r"mul backward: its input 0, a leaf of shape \(2,\)"):
        y.backward()
    z = (x + 1.0).sum()                                  # add saves nothing: no complaint
    with tg.no_grad():
        x.zero_()
    z.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


@pytest.mark.parametrize("change", ["SGD", "Adam", "init", "load_state_dict",
                                    "vector_to_parameters"])
def test_an_optimizer_step_or_reload_between_forward_and_backward_is_caught(change):
    """The second layer's weight is saved (the first layer's gradient goes through it)."""
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 2))
    loss = (model(tg.Tensor(np.ones((4, 3), np.float32))) ** 2).sum()
    loss.backward(retain_graph=True)
    if change in ("SGD", "Adam"):
        getattr(tg.optim, change)(model.parameters(), lr=0.1).step()
    elif change == "init":
        tg.nn.init.normal_(model[2].weight)
    elif change == "load_state_dict":
        model.load_state_dict(model.state_dict())
    else:
        vec = tg.nn.utils.parameters_to_vector(model.parameters())
        tg.nn.utils.vector_to_parameters(vec, model.parameters())
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()
    fresh = (model(tg.Tensor(np.ones((4, 3), np.float32))) ** 2).sum()
    fresh.backward()                                     # a graph recorded afterwards is fine


def test_grad_is_stolen_only_when_nothing_else_holds_it():
    """A fresh gradient becomes .grad without a copy (as PyTorch steals it); one that is
    shared (a user's array, a hook's keepsake, a view, another leaf's) is copied."""
    w = tg.Tensor(np.ones((3, 4)), requires_grad=True)
    x = np.arange(12.0).reshape(4, 3)
    (w @ x).sum().backward()  # w's gradient is a fresh matmul result
    np.testing.assert_array_equal(w.grad.data, np.ones((3, 3)) @ x.T)

    given_grad = np.full((3, 4), 2.0)
    w.grad = None
    w.backward(given_grad)
    assert not np.shares_memory(w.grad.data, given_grad)
    w.grad.data[...] = 0
    assert (given_grad == 2.0).all()

    kept = []
    a = tg.Tensor(np.ones(3), requires_grad=True)
    b = a * 2.0
    b.register_hook(lambda g: kept.append(g.data))
    b.sum().backward()
    a.grad.data[...] = 0
    assert all((k == 1.0).all() for k in kept)

    c = tg.Tensor(np.ones((2, 1)), requires_grad=True)
    (c * np.ones((2, 3))).sum().backward()  # reduced from (2, 3)
    v = tg.Tensor(np.ones(3), requires_grad=True)
    (v.reshape(1, 3) * 3.0).sum().backward()  # a view of a reshaped gradient
    np.testing.assert_array_equal(c.grad.data, [[3.0], [3.0]])
    np.testing.assert_array_equal(v.grad.data, [3.0, 3.0, 3.0])


def test_grad_mode_decorators_restore_the_mode_after_recursion():
    @tg.no_grad()
    def down(n: int) -> bool:
        return down(n - 1) if n else tg.is_grad_enabled()

    @tg.enable_grad()
    def up(n: int) -> bool:
        return up(n - 1) if n else tg.is_grad_enabled()

    assert down(3) is False and tg.is_grad_enabled()
    with tg.no_grad():
        assert up(3) is True and not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_a_fresh_gradient_is_not_copied():
    """The array an op's backward makes for a leaf, held by nothing else, becomes .grad."""
    made = []

    class Twice(Function):
        def forward(self, a):
            return 2 * a

        def backward(self, g, out, a):
            grad = 2 * g
            made.append(weakref.ref(grad))
            return (grad,)

    w = tg.Tensor(np.ones((3, 4)), requires_grad=True)
    Twice.apply(w).sum().backward()
    assert made[0]() is w.grad.data


def test_intermediates_keep_no_grad_unless_retained():
    x = f64(1.0, 2.0)
    h = x * 2
    r = h * 3
    r.retain_grad()
    (r * r).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(r.grad.data, 2 * r.data)
    assert not r.is_leaf and x.is_leaf


# ----------------------------------------------------------------------------- graph lifetime
def test_second_backward_through_freed_graph_raises():
    x = f64(1.0)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()


def test_graph_does_not_keep_unneeded_intermediates_alive():
    """Ops whose backward needs no saved data must not keep their inputs' arrays."""
    x = tg.Tensor(np.ones(1000), requires_grad=True)
    h = x + 1.0
    ref = weakref.ref(h.data.base if h.data.base is not None else h.data)
    y = (h * 2.0).sum()        # Mul by a constant saves neither operand
    del h
    gc.collect()
    assert ref() is None
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2.0)


def test_backward_frees_saved_arrays():
    x = tg.Tensor(np.ones(10), requires_grad=True)
    y = x.exp()
    node = y.grad_fn
    y.sum().backward()
    assert node.out is None and node.inputs is None


# ----------------------------------------------------------------------------- grad mode
def test_no_grad_context_and_decorator():
    x = f64(1.0)
    with tg.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @tg.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert (x * 2).requires_grad and tg.is_grad_enabled()


def test_enable_grad_inside_no_grad_and_set_grad_enabled():
    x = f64(1.0)
    with tg.no_grad():
        with tg.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert tg.is_grad_enabled()


def test_detach_shares_data_and_cuts_the_graph():
    x = f64(1.0, 2.0)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    (x * d).sum().backward()
    np.testing.assert_allclose(x.grad.data, d.data)


def test_requires_grad_rules():
    with pytest.raises(TypeError, match="floating point"):
        tg.Tensor([1, 2, 3], requires_grad=True)
    labels = tg.Tensor(np.array([0, 2, 1]))
    assert labels.dtype == np.int64
    y = f64(1.0) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.Tensor([1.0]).backward()


def test_non_scalar_backward_needs_gradient_of_matching_shape():
    x = f64(1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2,\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(np.ones(3))


# ----------------------------------------------------------------------------- functional grad
def test_grad_leaves_dot_grad_untouched():
    x, w = f64(1.0, 2.0), f64(3.0, 4.0)
    (gx,) = tg.grad((x * w).sum(), x)
    np.testing.assert_allclose(gx.data, w.data)
    assert x.grad is None and w.grad is None


def test_grad_allow_unused():
    x, z = f64(1.0), f64(2.0)
    with pytest.raises(RuntimeError, match="not used"):
        tg.grad((x * 2).sum(), [x, z])
    gx, gz = tg.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_grad_with_respect_to_intermediate():
    x = f64(1.0, 2.0)
    h = x * 3
    y = (h * h).sum()
    (gh,) = tg.grad(y, h)
    np.testing.assert_allclose(gh.data, 2 * h.data)


def test_hessian_vector_product_by_double_backward():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    a = a @ a.T
    x = tg.Tensor(rng.standard_normal(4), requires_grad=True)
    v = rng.standard_normal(4)
    f = (x @ tg.Tensor(a) @ x) * 0.5 + x.exp().sum()     # Hessian = A + diag(e^x)
    (g,) = tg.grad(f, x, create_graph=True)
    (hv,) = tg.grad((g * tg.Tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.data, a @ v + np.exp(x.data) * v, rtol=1e-12)


def test_third_derivative():
    x = f64(0.7)
    y = x.tanh()
    (d1,) = tg.grad(y, x, create_graph=True)
    (d2,) = tg.grad(d1, x, create_graph=True)
    (d3,) = tg.grad(d2, x)
    t = np.tanh(0.7)
    np.testing.assert_allclose(d3.data, [-2 * (1 - t * t) * (1 - 3 * t * t)], rtol=1e-12)


def test_create_graph_backward_gives_differentiable_grad():
    x = f64(2.0)
    (x ** 3).backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = tg.grad(x.grad, x)
    np.testing.assert_allclose(g2.data, [12.0])


# ----------------------------------------------------------------------------- hooks
def test_hooks_see_and_replace_gradients():
    x = f64(1.0, 2.0)
    seen = []
    h = x * 2
    h.register_hook(lambda g: seen.append(g.data.copy()))
    handle = x.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * h.data)
    np.testing.assert_allclose(x.grad.data, 10 * 2 * 2 * h.data)
    handle.remove()
    x.grad = None
    (x * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0])


def test_hook_returning_wrong_shape_is_an_error():
    x = f64(1.0, 2.0)
    x.register_hook(lambda g: np.ones(3))
    with pytest.raises(RuntimeError, match="hook"):
        (x * 2).sum().backward()


# ----------------------------------------------------------------------------- dtypes and errors
@given(st.sampled_from([np.float32, np.float64]))
def test_gradient_dtype_matches_input(dtype):
    x = tg.Tensor(np.array([1.0, 2.0], dtype=dtype), requires_grad=True)
    w = tg.Tensor(np.array([0.5, 0.25], dtype=np.float64), requires_grad=True)
    (x * w).sum().backward()           # output is float64 when either input is
    assert x.grad.dtype == dtype and w.grad.dtype == np.float64


def test_python_scalars_keep_float32():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    assert x.dtype == np.float32
    y = (x * 2.0 + 1) / 3.0 - 0.5
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_op_shape_error_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        tg.ones(2, 3) + tg.ones(4)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        tg.ones(2, 3) @ tg.ones(4, 5)


def test_op_returning_wrong_gradient_shape_is_caught():
    class BadSum(Function):
        def forward(self, a):
            return a.sum()

        def backward(self, g, out, a):
            return (np.ones(a.shape[0] + 1),)

    x = tg.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"badsum.*\(4,\).*\(3,\).*bug in the op"):
        BadSum.apply(x).backward()


def test_repr_shows_data_dtype_and_grad_fn():
    x = f64(1.0, 2.0)
    assert "dtype=float64" in repr(x) and "requires_grad=True" in repr(x)
    assert "grad_fn=<MulBackward>" in repr(x * 2)


# ----------------------------------------------------------------------------- threads
def _in_thread(body):
    """Run ``body`` in a new thread; re-raise what it raised."""
    errors = []

    def run():
        try:
            body()
        except BaseException as e:  # handed to the main thread
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    return t, errors


def test_grad_mode_is_per_thread():
    """One thread inside no_grad() / detect_anomaly() leaves another's mode alone, and a
    new thread starts with recording on, whatever its creator's mode (as in PyTorch)."""
    inside, leave = threading.Event(), threading.Event()

    def inference():
        with tg.no_grad(), tg.tools.anomaly.detect_anomaly():
            inside.set()
            assert leave.wait(10)
            assert not tg.is_grad_enabled() and tg.autograd.is_anomaly_enabled()

    t, errors = _in_thread(inference)
    assert inside.wait(10)
    x = f64(1.0)
    y = x * 2.0
    still = tg.is_grad_enabled(), tg.autograd.is_anomaly_enabled()
    leave.set()
    t.join()
    assert not errors and still == (True, False) and y.grad_fn is not None
    with tg.no_grad():
        seen = []
        t, errors = _in_thread(lambda: seen.append(tg.is_grad_enabled()))
        t.join()
    assert seen == [True] and not errors


def test_training_records_every_step_while_another_thread_runs_inference():
    """Inference under no_grad() and training in parallel threads, for about a second
    with a tiny thread switch interval: every training step has its graph and gradient."""
    model = tg.nn.Linear(3, 2)
    x = tg.Tensor(np.ones((4, 3), np.float32))
    done = threading.Event()

    def inference():
        while not done.is_set():
            with tg.no_grad():
                model(x).sum()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    t, errors = _in_thread(inference)
    lost, steps, end = 0, 0, time.monotonic() + 1.0
    try:
        while time.monotonic() < end:
            model.weight.grad = None
            loss = (model(x) ** 2).sum()
            if loss.grad_fn is None:
                lost += 1
            else:
                loss.backward()
                lost += model.weight.grad is None
            steps += 1
    finally:
        done.set()
        t.join()
        sys.setswitchinterval(old)
    assert not errors and steps > 50 and lost == 0, f"{lost} of {steps} steps lost their graph"


@pytest.mark.parametrize("returned", ["one", "three", "bare", "extra None"])
def test_backward_returning_the_wrong_number_of_gradients_is_caught(returned):
    """One gradient for two inputs must not leave the second .grad silently None."""
    class Product(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, g, out, a, b):
            grads = {"one": (g * b,), "three": (g * b, g * a, g), "bare": g * b,
                     "extra None": (g * b, g * a, None)}   # allowed, as in PyTorch
            return grads[returned]

    x, y = f64(1.0, 2.0), f64(3.0, 4.0)
    if returned == "extra None":
        Product.apply(x, y).sum().backward()
        np.testing.assert_array_equal(x.grad.data, y.data)
        np.testing.assert_array_equal(y.grad.data, x.data)
        return
    with pytest.raises(RuntimeError, match=r"ProductBackward.*op product.*incorrect number "
                                           r"of gradients \(expected 2, got"):
        Product.apply(x, y).sum().backward()


@pytest.mark.parametrize("make", [lambda: tg.no_grad(), lambda: tg.no_grad,
                                  lambda: tg.set_grad_enabled(False)],
                         ids=["no_grad()", "no_grad", "set_grad_enabled(False)"])
def test_a_decorated_generator_runs_its_body_in_the_mode(make):
    """Each resumption of the generator runs under the decorator's mode; the caller's mode
    holds in between (PyTorch wraps generators the same way)."""
    x = f64(1.0)

    @make()
    def doubles(n):
        received = None
        for _ in range(n):
            received = yield (x * 2.0).requires_grad, tg.is_grad_enabled(), received
        return "done"

    assert tg.is_grad_enabled()                       # decorating changes nothing
    gen = doubles(3)
    assert next(gen) == (False, False, None)
    assert tg.is_grad_enabled() and (x * 2.0).requires_grad
    assert gen.send("hi") == (False, False, "hi")
    with pytest.raises(KeyError):
        gen.throw(KeyError("k"))                      # reaches the body and comes back out
    assert tg.is_grad_enabled()

    def delegate():
        return (yield from doubles(1))

    outer = delegate()
    next(outer)
    with pytest.raises(StopIteration) as stop:
        next(outer)
    assert stop.value.value == "done" and tg.is_grad_enabled()


def test_enable_grad_on_a_generator_records_inside_no_grad():
    x = f64(1.0)

    @tg.enable_grad()
    def outputs():
        yield x * 2.0
        yield x * 3.0

    with tg.no_grad():
        ys = list(outputs())
        assert not tg.is_grad_enabled()
    assert all(y.grad_fn is not None for y in ys)
    closed = outputs()
    next(closed)
    closed.close()                                   # GeneratorExit reaches the body
    assert tg.is_grad_enabled()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("hooked", ["leaf", "intermediate"])
@pytest.mark.parametrize("hooked_first", [False, True])
def test_a_hook_changing_its_gradient_in_place_leaves_the_siblings_alone(hooked, hooked_first,
                                                                          create_graph):
    """``a + b`` hands both inputs the same gradient array; a hook on one that scales its
    gradient in place must not scale the other's (either operand order, so that the
    hooked input is reached first whatever the engine's order)."""
    a, b = f64(1.0, 2.0), f64(3.0, 4.0)

    def scale(g):
        g.data *= 10.0                                 # in place, returns None

    h = a * 1.0 if hooked == "intermediate" else a
    h.register_hook(scale)
    total = h + b if hooked_first else b + h
    (total * 1.0).sum().backward(create_graph=create_graph)   # a writable upstream gradient
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(a.grad.data, [10.0, 10.0])


# ------------------------------------------------------------------- nodes without gradient
class _Stop(Function):
    """Identity forward, no gradient back (its input is reached by no gradient)."""

    saves_inputs = saves_output = False

    def forward(self, a):
        return a.copy()

    def backward(self, g, out, a):
        return (None,)


@pytest.mark.parametrize("retain_graph", [False, True])
def test_nodes_reached_by_no_gradient_still_let_their_inputs_run(retain_graph):
    """x feeds the loss directly and through x*2*3 into an op that sends no gradient back:
    the two nodes on that path get none, and x must still get the direct path's gradient
    (once all its uses are done), every backward."""
    x = f64(1.0, 2.0)
    k = x * 2.0 * 3.0
    silent = (k.grad_fn, k.grad_fn.next[0])
    y = (_Stop.apply(k) + x).sum()
    y.backward(retain_graph=retain_graph)
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
    if retain_graph:
        y.backward()
        np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    else:  # the nodes that got no gradient are freed too
        for node in silent:
            with pytest.raises(RuntimeError, match="freed"):
                _ = node.next_functions


def test_the_same_tensor_twice_among_the_outputs_sums_its_gradients():
    x = f64(1.0, 2.0)
    y = x * 3.0
    (g,) = tg.grad([y, y], x, grad_outputs=[np.array([1.0, 10.0]), np.array([100.0, 1000.0])])
    np.testing.assert_array_equal(g.data, [303.0, 3030.0])
    y = x * 3.0
    (g,) = tg.grad([y.sum(), x.sum(), y.sum()], x)
    np.testing.assert_array_equal(g.data, [7.0, 7.0])


@pytest.mark.parametrize("shape, other", [((1,), (0,)), ((3, 1), (3, 0)), ((1, 3), (0, 3)),
                                          ((1, 1), (0,))])
def test_a_size_1_axis_broadcast_against_a_size_0_axis_gets_zero_gradient(shape, other):
    x = tg.Tensor(np.ones(shape), requires_grad=True)
    (x * np.ones(other)).sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_array_equal(x.grad.data, np.zeros(shape))


def test_op_errors_are_shape_dtype_and_index_errors_naming_the_op():
    """A forward's ValueError becomes a ShapeError, a TypeError a DTypeError (both still
    what they were, and RuntimeErrors as PyTorch raises); an IndexError stays one."""
    with pytest.raises(tg.ShapeError, match=r"add: invalid arguments .*\(2, 3\).*\(4,\)"):
        tg.ones(2, 3) + tg.ones(4)
    with pytest.raises(tg.DTypeError, match=r"add: invalid arguments .*'abc'"):
        tg.ones(2) + "abc"
    with pytest.raises(IndexError, match=r"^sum: Dimension out of range") as info:
        tg.ones(2, 3).sum(axis=5)
    assert not isinstance(info.value, RuntimeError)


@pytest.mark.parametrize("bad", ["abc", [[1.0], [2.0, 3.0]], {"a": 1}, object()])
def test_backward_with_a_gradient_that_is_not_numbers_names_backward(bad):
    x = f64(1.0, 2.0)
    with pytest.raises(TypeError, match=r"^backward: the gradient must be a Tensor, an "
                                        r"ndarray or .*numbers of the output's shape \(2,\)"):
        (x * 2.0).backward(gradient=bad)
    with pytest.raises(TypeError, match=r"^grad: the gradient must be"):
        tg.grad(x * 2.0, x, grad_outputs=[bad])


# ----------------------------------------------------------------------------- mutation survivors
def test_set_grad_enabled_sets_its_mode_again_on_entering():
    """As in PyTorch: the mode is set by the call and again by ``with`` (the mode may have
    changed in between), and restored on exit to what it was before the call."""
    off = tg.set_grad_enabled(False)
    tg.set_grad_enabled(True)
    with off:
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()               # back to what it was when `off` was made


def test_set_grad_enabled_called_switches_the_mode_at_once():
    x = f64(1.0)
    tg.set_grad_enabled(False)                 # a call, not a `with`: PyTorch switches now
    try:
        assert not tg.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_grad_results_are_constants_without_create_graph():
    x = f64(1.0, 2.0)
    (gx,) = tg.grad((x ** 3).sum(), x)
    assert not gx.requires_grad and gx.grad_fn is None
    np.testing.assert_allclose(gx.data, 3 * x.data ** 2)


def test_grad_refuses_an_input_that_does_not_require_grad():
    x, c = f64(1.0), f64(2.0, requires_grad=False)
    with pytest.raises(RuntimeError, match=r"^grad: input 1 \(shape \(1,\)\) does not require"):
        tg.grad((x * c).sum(), [x, c])


def test_a_function_without_forward_or_backward_raises_not_implemented():
    class Nothing(Function):
        pass

    with pytest.raises(NotImplementedError):
        Nothing.apply(f64(1.0))

    class ForwardOnly(Function):
        def forward(self, a):
            return a * 2.0

    with pytest.raises(NotImplementedError):
        ForwardOnly.apply(f64(1.0)).backward()


def test_grad_with_fewer_grad_outputs_than_outputs_raises():
    x = f64(1.0, 2.0)
    with pytest.raises(ValueError, match=r"grad: got 1 grad_outputs for 2 outputs"):
        tg.grad([x * 2.0, x * 3.0], x, grad_outputs=[np.ones(2)])


@pytest.mark.parametrize("shape, other", [((3, 1), (2, 3, 4)), ((1, 3, 1), (2, 4, 3, 5)),
                                          ((1, 1), (1, 1, 4)), ((2, 1), (1, 2, 3))])
def test_broadcast_gradients_are_summed_over_leading_and_size_1_axes(shape, other):
    x = tg.Tensor(np.arange(1.0, 1.0 + math.prod(shape)).reshape(shape), requires_grad=True)
    y = np.random.default_rng(0).standard_normal(other)
    (x * y).sum().backward()
    lead = len(other) - len(shape)
    expected = y.sum(axis=tuple(range(lead)))
    expected = expected.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_ops_whose_backward_reads_nothing_save_nothing():
    x, y = f64(1.0, 2.0), f64(3.0, 4.0)
    for out in (x + y, x - y, -x, x.sum(), x.reshape(2, 1), x.cumsum(0)):
        assert out.grad_fn.out is None
        assert all(saved is None for saved in out.grad_fn.inputs)
    assert x.max().grad_fn.out is None and (x * y).grad_fn.out is None  # inputs only
    for out in (x.exp(), x.sqrt(), x.reciprocal(), x.softmax(0)):        # the output only
        assert out.grad_fn.inputs == (None,) and out.grad_fn.out is not None
    for out in (x.astype(np.float32), tg.cat([x, y])):
        assert out.grad_fn.out is None
        assert all(saved is None for saved in out.grad_fn.inputs)


def test_pow_with_a_zero_exponent_has_zero_base_gradient_everywhere():
    """d(a^0)/da = 0, also where a^(b-1) = a^-1 would be inf or where a = 1/2."""
    a = tg.Tensor(np.array([0.0, 0.5, 2.0]), requires_grad=True)
    (a ** tg.Tensor(np.zeros(3))).sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.zeros(3))

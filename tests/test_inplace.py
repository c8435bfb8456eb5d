"""In-place ops (``+=``, ``add_`` ... ``relu_``, ``x[i] = v``, ``copy_ fill_ zero_ normal_
uniform_``) and the version counters shared by a tensor, its views and its detach()es."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.errors import DTypeError, ShapeError

nn = tg.nn


def f64(*values, requires_grad=True):
    return tg.Tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


# ----------------------------------------------------------------------------- issue 12
def test_manual_sgd_with_minus_equals_trains_and_keeps_parameters_registered():
    """The PyTorch tutorial step: `-=` under no_grad changes the Parameter itself."""
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    x = tg.Tensor(np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32))
    y = x[:, :1] * 2.0 - x[:, 1:2]
    params = list(model.parameters())
    losses = []
    for _ in range(100):
        loss = ((model(x) - y) ** 2).mean()
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with tg.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    assert losses[-1] < 0.1 * losses[0]
    now = list(model.parameters())
    assert all(a is b for a, b in zip(params, now)) and len(now) == len(params)
    assert all(type(p) is nn.Parameter and p.is_leaf and p.requires_grad for p in now)


# ----------------------------------------------------------------------------- values
X = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.4]])
Y = np.array([1.5, -0.5, 0.25])
METHODS = [  # (method, args, kwargs, the out-of-place result on X)
    ("add_", (Y,), {}, X + Y), ("add_", (Y,), {"alpha": 2}, X + 2 * Y),
    ("sub_", (Y,), {}, X - Y), ("sub_", (Y,), {"alpha": 3}, X - 3 * Y),
    ("mul_", (Y,), {}, X * Y), ("div_", (Y,), {}, X / Y), ("pow_", (2,), {}, X ** 2),
    ("neg_", (), {}, -X), ("exp_", (), {}, np.exp(X)), ("abs_", (), {}, np.abs(X)),
    ("sigmoid_", (), {}, 1 / (1 + np.exp(-X))), ("tanh_", (), {}, np.tanh(X)),
    ("relu_", (), {}, np.maximum(X, 0)), ("clamp_", (-0.5, 0.5), {}, np.clip(X, -0.5, 0.5)),
    ("clip_", (None, 0.5), {}, np.minimum(X, 0.5)), ("clamp_min_", (0.2,), {}, np.maximum(X, 0.2)),
    ("clamp_max_", (0.2,), {}, np.minimum(X, 0.2)), ("zero_", (), {}, 0 * X),
    ("fill_", (7.0,), {}, np.full_like(X, 7.0)), ("copy_", (Y,), {}, np.broadcast_to(Y, X.shape)),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "expected"), METHODS,
                         ids=[f"{m[0]}{m[2] or ''}" for m in METHODS])
def test_each_in_place_method_gives_the_out_of_place_result_in_the_same_object(
        method, args, kwargs, expected):
    x = tg.Tensor(X)
    alias = x.detach()
    before = x._version
    args = tuple(tg.Tensor(a) if isinstance(a, np.ndarray) else a for a in args)
    assert getattr(x, method)(*args, **kwargs) is x
    np.testing.assert_allclose(x.data, expected, rtol=1e-15)
    np.testing.assert_array_equal(alias.data, x.data)   # the same memory
    assert x._version > before and alias._version == x._version


def test_log_and_sqrt_in_place():
    x = tg.Tensor(np.abs(X) + 0.1)
    x.log_()
    np.testing.assert_allclose(x.data, np.log(np.abs(X) + 0.1))
    x = tg.Tensor(np.abs(X))
    x.sqrt_()
    np.testing.assert_allclose(x.data, np.sqrt(np.abs(X)))


@pytest.mark.parametrize(("op", "ref"), [(operator.iadd, np.add), (operator.isub, np.subtract),
                                         (operator.imul, np.multiply),
                                         (operator.itruediv, np.divide),
                                         (operator.ipow, np.power)])
def test_augmented_assignment_modifies_the_same_object(op, ref):
    """``x op= y`` is ``x = op(x, y)``: the same object only if op works in place."""
    x = tg.Tensor(np.abs(X) + 0.5)
    assert op(x, tg.Tensor(Y)) is x
    np.testing.assert_allclose(x.data, ref(np.abs(X) + 0.5, Y))


def test_matmul_assignment_rebinds_as_in_pytorch():
    a = tg.Tensor(np.eye(2))
    b = a
    a @= tg.Tensor(2 * np.eye(2))
    assert a is not b and b.data[0, 0] == 1.0 and a.data[0, 0] == 2.0


def test_in_place_keeps_the_dtype_and_refuses_what_pytorch_refuses():
    x = tg.Tensor(np.ones(3, np.float32))
    x += tg.Tensor(np.full(3, 0.5))                     # float64 other: stays float32
    assert x.dtype == np.float32 and x.data[0] == 1.5
    i = tg.Tensor(np.arange(3))
    with pytest.raises(DTypeError, match=r"add_: result type float32 can't be cast to the "
                                         r"desired output type int64"):
        i += 1.5
    with pytest.raises(DTypeError, match="div_"):
        i /= 2
    i += 2
    np.testing.assert_array_equal(i.data, [2, 3, 4])
    with pytest.raises(ShapeError, match=r"add_: output with shape \(3,\) doesn't match the "
                                         r"broadcast shape \(2, 3\)"):
        x.add_(tg.Tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match="fill_ only supports 0-dimension value tensor"):
        x.fill_(tg.Tensor(np.ones(2)))


def test_normal_and_uniform_in_place_follow_the_generator():
    x = tg.Tensor(np.zeros((200, 50), np.float32))
    assert x.normal_(2.0, 0.5, generator=np.random.default_rng(1)) is x
    assert x.dtype == np.float32
    np.testing.assert_array_equal(
        x.data, np.random.default_rng(1).normal(2.0, 0.5, (200, 50)).astype(np.float32))
    x.uniform_(-1.0, 3.0)
    assert x.data.min() >= -1.0 and x.data.max() < 3.0 and abs(x.data.mean() - 1.0) < 0.05


# ----------------------------------------------------------------------------- x[i] = v
INDICES = [1, -1, (0, 2), slice(1, None), (slice(None), 1), (Ellipsis, 0), np.array([0, 1]),
           (np.array([1, 0]), np.array([2, 2])), X > 0, (slice(None), [True, False, True])]


@pytest.mark.parametrize("index", INDICES, ids=[str(i) for i in range(len(INDICES))])
@pytest.mark.parametrize("kind", ["scalar", "full", "broadcast"])
def test_setitem_as_numpy_assignment(index, kind):
    expected = X.copy()
    shape = expected[index].shape
    value = {"scalar": 4.5, "full": np.arange(np.prod(shape), dtype=float).reshape(shape),
             "broadcast": np.arange(float(shape[-1])) if shape else np.array(2.0)}[kind]
    expected[index] = value
    x = tg.Tensor(X)
    x[index] = tg.Tensor(value) if kind != "scalar" else value
    np.testing.assert_array_equal(x.data, expected)


def test_setitem_takes_tensor_and_list_indices_and_casts_the_value():
    x = tg.Tensor(np.zeros(4, np.int64))
    x[tg.Tensor(np.array([1, 3]))] = 2.7                # PyTorch casts (truncates) too
    x[[0]] = 5
    np.testing.assert_array_equal(x.data, [5, 2, 0, 2])
    with pytest.raises(ValueError, match="setitem"):
        x[:2] = tg.Tensor(np.ones(3))
    with pytest.raises(DTypeError, match="setitem: a value that requires grad can't be "
                                         "written into a int64 tensor"):
        x[0] = f64(1.0)[0]


def test_setitem_value_with_more_leading_ones_gets_a_gradient_of_its_shape():
    x, v = f64(0.0, 0.0, 0.0), tg.Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    h = x * 1
    h[0:2] = v                                           # (1, 2) written into (2,), as NumPy
    (h * tg.Tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
    assert v.grad.shape == (1, 2)
    np.testing.assert_array_equal(v.grad.data, [[1.0, 2.0]])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 3.0])


# ----------------------------------------------------------------------------- no_grad / leaves
@pytest.mark.parametrize("change", [
    lambda w: w.add_(1.0), lambda w: w.mul_(2.0), lambda w: w.relu_(), lambda w: w.zero_(),
    lambda w: w.fill_(1.0), lambda w: w.normal_(), lambda w: w.uniform_(),
    lambda w: w.copy_(tg.Tensor([3.0, 4.0])), lambda w: w.__setitem__(0, 5.0),
    lambda w: w.__isub__(1.0)])
def test_a_leaf_that_requires_grad_changes_in_place_only_under_no_grad(change):
    w = f64(-1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad is being used "
                                           r"in an in-place operation\."):
        change(w)
    np.testing.assert_array_equal(w.data, [-1.0, 2.0])
    assert w.is_leaf
    with tg.no_grad():
        change(w)
    assert not np.array_equal(w.data, [-1.0, 2.0])
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


def test_a_leaf_view_is_refused_too():
    w = f64(1.0, 2.0)
    with pytest.raises(RuntimeError, match="memory is also used elsewhere"):
        w[0:1].mul_(2.0)
    with tg.no_grad():
        w[0:1].mul_(2.0)                                 # writes through the view
    np.testing.assert_array_equal(w.data, [2.0, 2.0])


# ----------------------------------------------------------------------------- versions
def test_detach_shares_the_version_counter_issue_14():
    w, x = f64(1.0, 2.0), f64(3.0, 4.0)
    y = (w * x).sum()
    w.detach().zero_()
    with pytest.raises(RuntimeError, match=r"mul backward: its input 0, a leaf of shape"):
        y.backward()                                     # not x.grad == 0


@pytest.mark.parametrize("alias", [
    lambda w: w.detach(), lambda w: w.detach().reshape(2, 2), lambda w: w.detach()[1:],
    lambda w: w.detach().T, lambda w: w.detach().reshape(4)[::2]])
def test_a_change_through_any_view_or_detach_is_seen(alias):
    w, x = tg.Tensor(np.ones((2, 2)), requires_grad=True), f64(3.0, 4.0)
    y = (w @ x).sum()
    a = alias(w)
    a += 1.0
    assert a._version == w._version > 0
    with pytest.raises(RuntimeError, match="matmul backward: its input 0, a leaf"):
        y.backward()


def test_views_made_under_no_grad_share_the_version_of_their_base():
    w = f64(1.0, 2.0, 3.0, 4.0)
    y = (w * w).sum()
    with tg.no_grad():
        w.reshape(2, 2)[0].zero_()
    assert w.data[0] == 0.0
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_a_constant_or_an_output_saved_for_backward_is_checked_too():
    w, c = f64(1.0, 2.0), f64(3.0, 4.0, requires_grad=False)
    y = (w * c).sum()                                    # saves c for w's gradient
    c.zero_()
    with pytest.raises(RuntimeError, match="mul backward: its input 1, a tensor of shape"):
        y.backward()
    e = w.exp()                                          # exp saves its output
    s = e.sum()
    with tg.no_grad():
        e.mul_(2.0)
    with pytest.raises(RuntimeError, match="exp backward: its output, of shape"):
        s.backward()


def test_version_increases_with_each_change_and_a_new_graph_is_fine():
    w = f64(1.0, 2.0)
    versions = [w._version]
    for _ in range(3):
        with tg.no_grad():
            w *= 2.0
        versions.append(w._version)
    assert versions == sorted(set(versions))
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [16.0, 32.0])


@pytest.mark.parametrize("saved", [lambda w: w.T, lambda w: w.detach(), lambda w: w[::-1]])
def test_an_optimizer_step_is_seen_through_a_view_or_detach_an_op_saved(saved):
    """The step stamps the parameter's own array; the op saved another alias of it."""
    w = nn.Parameter(np.ones((2, 2)))
    x = f64(1.0, 2.0)
    y = (saved(w) @ x).sum()                             # MatMul saved the alias for x
    w.grad = tg.Tensor(np.ones((2, 2)))
    tg.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_an_optimizer_step_on_a_view_parameter_is_seen_by_its_base():
    """A parameter whose data is a view: the step stamps the memory it shares."""
    buffer = tg.Tensor(np.ones(4))
    p = buffer[:2].requires_grad_()                      # a leaf viewing buffer's memory
    x = f64(1.0, 2.0, 3.0, 4.0)
    y = (x * buffer).sum()                               # Mul saved buffer for x's gradient
    p.grad = tg.Tensor(np.ones(2))
    tg.optim.SGD([p], lr=0.1).step()
    assert buffer._version == p._version > 0
    with pytest.raises(RuntimeError, match="mul backward: its input 1"):
        y.backward()


def test_version_is_read_only_as_in_pytorch():
    with pytest.raises(AttributeError):
        tg.Tensor(np.ones(2))._version = 5


def test_a_new_tensor_starts_at_version_0_and_freed_storages_leave_no_counter():
    """Counters are per storage: a freed array's goes with it, even when a new array gets
    its address (CPython reuses them at once)."""
    from tinygrad_edu import autograd
    before = len(autograd._counters)
    for _ in range(200):
        t = tg.Tensor(np.ones(3))
        t.add_(1.0)
        assert t._version > 0
        del t
        fresh = tg.Tensor(np.ones(3))
        assert fresh._version == 0
        y = (f64(1.0, 2.0, 3.0) * fresh).sum()           # saved fresh: it was never changed
        y.backward()
    del fresh, y
    assert len(autograd._counters) <= before


# ----------------------------------------------------------------------------- recorded
def test_relu_in_place_on_an_intermediate_is_recorded():
    x = f64(-1.0, 2.0, -3.0, 4.0)
    h = x * 3.0
    assert h.relu_() is h and h.grad_fn.name == "relu"
    h.mul_(x)                                           # relu saved its output: rebased
    (h * h).sum().backward()
    ref = f64(-1.0, 2.0, -3.0, 4.0)
    r = (ref * 3.0).relu() * ref
    (r * r).sum().backward()
    np.testing.assert_allclose(x.grad.data, ref.grad.data)


def test_writing_a_value_that_requires_grad_into_a_constant_buffer():
    y = f64(1.0, 2.0)
    buf = tg.zeros(3, 2, dtype=np.float64)
    buf[1] = y * 2.0
    buf[2, 0] = y[1] ** 2
    assert buf.requires_grad and not buf.is_leaf
    (buf * tg.Tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_allclose(y.grad.data, [2 * 2.0, 2 * 3.0 + 2 * 2.0 * 4.0])


def test_overwritten_values_get_no_gradient():
    x = f64(1.0, 2.0, 3.0)
    h = x * 1.0
    h[1] = 0.0
    h.copy_(h * 2.0)
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, 2.0])


def test_rnn_style_slice_assignment_loop_matches_the_stacked_formulation():
    rng = np.random.default_rng(3)
    x0, w0 = rng.normal(size=(4, 3)), rng.normal(size=3)
    x, w = tg.Tensor(x0, requires_grad=True), tg.Tensor(w0, requires_grad=True)
    h = tg.zeros(4, 3, dtype=np.float64)
    h[0] = x[0].tanh()
    for t in range(1, 4):
        h[t] = (h[t - 1] * 0.5 + x[t] * w).tanh()
    (h ** 2).sum().backward()
    xr, wr = tg.Tensor(x0, requires_grad=True), tg.Tensor(w0, requires_grad=True)
    rows = [xr[0].tanh()]
    for t in range(1, 4):
        rows.append((rows[-1] * 0.5 + xr[t] * wr).tanh())
    (tg.stack(rows) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.data, xr.grad.data, rtol=1e-12)
    np.testing.assert_allclose(w.grad.data, wr.grad.data, rtol=1e-12)


def test_retain_grad_follows_the_tensor_and_hooks_stay_with_the_old_value():
    x = f64(1.0, 2.0)
    h = x * 2.0
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))
    h.mul_(3.0)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.data, 2 * 6.0 * np.array([1.0, 2.0]))  # new value's
    np.testing.assert_allclose(seen[0], 3 * h.grad.data)                     # old value's


def test_in_place_on_memory_with_other_users_is_refused_while_recording():
    x = f64(1.0, 2.0)
    m = x * 2.0
    v = m[0:1]
    with pytest.raises(RuntimeError, match=r"mul_: in-place on a tensor \(shape \(2,\)\) whose "
                                           r"memory is also used elsewhere"):
        m.mul_(3.0)                                     # v would keep the old history
    with pytest.raises(RuntimeError, match="memory is also used elsewhere"):
        v.mul_(3.0)                                     # m would keep the old history
    d = m.detach()
    del v
    with pytest.raises(RuntimeError, match="memory is also used elsewhere"):
        m[0] = 5.0
    del d
    m[0] = 5.0
    with tg.no_grad():
        m.detach()[1] = 7.0                              # not recorded: fine, as in PyTorch
    np.testing.assert_array_equal(m.data, [5.0, 7.0])


CHAIN = ["add_", "mul_", "sub_", "div_", "tanh_", "sigmoid_", "exp_", "abs_", "neg_",
         "clamp_", "pow_", "relu_", "setitem", "copy_"]


def _apply(h: tg.Tensor, op: str, y: tg.Tensor, inplace: bool) -> tg.Tensor:
    """One step of a chain, in place or as the out-of-place formula."""
    if op == "setitem":
        if inplace:
            h[0] = y[1] * 2.0
            return h
        return tg.cat([(y[1] * 2.0).reshape(1), h[1:]])
    if op == "copy_":
        return h.copy_(y * 2.0 + h) if inplace else y * 2.0 + h
    args = {"add_": (y,), "mul_": (y,), "sub_": (y,), "div_": (y * y + 1.0,), "pow_": (2,),
            "clamp_": (-0.8, 0.8)}.get(op, ())
    return getattr(h, op if inplace else op[:-1])(*args)


@settings(max_examples=40, deadline=None)
@given(ops=st.lists(st.sampled_from(CHAIN), min_size=1, max_size=5),
       values=st.lists(st.floats(-2, 2), min_size=6, max_size=6))
def test_recorded_in_place_chains_give_the_out_of_place_gradients(ops, values):
    grads = []
    for inplace in (True, False):
        x = tg.Tensor(np.array(values[:3]), requires_grad=True)
        y = tg.Tensor(np.array(values[3:]), requires_grad=True)
        h = x * 1.0
        for op in ops:
            h = _apply(h, op, y, inplace)
        (h * h).sum().backward()
        grads.append((h.data, x.grad, y.grad))
    (h1, gx1, gy1), (h2, gx2, gy2) = grads
    np.testing.assert_allclose(h1, h2, rtol=1e-12)
    for a, b in ((gx1, gx2), (gy1, gy2)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.data, b.data, rtol=1e-10, atol=1e-12)


def test_gradcheck_and_gradgradcheck_through_in_place_ops():
    def f(x, y):
        h = x * 1.0
        h.mul_(y)
        h.tanh_()
        h[1:] = h[:-1] * 2.0 + y[1:]
        h += y ** 2
        return h

    x = tg.Tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    y = tg.Tensor(np.array([0.5, 1.5, -0.4]), requires_grad=True)
    assert tg.gradcheck(f, (x, y))
    assert tg.gradgradcheck(f, (x, y))


# ----------------------------------------------------------------------------- .data
def test_old_tutorial_data_idioms():
    """``.data`` is the ndarray: ndarray arithmetic on it works in place, outside autograd
    (as PyTorch's ``.data``: no version change, no graph)."""
    p = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (p * p).sum().backward()
    memory = p.data
    p.data -= 0.5 * p.grad.data
    assert p.data is memory
    np.testing.assert_array_equal(p.data, [0.0, 0.0])
    p.grad.zero_()                                       # PyTorch's p.grad.data.zero_()
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])
    with pytest.raises(AttributeError, match="zero_"):
        p.grad.data.zero_()                              # loud, as the README says
    p.grad.data += 1.0
    try:                                                 # ndarray -= Tensor: loud or in place,
        p.data -= 0.5 * p.grad                           # never p.data rebound to a Tensor
    except TypeError:
        pass
    else:
        np.testing.assert_array_equal(memory, [-0.5, -0.5])
    assert p.data is memory and type(p.data) is np.ndarray


# ----------------------------------------------------------------------------- PyTorch
def test_in_place_idioms_match_pytorch():
    torch = pytest.importorskip("torch")
    x0 = np.array([[0.5, -1.0, 2.0], [-0.3, 0.8, -1.5]])
    y0 = np.array([0.2, -0.7, 1.3])

    def run(lib, tensor):
        x, y = tensor(x0), tensor(y0)
        h = x * 1.0
        h.add_(y, alpha=2.0)
        h[:, 0] = y[1] * 3.0
        buf = lib.zeros(2, 3, dtype=lib.float64)
        buf[1] = h[0] * 2.0 + y
        h += buf
        h *= y
        h.clamp_(-1.0, 4.0)
        h -= y
        h.relu_()
        h.sum().backward()
        with lib.no_grad():
            y -= 0.1 * y.grad
        return h.detach().numpy(), x.grad.numpy(), y.detach().numpy()

    ours = run(tg, lambda a: tg.Tensor(a, requires_grad=True))
    theirs = run(torch, lambda a: torch.tensor(a, requires_grad=True))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)

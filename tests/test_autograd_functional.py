"""tinygrad_edu.autograd.functional: jacobian / hessian / vjp / jvp / hvp / vhp against
analytic derivatives and float64 central differences, their return structures (a tuple
where PyTorch gives one), create_graph, and PyTorch's strict-mode and argument errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu.autograd import functional as F

values = st.floats(-2, 2)


def vectors(n):
    return hnp.arrays(np.float64, n, elements=values)


def T(a, requires_grad=False):
    return tg.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def fd_jacobian(f, arrays, j, eps=1e-6):
    """Central differences of the numpy function f(*arrays) in arrays[j]: shape
    out.shape + arrays[j].shape."""
    out = np.asarray(f(*arrays))
    jac = np.zeros(out.shape + arrays[j].shape)
    for k in np.ndindex(arrays[j].shape):
        up = [a.copy() for a in arrays]
        down = [a.copy() for a in arrays]
        up[j][k] += eps
        down[j][k] -= eps
        jac[(..., *k)] = (np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * eps)
    return jac


# ----------------------------------------------------------------------------- analytic
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, (3, n), elements=values), vectors(n), vectors(3))))
def test_jacobian_of_a_tanh_layer(data):
    W, x, b = data
    t = np.tanh(W @ x + b)
    jac_W, jac_x, jac_b = F.jacobian(lambda W, x, b: (W @ x + b).tanh(), (T(W), T(x), T(b)))
    d = 1 - t**2
    np.testing.assert_allclose(jac_x.data, d[:, None] * W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jac_b.data, np.diag(d), rtol=1e-12, atol=1e-14)
    want_W = np.einsum("ik,l->ikl", np.diag(d), x)  # d out_i / d W_kl = d_i [i = k] x_l
    np.testing.assert_allclose(jac_W.data, want_W, rtol=1e-12, atol=1e-14)
    assert jac_W.shape == (3, 3, len(x))


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, (n, n), elements=values), vectors(n))))
def test_hessian_of_a_quadratic_form(data):
    A, x = data
    H = F.hessian(lambda x: x @ T(A) @ x, T(x))
    np.testing.assert_allclose(H.data, A + A.T, rtol=1e-12, atol=1e-14)
    v = np.arange(len(x), dtype=np.float64) - 1
    _, hv = F.hvp(lambda x: x @ T(A) @ x, T(x), T(v))
    _, vh = F.vhp(lambda x: x @ T(A) @ x, T(x), T(v))
    np.testing.assert_allclose(hv.data, (A + A.T) @ v, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(vh.data, v @ (A + A.T), rtol=1e-12, atol=1e-13)


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(vectors(n), vectors(n))))
def test_hessian_of_sum_tanh_x_times_y(data):
    x, y = data
    (hxx, hxy), (hyx, hyy) = F.hessian(lambda x, y: (x.tanh() * y).sum(), (T(x), T(y)))
    t = np.tanh(x)
    np.testing.assert_allclose(hxx.data, np.diag(-2 * t * (1 - t**2) * y), atol=1e-13)
    np.testing.assert_allclose(hxy.data, np.diag(1 - t**2), atol=1e-13)
    np.testing.assert_allclose(hyx.data, np.diag(1 - t**2), atol=1e-13)
    np.testing.assert_array_equal(hyy.data, np.zeros((len(y), len(y))))


# ------------------------------------------------------------- finite differences, products
FUNCS = {  # (tinygrad function, the same in NumPy); inputs x (3,), y (2, 3)
    "exp_matvec": (lambda x, y: (y @ x.exp()).tanh(), lambda x, y: np.tanh(y @ np.exp(x))),
    "outer_sigmoid": (lambda x, y: (y * x).sigmoid().sum(axis=0) * x,
                      lambda x, y: (1 / (1 + np.exp(-(y * x)))).sum(axis=0) * x),
    "softplus_ratio": (lambda x, y: (x * x).softplus() / (1 + y * y).sum(),
                       lambda x, y: np.log1p(np.exp(x * x)) / (1 + y * y).sum()),
}


@pytest.mark.parametrize("name", FUNCS)
@given(x=hnp.arrays(np.float64, 3, elements=values),
       y=hnp.arrays(np.float64, (2, 3), elements=values))
def test_jacobian_and_products_against_finite_differences(name, x, y):
    f, f_np = FUNCS[name]
    jx, jy = F.jacobian(f, (T(x), T(y)))
    np.testing.assert_allclose(jx.data, fd_jacobian(f_np, [x, y], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jy.data, fd_jacobian(f_np, [x, y], 1), rtol=1e-6, atol=1e-8)
    out_shape = jx.shape[:-1]
    u = np.linspace(-1, 1, int(np.prod(out_shape))).reshape(out_shape)
    vx, vy = np.linspace(0.5, -0.5, 3), np.linspace(-1, 1, 6).reshape(2, 3)
    out, (ux, uy) = F.vjp(f, (T(x), T(y)), T(u))
    np.testing.assert_allclose(out.data, f_np(x, y), rtol=1e-14)
    np.testing.assert_allclose(ux.data, np.tensordot(u, jx.data, u.ndim), atol=1e-13)
    np.testing.assert_allclose(uy.data, np.tensordot(u, jy.data, u.ndim), atol=1e-13)
    _, jv = F.jvp(f, (T(x), T(y)), (T(vx), T(vy)))
    want = np.tensordot(jx.data, vx, 1) + np.tensordot(jy.data, vy, 2)
    np.testing.assert_allclose(jv.data, want, atol=1e-13)


@given(x=hnp.arrays(np.float64, 3, elements=values),
       y=hnp.arrays(np.float64, (2, 3), elements=values))
def test_hessian_against_finite_differences_of_the_gradient(x, y):
    f = lambda x, y: ((y @ x.exp()).tanh() * (1 + x[:2] ** 2)).sum()  # noqa: E731
    (hxx, hxy), (hyx, hyy) = F.hessian(f, (T(x), T(y)))

    def grad_np(*arrays):  # the engine's gradient, differenced: checks the second order
        xs = [T(a, requires_grad=True) for a in arrays]
        return np.concatenate([g.data.ravel() for g in tg.grad(f(*xs), xs)])

    g_x = fd_jacobian(grad_np, [x, y], 0)
    g_y = fd_jacobian(grad_np, [x, y], 1)
    np.testing.assert_allclose(hxx.data, g_x[:3], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hyx.data, g_x[3:].reshape(2, 3, 3), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hxy.data, g_y[:3], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hyy.data, g_y[3:].reshape(2, 3, 2, 3), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hxy.data, hyx.data.transpose(2, 0, 1), atol=1e-12)  # symmetric


# ----------------------------------------------------------------------------- structure
def test_return_structures_follow_the_inputs_and_outputs():
    x, y = T([1.0, 2.0]), T([[1.0, 2.0, 3.0]])
    assert isinstance(F.jacobian(lambda x: x * 2, x), tg.Tensor)
    j = F.jacobian(lambda x: x * 2, (x,))
    assert isinstance(j, tuple) and len(j) == 1 and j[0].shape == (2, 2)
    j = F.jacobian(lambda x, y: (x.sum() * y, x * 3), (x, y))
    assert [[t.shape for t in row] for row in j] == [[(1, 3, 2), (1, 3, 1, 3)],
                                                     [(2, 2), (2, 1, 3)]]
    j = F.jacobian(lambda x: (x, x.sum()), x)
    assert isinstance(j, tuple) and [t.shape for t in j] == [(2, 2), (2,)]
    out, v = F.vjp(lambda x: x.sum(), x)
    assert isinstance(out, tg.Tensor) and isinstance(v, tg.Tensor) and v.shape == (2,)
    out, v = F.vjp(lambda x, y: (x.sum() * y).sum(), (x, y))
    assert isinstance(out, tg.Tensor) and isinstance(v, tuple)
    assert [t.shape for t in v] == [(2,), (1, 3)]
    out, jv = F.jvp(lambda x: (x * 2, x.sum()), (x,), (T([1.0, 1.0]),))
    assert isinstance(out, tuple) and isinstance(jv, tuple)
    np.testing.assert_array_equal(jv[0].data, [2.0, 2.0])
    assert jv[1].item() == 2.0
    h = F.hessian(lambda x: (x**3).sum(), (x,))
    assert isinstance(h, tuple) and isinstance(h[0], tuple) and h[0][0].shape == (2, 2)


def test_results_are_detached_and_inputs_untouched_without_create_graph():
    x = T([1.0, 2.0], requires_grad=True)
    before = x.data.copy()
    jac = F.jacobian(lambda x: x**2, x)
    out, vj = F.vjp(lambda x: (x**2).sum(), x)
    assert not jac.requires_grad and not out.requires_grad and not vj.requires_grad
    assert x.grad is None and x.is_leaf
    np.testing.assert_array_equal(x.data, before)


def test_create_graph_keeps_results_differentiable():
    x = T([1.0, 2.0], requires_grad=True)
    jac = F.jacobian(lambda x: x**3, x, create_graph=True)   # diag(3 x^2)
    assert jac.requires_grad
    (g,) = tg.grad(jac.sum(), [x])
    np.testing.assert_allclose(g.data, 6 * x.data)          # d/dx sum diag(3x^2)
    _, hv = F.hvp(lambda x: (x**4).sum(), x, T([1.0, 1.0]), create_graph=True)
    (g,) = tg.grad(hv.sum(), [x])
    np.testing.assert_allclose(g.data, 24 * x.data)         # d/dx (12 x^2)
    h = F.hessian(lambda x: (x**4).sum(), x, create_graph=True)
    (g,) = tg.grad(h.sum(), [x])
    np.testing.assert_allclose(g.data, 24 * x.data)
    _, jv = F.jvp(lambda x: x**2, x, T([1.0, 0.0]), create_graph=True)
    (g,) = tg.grad(jv.sum(), [x])
    np.testing.assert_allclose(g.data, [2.0, 0.0])


def test_scalar_input_and_output_need_no_v():
    x = T(3.0)
    out, g = F.vjp(lambda x: x**2, x)
    assert out.item() == 9.0 and g.item() == 6.0
    assert F.jvp(lambda x: x**2, x)[1].item() == 6.0
    assert F.hvp(lambda x: x**3, x)[1].item() == 18.0
    assert F.vhp(lambda x: x**3, x)[1].item() == 18.0


# ----------------------------------------------------------------------------- strict
def test_independent_outputs_give_zeros_or_strict_errors():
    x, y = T([1.0, 2.0]), T([3.0])
    jx, jy = F.jacobian(lambda x, y: x * 2, (x, y))
    np.testing.assert_array_equal(jx.data, 2 * np.eye(2))
    np.testing.assert_array_equal(jy.data, np.zeros((2, 1)))
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is "
                                           "independent of input 1"):
        F.jacobian(lambda x, y: x * 2, (x, y), strict=True)
    const = T([5.0, 5.0])
    np.testing.assert_array_equal(F.jacobian(lambda x: const, x).data, np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not "
                                           "require gradients"):
        F.jacobian(lambda x: const, x, strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        F.vjp(lambda x, y: x.sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function with "
                                           "respect to input 0 is independent"):
        F.hessian(lambda x: (x * 2).sum(), x, strict=True)      # linear: gradient constant
    np.testing.assert_array_equal(F.hessian(lambda x: (x * 2).sum(), x).data, np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function with "
                                           "respect to input 0 is independent"):
        F.vhp(lambda x: (x * 2).sum(), x, T([1.0, 1.0]), strict=True)
    with pytest.raises(RuntimeError, match="The output of the user-provided function is "
                                           "independent of input 1"):
        F.jvp(lambda x, y: x * 2, (x, y), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="not allowed in strict mode when create_graph"):
        F.jacobian(lambda x: x * 2, x, create_graph=True, strict=True)
    with pytest.raises(RuntimeError, match="`strict=True` and `vectorized=True`"):
        F.jacobian(lambda x: x * x, x, strict=True, vectorize=True)
    np.testing.assert_array_equal(F.jacobian(lambda x: x * x, x, vectorize=True).data,
                                  np.diag([2.0, 4.0]))


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.vjp(lambda x: x * 2, T([1.0, 2.0])), RuntimeError,
     "v can only be None if the user-provided function returns a single Tensor with a single"),
    (lambda: F.jvp(lambda x: x * 2, T([1.0, 2.0])), RuntimeError,
     "v can only be None if the input to the user-provided function is a single Tensor"),
    (lambda: F.vjp(lambda x: x * 2, T([1.0, 2.0]), T([1.0])), RuntimeError,
     r"v has invalid size: should be \(2,\) but got \(1,\)"),
    (lambda: F.jvp(lambda x, y: x, (T([1.0]), T([1.0])), (T([1.0]),)), RuntimeError,
     "v is a tuple of invalid length: should be 2 but got 1"),
    (lambda: F.hvp(lambda x: x * 2, T([1.0, 2.0]), T([1.0, 1.0])), RuntimeError,
     "should contain a single element"),
    (lambda: F.vhp(lambda x: (x, x), T([1.0]), T([1.0])), RuntimeError,
     "The function given to vhp should return a single Tensor"),
    (lambda: F.hessian(lambda x: x * 2, T([1.0, 2.0])), RuntimeError,
     "The Tensor returned by the function given to hessian should contain a single element"),
    (lambda: F.jacobian(lambda x: x, [T([1.0])]), TypeError,
     "The inputs given to jacobian must be either a Tensor or a tuple of Tensors"),
    (lambda: F.vjp(lambda x: 1.0, T([1.0]), T([1.0])), TypeError,
     "outputs of the user-provided function given to vjp must be either a Tensor"),
    (lambda: F.jacobian(lambda x: x, T([1.0]), strategy="forward-mode"), NotImplementedError,
     "no forward-mode AD"),
])
def test_argument_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()

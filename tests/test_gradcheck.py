"""The gradient checker itself: it catches wrong first and second derivatives, says where
(input index, element index), honours raise_exception and fast_mode, warns about float32,
and its finite differences have the advertised error orders."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import Function
from tinygrad_edu.tools.gradcheck import (
    GradcheckError,
    analytical_jacobian,
    gradcheck,
    gradgradcheck,
    numerical_jacobian,
)

WRONG = (1, 2)  # the one element the "almost right" ops below get wrong
VALUES = np.array([[0.5, -1.2, 0.8], [1.1, -0.7, 0.9]])


def f64(values, requires_grad=True):
    return tg.Tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def _one_hot(shape, index):
    e = np.zeros(shape)
    e[index] = 1.0
    return e


class WrongSquare(Function):
    """out = a^2 with the classic mistake: da = g * a instead of 2 * g * a."""

    saves_output = False

    def forward(self, a):
        return a * a

    def backward(self, g, out, a):
        return (g * a,)


class MulWrongAt(Function):
    """out = a * b; da is right, db is right except at element WRONG (off by g)."""

    saves_output = False

    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        return g * b, g * a + g * _one_hot(self.inputs[1].shape, WRONG)


class CubeRawAt(Function):
    """out = a^3; da = 3 g a^2 is right, but at element WRONG it is computed from the raw
    saved ndarray, a constant for create_graph: the second derivative is wrong there only."""

    saves_output = False

    def forward(self, a):
        return a ** 3

    def backward(self, g, out, a):
        raw = self.inputs[0]
        keep = 1 - _one_hot(raw.shape, WRONG)
        return (g * 3 * (a * a * keep + raw * raw * (1 - keep)),)


def _mismatch(info) -> dict[str, str]:
    """The input index and the element indices a GradcheckError names."""
    msg = str(info.value)
    m = re.search(r"with respect to input (\d+): at output element (\(.*?\)), "
                  r"input element (\(.*?\))", msg)
    assert m, msg
    return {"input": int(m[1]), "output element": m[2], "input element": m[3]}


# ----------------------------------------------------------------------------- gradcheck
def test_wrong_derivative_is_caught_with_values():
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, f64(1.5))
    assert _mismatch(info) == {"input": 0, "output element": "()", "input element": "()"}
    msg = str(info.value)
    assert "numerical 3" in msg and "analytical 1.5" in msg, msg


def test_names_the_wrong_input_and_element():
    """Input index counts every argument (the constant in the middle too)."""
    fn = lambda a, c, b: MulWrongAt.apply(a, b) + c  # noqa: E731
    inputs = (f64(VALUES), f64(np.ones((2, 3)), requires_grad=False), f64(VALUES[::-1]))
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, inputs)
    assert _mismatch(info) == {"input": 2, "output element": str(WRONG),
                               "input element": str(WRONG)}
    assert gradcheck(fn, inputs, raise_exception=False) is False


def test_raise_exception_false_returns_false_and_true_when_right():
    assert gradcheck(WrongSquare.apply, f64(VALUES), raise_exception=False) is False
    assert gradcheck(lambda a: a * a, f64(VALUES)) is True


def test_fast_mode_catches_a_wrong_derivative():
    with pytest.raises(GradcheckError, match="fast mode"):
        gradcheck(WrongSquare.apply, f64(VALUES), fast_mode=True, seed=0)
    assert gradcheck(WrongSquare.apply, f64(VALUES), fast_mode=True, seed=0,
                     raise_exception=False) is False
    assert gradcheck(lambda a: a * a, f64(VALUES), fast_mode=True, seed=0) is True


# ----------------------------------------------------------------------------- gradgradcheck
def test_first_derivative_right_second_wrong():
    x = f64(VALUES)
    v = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    assert gradcheck(CubeRawAt.apply, x)  # the first derivative is fine
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(CubeRawAt.apply, x, grad_outputs=v)
    # the checked function is (x, v) -> v^T dfn/dx: input 0 is x
    assert _mismatch(info) == {"input": 0, "output element": str(WRONG),
                               "input element": str(WRONG)}
    assert gradgradcheck(CubeRawAt.apply, x, grad_outputs=v, raise_exception=False) is False
    assert gradgradcheck(lambda a: a ** 3, x, grad_outputs=v) is True


def test_gradgradcheck_fast_mode_and_default_grad_outputs():
    x = f64(VALUES)
    with pytest.raises(GradcheckError, match="fast mode"):
        gradgradcheck(CubeRawAt.apply, x, fast_mode=True, seed=0)
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeRawAt.apply, x, seed=0)
    assert gradgradcheck(lambda a: a ** 3, x, fast_mode=True, seed=0) is True


# ----------------------------------------------------------------------------- precision
@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_float32_inputs_warn_why(check):
    x = tg.Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match=r"input 0 has dtype float32.*round-off"):
        check(lambda t: t * t, x, raise_exception=False)


def test_float64_inputs_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda t: t.exp(), f64(VALUES))


def test_finite_difference_error_orders():
    """On exp at 0.5: forward differences err by ~eps/2 f'' (first order), central ones by
    ~eps^2/6 f''' (second order); at these steps round-off (~1e-13) is negligible."""
    x0, exact = 0.5, np.exp(0.5)

    def error(method, eps):
        ((j,),) = numerical_jacobian(tg.exp, [f64([x0])], eps=eps, method=method)
        return abs(j[0, 0] - exact)

    for method, order in (("forward", 1), ("central", 2)):
        slope = np.log10(error(method, 1e-2) / error(method, 1e-3))
        assert slope == pytest.approx(order, abs=0.05), method
    assert error("forward", 1e-3) == pytest.approx(1e-3 / 2 * exact, rel=1e-2)
    assert error("central", 1e-3) == pytest.approx(1e-6 / 6 * exact, rel=1e-2)
    with pytest.raises(ValueError, match="central"):
        numerical_jacobian(tg.exp, [f64([x0])], method="backward")


def test_jacobian_layout_and_inputs_restored():
    """J[o][i] has shape (outputs[o].size, inputs[i].size), C order; data restored exactly."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    x, y = f64(rng.standard_normal(3)), f64(rng.standard_normal((2, 2)))
    before = x.data.copy(), y.data.copy()

    def fn(x, y):
        return a @ x + b @ y.reshape(4), y * 3

    expected = [[a, b], [np.zeros((4, 3)), 3 * np.eye(4)]]
    for jac, atol in ((numerical_jacobian(fn, [x, y]), 1e-8), (analytical_jacobian(fn, [x, y]), 0)):
        for row, want_row in zip(jac, expected):
            for j, want in zip(row, want_row):
                np.testing.assert_allclose(j, want, atol=atol)
    assert np.array_equal(x.data, before[0]) and np.array_equal(y.data, before[1])


def test_inputs_of_any_memory_layout_are_perturbed_in_place():
    """A transposed (non-contiguous) input is checked, and stays the same array."""
    base = np.arange(1.0, 13.0).reshape(3, 4)
    x = tg.from_numpy(base.T).requires_grad_()  # an F-ordered view of base
    assert gradcheck(lambda x: x.log() * x, (x,))
    assert gradcheck(lambda x: x.log() * x, (x,), fast_mode=True, seed=0)
    assert np.shares_memory(x.data, base) and np.array_equal(x.data, base.T)


def test_bad_steps_and_tolerances_are_usage_errors():
    x = f64(VALUES)
    for kwargs, name in (({"eps": 0}, "eps"), ({"eps": -1e-6}, "eps"), ({"atol": -1}, "atol"),
                         ({"rtol": float("nan")}, "rtol"), ({"nondet_tol": -1}, "nondet_tol")):
        with pytest.raises(ValueError, match=f"gradcheck: {name} must be"):
            gradcheck(tg.tanh, (x,), **kwargs)
    with pytest.raises(ValueError, match="gradgradcheck: eps must be"):
        gradgradcheck(tg.tanh, (x,), eps=0)
    with pytest.raises(ValueError, match="numerical_jacobian: eps must be"):
        numerical_jacobian(tg.tanh, [x], eps=0)


def test_a_random_fn_is_named_as_such_not_as_a_wrong_gradient():
    x = f64(VALUES)
    with pytest.raises(GradcheckError, match="fn is not deterministic: output 0 changed"):
        gradcheck(lambda x: tg.nn.functional.dropout(x, 0.5), (x,))
    assert gradcheck(lambda x: tg.nn.functional.dropout(x, 0.5, training=False), (x,))


class NoisyBackward(Function):
    """out = 2 a with a backward that adds noise far below gradcheck's tolerances."""

    saves_output = False
    rng = np.random.default_rng(0)

    def forward(self, a):
        return 2 * a

    def backward(self, g, out, a):
        return (2 * g + 1e-9 * self.rng.standard_normal(np.shape(g)),)


def test_a_backward_that_is_not_reentrant_fails_unless_nondet_tol_allows_it():
    x = f64(VALUES)
    with pytest.raises(GradcheckError, match=r"backward is not reentrant.*nondet_tol 0"):
        gradcheck(NoisyBackward.apply, (x,))
    assert gradcheck(NoisyBackward.apply, (x,), nondet_tol=1e-7)


def test_gradgradcheck_skips_outputs_that_do_not_require_grad():
    x, c = f64(VALUES), f64(VALUES, requires_grad=False)
    assert gradgradcheck(lambda x: (x * x, c * 2), (x,))
    with pytest.raises(ValueError, match="got 2 grad_outputs for 1 outputs that require grad"):
        gradgradcheck(lambda x: (x * x, c * 2), (x,), grad_outputs=(f64(VALUES), f64(VALUES)))

"""Degenerate inputs get PyTorch's answers, without NumPy warnings or Python exceptions:
0-d tensors reduced over axis 0 / -1, empty tensors and empty axes, slices that are all -inf,
NaN maxima, zero deviations, negative Python bases, shapes that do not broadcast.

Every test turns warnings into errors: a NaN or -inf that is the right answer must not come
with a RuntimeWarning, and a wrong one must not hide behind one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn"):
        warnings.simplefilter("error")
        yield


def leaf(values, dtype=np.float64) -> tg.Tensor:
    return tg.Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ----------------------------------------------------------------------------- 0-d tensors
# (op, value of op(3.0), its derivative): PyTorch accepts dim 0 and -1 on a 0-d tensor
ZERO_D = {
    "sum": (lambda x, ax: x.sum(ax), 3.0, 1.0),
    "mean": (lambda x, ax: x.mean(ax), 3.0, 1.0),
    "max": (lambda x, ax: x.max(ax).values, 3.0, 1.0),
    "min": (lambda x, ax: x.min(ax).values, 3.0, 1.0),
    "logsumexp": (lambda x, ax: x.logsumexp(ax), 3.0, 1.0),
    "sum(keepdims)": (lambda x, ax: x.sum(ax, keepdims=True), 3.0, 1.0),
    "squeeze": (lambda x, ax: x.squeeze(ax), 3.0, 1.0),
    "softmax": (lambda x, ax: x.softmax(ax), 1.0, 0.0),
    "log_softmax": (lambda x, ax: x.log_softmax(ax), 0.0, 0.0),
}


@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize("name", list(ZERO_D))
def test_0d_tensor_reduced_over_axis_0_or_minus_1(name, axis):
    fn, value, slope = ZERO_D[name]
    x = leaf(3.0)
    y = fn(x, axis)
    assert y.shape == () and y.item() == pytest.approx(value)
    y.backward()
    assert x.grad.item() == pytest.approx(slope)


# ----------------------------------------------------------------------------- empty tensors
@pytest.mark.parametrize("shape, axis, out_shape", [
    ((0,), None, ()), ((0, 3), 0, (3,)), ((3, 0), 1, (3,)), ((3, 0), 0, (0,)),
])
def test_mean_over_no_values_is_nan(shape, axis, out_shape):
    """PyTorch and NumPy: 0 / 0 (NumPy warns; here it is the documented answer)."""
    x = tg.Tensor(np.zeros(shape), requires_grad=True)
    y = x.mean(axis=axis)
    assert y.shape == out_shape and np.isnan(y.data).all()
    y.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("start, end, out_shape", [(1, -1, (0, 12)), (0, -1, (0,)),
                                                   (0, 1, (0, 4)), (2, 2, (0, 3, 4))])
def test_flatten_of_an_empty_tensor(start, end, out_shape):
    x = tg.Tensor(np.zeros((0, 3, 4)), requires_grad=True)
    y = x.flatten(start, end)
    assert y.shape == out_shape
    y.sum().backward()
    assert x.grad.shape == (0, 3, 4)


def test_flatten_start_after_end_is_an_error():
    with pytest.raises(ValueError, match=r"start_dim 2 comes after end_dim 1 .*\(2, 3, 4\)"):
        tg.zeros(2, 3, 4).flatten(2, 1)


def test_softmax_family_over_an_empty_axis():
    """softmax of nothing is nothing; the log of an empty sum of exponentials is -inf."""
    x = tg.Tensor(np.zeros((2, 0)), requires_grad=True)
    for y in (x.softmax(1), x.log_softmax(1)):
        assert y.shape == (2, 0)
    lse = x.logsumexp(1)
    np.testing.assert_array_equal(lse.data, [-np.inf, -np.inf])
    lse.sum().backward()
    assert x.grad.shape == (2, 0)


# ----------------------------------------------------------------------------- -inf and NaN
def test_softmax_family_on_a_slice_that_is_all_minus_inf():
    """PyTorch's values: softmax and log_softmax NaN, logsumexp -inf, NaN gradients; the
    other rows are untouched."""
    rows = np.array([[-np.inf, -np.inf, -np.inf], [1.0, -np.inf, 2.0]])
    good = np.array([1.0, 2.0])
    e = np.exp(good - good.max())
    expected = {"softmax": e / e.sum(), "log_softmax": np.log(e / e.sum())}
    for name, want in expected.items():
        x = leaf(rows)
        y = getattr(x, name)(axis=1)
        assert np.isnan(y.data[0]).all()
        np.testing.assert_allclose(y.data[1, [0, 2]], want, rtol=1e-15)
        y.sum().backward()
        assert np.isnan(x.grad.data[0]).all() and not np.isnan(x.grad.data[1]).any()
    x = leaf(rows)
    y = x.logsumexp(axis=1)
    assert y.data[0] == -np.inf
    np.testing.assert_allclose(y.data[1], np.log(np.exp(good).sum()), rtol=1e-15)
    y.sum().backward()
    assert np.isnan(x.grad.data[0]).all()
    np.testing.assert_allclose(x.grad.data[1], [e[0] / e.sum(), 0.0, e[1] / e.sum()])


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_a_nan_extreme_takes_the_gradient(reduce):
    """max/min propagate NaN (NumPy, and PyTorch's max()), so the NaN entry is the
    one selected: it gets the gradient, the others 0."""
    x = leaf([[1.0, np.nan, 2.0], [3.0, 4.0, 5.0]])
    y = getattr(x, reduce)(axis=1).values
    assert np.isnan(y.data[0])
    y.sum().backward()
    want_row1 = [0.0, 0.0, 1.0] if reduce == "max" else [1.0, 0.0, 0.0]
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0, 0.0], want_row1])


# ----------------------------------------------------------------------------- var and std
def test_var_and_std_default_to_the_unbiased_estimate_as_pytorch():
    values = np.array([1.0, 2.0, 3.0, 7.0])
    assert tg.Tensor(values).var().item() == pytest.approx(np.var(values, ddof=1))
    assert tg.Tensor(values).std().item() == pytest.approx(np.std(values, ddof=1))
    assert tg.Tensor(values).var(ddof=0).item() == pytest.approx(np.var(values))
    assert tg.Tensor(values).std(correction=0).item() == pytest.approx(np.std(values))
    with pytest.raises(TypeError, match="var: give ddof or correction, not both"):
        tg.Tensor(values).var(ddof=0, correction=0)


@pytest.mark.parametrize("op", ["var", "std"])
def test_no_degrees_of_freedom_give_pytorchs_inf_and_nan_with_its_warning(op):
    """sum / max(0, N - correction): inf, or NaN where the sum is 0 (one value), as PyTorch
    2.13, with its UserWarning and no NumPy warning."""
    x = leaf([[1.0, 2.0], [3.0, 3.0]])
    message = rf"{op}\(\): degrees of freedom is <= 0"
    with pytest.warns(UserWarning, match=message):
        y = getattr(x, op)(axis=1, correction=2)
    np.testing.assert_array_equal(y.data, [np.inf, np.nan])
    with pytest.warns(UserWarning, match=message):
        y = getattr(leaf([5.0]), op)()
    assert np.isnan(y.item())
    with pytest.warns(UserWarning, match=message):
        y = getattr(leaf([1.0, 2.0, 4.0]), op)(correction=5)
    assert y.item() == np.inf


def test_std_of_equal_values_has_gradient_0_not_nan():
    """d std / dx = (x - mean) / ((n - 1) std) is 0 / 0 when all values are equal; PyTorch
    gives 0 there.  Rows with spread keep the formula."""
    x = leaf([[2.0, 2.0, 2.0], [1.0, 2.0, 6.0]])
    y = x.std(axis=1)
    assert y.data[0] == 0.0
    y.sum().backward()
    row = x.data[1]
    want = (row - row.mean()) / ((row.size - 1) * row.std(ddof=1))
    np.testing.assert_array_equal(x.grad.data[0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(x.grad.data[1], want, rtol=1e-14)


# ----------------------------------------------------------------------------- other domains
def test_a_negative_python_base_gives_nan_gradient_not_an_exception():
    """(-2)^x is real for integer x, but d/dx = (-2)^x log(-2) is not: NaN, as PyTorch."""
    x = leaf([2.0, 3.0])
    y = (-2.0) ** x
    np.testing.assert_array_equal(y.data, [4.0, -8.0])
    y.sum().backward()
    assert np.isnan(x.grad.data).all()


def test_float16_sigmoid_reaches_its_small_values():
    """float16's exp overflows beyond 11.09; the sigmoid of -16 (1.1e-7) is still a
    float16 number (subnormal) and must not be clamped to sigmoid(-11.09) = 1.5e-5."""
    x = np.array([-16.0, -12.0, 0.0, 12.0], dtype=np.float16)
    y = tg.Tensor(x).sigmoid()
    want = (1 / (1 + np.exp(-x.astype(np.float64)))).astype(np.float16)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y.data, want)


# ----------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("make, message", [
    (lambda: tg.ones(1, 3).broadcast_to(3),
     r"broadcast_to: .*\(1, 3\).*cannot broadcast a tensor of 2 dimensions to the 1"),
    (lambda: tg.ones(3).expand(-1, 3),
     r"expand: sizes \(-1, 3\) for a tensor of shape \(3,\)"),
    (lambda: tg.ones(2, 3).expand(3),
     r"expand: sizes \(3,\) for a tensor of shape \(2, 3\): expected at least 2 sizes"),
])
def test_shapes_that_do_not_broadcast_are_refused(make, message):
    """NumPy's assignment would drop leading 1s and the backward would then fail."""
    with pytest.raises(ValueError, match=message):
        make()


# ----------------------------------------------------------------------------- pow (issue 12.7)
def test_pow_gradients_at_zero_and_infinite_bases_are_pytorchs():
    """PyTorch's formulas: da = where(b == 0, 0, g b a^(b-1)) (so x**0 has slope 0 at +-inf,
    not NaN); db = where(a == 0 & b >= 0, 0, g out log a) (so d/db 0^b = -inf for b < 0)."""
    x = leaf([np.inf, -np.inf, 0.0, 2.0])
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0, 0.0])

    a = leaf([0.0, 0.0, 0.0, np.inf, 2.0])
    b = leaf([-1.0, 0.0, 2.0, 0.0, 0.0])
    y = a ** b
    np.testing.assert_array_equal(y.data, [np.inf, 1.0, 0.0, 1.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [-np.inf, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(b.grad.data, [-np.inf, 0.0, 0.0, np.inf, np.log(2.0)])

    e = leaf([-1.0, 0.0, 2.0])
    (0.0 ** e).sum().backward()       # a Python base 0
    np.testing.assert_array_equal(e.grad.data, [-np.inf, 0.0, 0.0])
    z = leaf([0.0, 2.0])
    (z ** -2.0).sum().backward()      # d/da 0^-2 = -2 * 0^-3 = -inf
    np.testing.assert_array_equal(z.grad.data, [-np.inf, -0.25])


def test_pow_second_derivative_of_x_to_the_0_at_infinity_is_0():
    x = leaf([np.inf, -np.inf, 3.0])
    (g,) = tg.grad((x ** 0).sum(), x, create_graph=True)
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("row", [[np.inf, 1.0], [np.inf, 710.0], [-np.inf, np.inf]])
def test_softmax_family_on_a_slice_holding_plus_inf(row):
    """PyTorch subtracts the max even when it is +inf: softmax and log_softmax are NaN on the
    whole slice (here the other entries came out 0 / -inf), logsumexp is inf; no warnings,
    and other rows are untouched."""
    x = tg.Tensor(np.array([row, [1.0, 2.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sm, lsm, lse = x.softmax(1).data, x.log_softmax(1).data, x.logsumexp(1).data
    assert np.isnan(sm[0]).all() and np.isnan(lsm[0]).all() and lse[0] == np.inf
    e = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()
    np.testing.assert_allclose(sm[1], e)
    np.testing.assert_allclose(lsm[1], np.log(e))

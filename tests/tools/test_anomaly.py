"""detect_anomaly: NaN/inf in forward or backward names the op and the user's source line."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.tools.anomaly import detect_anomaly, is_anomaly_enabled


def here() -> int:
    """The caller's line number."""
    return inspect.currentframe().f_back.f_lineno


def leaf(*values: float) -> tg.Tensor:
    return tg.Tensor(np.array(values), requires_grad=True)


def test_forward_nan_names_the_op_and_this_line():
    x = leaf(-1.0, 2.0)
    with pytest.raises(RuntimeError) as info, detect_anomaly(), np.errstate(invalid="ignore"):
        line = here() + 1
        tg.log(x)
    msg = str(info.value)
    assert "op log produced nan in its forward output" in msg
    assert f'File "{__file__}", line {line}, in test_forward_nan_names_the_op_and_this_line' in msg
    assert "tg.log(x)" in msg
    assert not is_anomaly_enabled()  # restored although the block raised


def test_backward_inf_names_the_op_and_the_line_that_created_it():
    x = leaf(0.0, 4.0)
    with detect_anomaly():
        created = here() + 1
        y = x.sqrt()  # finite forward: sqrt(0) = 0
        loss = (y * 3.0).sum()
        with pytest.raises(RuntimeError) as info, np.errstate(divide="ignore"):
            loss.backward()  # d sqrt / dx = 1 / (2 sqrt x) = inf at 0
    msg = str(info.value)
    assert "SqrtBackward (op sqrt) produced inf in the gradient of its input 0" in msg
    assert f"line {created}," in msg and "y = x.sqrt()" in msg


def test_normal_values_pass_and_the_result_is_unchanged():
    x = leaf(1.0, 2.0)
    with detect_anomaly():
        loss = (x.exp() * x).sum()
        loss.backward()
    np.testing.assert_allclose(x.grad.data, np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))


def test_off_by_default_and_costs_nothing_outside():
    assert not is_anomaly_enabled()
    x = leaf(-1.0)
    with np.errstate(invalid="ignore"):
        y = tg.log(x)  # no error outside the block
    assert np.isnan(y.data).all()
    assert not hasattr(y.grad_fn, "anomaly_trace")  # nothing recorded
    with detect_anomaly():
        z = x * 2
    assert z.grad_fn.anomaly_trace.lineno == here() - 1


def test_graph_recorded_outside_the_block_says_so():
    x = leaf(0.0)
    y = x.sqrt()
    with detect_anomaly(), pytest.raises(RuntimeError, match="recorded outside detect_anomaly"), \
            np.errstate(divide="ignore"):
        y.backward()


def test_nesting_decorator_check_nan_false_and_restoring():
    @detect_anomaly()
    def inside() -> bool:
        return is_anomaly_enabled()

    assert inside() and not is_anomaly_enabled()
    with detect_anomaly():
        with detect_anomaly(check_nan=False), np.errstate(invalid="ignore"):
            tg.log(leaf(-1.0))  # recorded, not checked
        assert is_anomaly_enabled()
        with pytest.raises(RuntimeError), np.errstate(invalid="ignore"):
            tg.log(leaf(-1.0))  # the outer block's checks are back
    assert not is_anomaly_enabled()


def test_create_graph_backward_is_checked_too():
    x = leaf(0.0)
    with detect_anomaly():
        y = x.sqrt()
        with pytest.raises(RuntimeError, match="inf"), np.errstate(divide="ignore"):
            tg.grad(y.sum(), x, create_graph=True)  # the recorded backward divides by 0
    assert not is_anomaly_enabled()

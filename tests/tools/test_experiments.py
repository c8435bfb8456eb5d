"""The experiments API: op and article targets, the check table rows, second order, eps sweep."""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest

import tinygrad_edu.ops as ops
from tinygrad_edu.tools import experiments as ex

from .badops import BadMul, FrozenSquare


def _by(report: ex.Report, kind: str) -> dict[str, ex.Row]:
    return {r.parameter.split(" = ")[0]: r for r in report.rows if r.kind == kind}


# ----------------------------------------------------------------------------- ops
def test_op_names_cover_every_public_differentiable_op():
    public = {name for name, fn in vars(ops).items()
              if inspect.isfunction(fn) and fn.__module__ == ops.__name__
              and not name.startswith("_")}
    assert set(ex.op_names()) == public - ex.NOT_DIFFERENTIABLE
    assert {"log", "matmul", "softmax", "getitem", "cat", "where"} <= set(ex.op_names())


@pytest.mark.parametrize("name", ex.op_names())
def test_every_op_passes_first_and_second_order_at_its_default_shapes(name):
    for order in (1, 2):
        report = ex.check_op(name, order=order)
        assert not report.failed, [r for r in report.rows if r.n_differ]
        assert {r.kind for r in report.rows} == {"central", "forward"}


def test_safe_domains():
    assert (ex.op_target("log", [(50,)]).inputs[0].data > 0).all()
    x = ex.op_target("relu", [(200,)]).inputs[0].data
    assert np.abs(x).min() >= 0.1
    c = ex.op_target("clip", [(200,)], kwargs={"min": -1.0, "max": 0.25}).inputs[0].data
    assert np.abs(c + 1.0).min() >= 0.1 and np.abs(c - 0.25).min() >= 0.1
    a, b = (t.data for t in ex.op_target("maximum", [(5, 6)]).inputs)
    values = np.concatenate([a.ravel(), b.ravel()])
    assert len(np.unique(values)) == values.size  # no ties, across inputs too
    assert np.abs(ex.op_target("div").inputs[1].data).min() >= 0.5


def test_user_shapes_kwargs_dtype_and_names():
    t = ex.op_target("sum", [(2, 3, 4)], kwargs={"axis": 1}, seed=3)
    assert t.fn(*t.inputs).shape == (2, 4) and t.names == ("x",)
    t = ex.op_target("mul", [(2, 5)])  # one shape for a two-input op: used for both
    assert [x.shape for x in t.inputs] == [(2, 5), (2, 5)] and t.names == ("a", "b")
    assert ex.op_target("cat", [(1, 2), (3, 2), (2, 2)]).names == ("x0", "x1", "x2")
    assert ex.op_target("tanh", dtype=np.float32).inputs[0].dtype == np.float32
    with pytest.raises(ValueError, match="takes 2 tensor input"):
        ex.op_target("mul", [(2,), (2,), (2,)])
    with pytest.raises(ValueError, match=r"unknown op 'frobnicate'.*log"):
        ex.op_target("frobnicate")
    with pytest.raises(ValueError, match="not differentiable"):
        ex.op_target("argmax")


def test_a_wrong_backward_is_caught_at_the_right_input_and_element():
    report = ex.check_op(BadMul, [(3, 4)])
    assert report.failed and report.exit_code() == 1
    central = _by(report, "central")
    assert central["a"].n_differ == 0 and central["a"].status == "ok"
    bad = central["b"]
    assert bad.status == "FAIL" and bad.n_differ == 1 and bad.n == 12 * 12
    assert bad.entry == "d out[1, 2] / d b[1, 2]"
    assert bad.autograd == pytest.approx(bad.other + 0.5)
    assert bad.max_abs == pytest.approx(0.5, rel=1e-6)


def test_a_wrong_double_backward_passes_first_order_and_fails_second_order():
    assert not ex.check_op(FrozenSquare, [(2, 3)]).failed
    second = ex.check_op(FrozenSquare, [(2, 3)], order=2)
    assert second.failed
    bad = _by(second, "central")["a"]
    assert bad.status == "FAIL" and bad.autograd == 0.0 and bad.entry.startswith("d grad a[")


def test_float32_check_is_dominated_by_round_off_and_gives_no_verdict():
    report = ex.check_op("tanh", [(3, 4)], dtype=np.float32)
    central = _by(report, "central")["x"]
    assert central.n_differ  # the finite differences are too noisy ...
    assert central.status == "round-off? (not float64)"  # ... which says nothing of the op
    assert report.low_precision and not report.failed
    wrong = ex.check_op(FrozenSquare, [(2, 3)], dtype=np.float32, order=2)
    assert not wrong.failed  # no verdict in float32, not even on a wrong op: use float64
    assert ex.check_op(FrozenSquare, [(2, 3)], order=2).failed


# ----------------------------------------------------------------------------- articles
SMALL = {"000": (5, 4, 3, 3), "001": (5, 4, 3), "002": (5, 4, 3), "003": (5, 4, 3),
         "004": (5, 4, 3, 1)}
DIFFERS = {"000": True, "001": True, "002": False, "003": True, "004": False}


@pytest.mark.parametrize("article", sorted(ex.ARTICLES))
def test_every_article_network_checks_out(article):
    report = ex.check_article(article, SMALL[article], batch=4)
    assert report.value_ok  # the framework's cost is the reference module's cost
    assert not report.failed
    assert report.article_differs is DIFFERS[article]
    assert report.exit_code() == 0 and report.exit_code(strict=True) == int(DIFFERS[article])
    n_params = 2 * (len(SMALL[article]) - 1)
    assert len({r.parameter for r in report.rows}) == n_params
    assert not ex.check_article(article, SMALL[article], batch=3, order=2).failed


def test_article_000_text_rule_differs_in_hidden_biases_and_output_weights():
    report = ex.check_article("000", (5, 4, 3, 3), batch=4, lambd=0.2)
    rows = [r for r in report.rows if r.versus == "article text"]
    differ = {r.parameter.split(" = ")[0] for r in rows if r.n_differ}
    assert differ == {"fc1.bias", "fc2.bias", "fc3.weight"}
    assert "+ 0.05 x parameter" in next(r for r in rows if r.parameter.startswith("fc1.bias")
                                          ).pattern  # lambda / m = 0.2 / 4
    assert "- 0.05 x parameter" in next(r for r in rows if r.parameter.startswith("fc3.weight")
                                          ).pattern
    assert all(not r.n_differ for r in report.rows if r.versus == "article code")


def test_article_001_formula_is_batch_times_the_gradient():
    report = ex.check_article("001", (5, 4, 3), batch=4)
    rows = [r for r in report.rows if r.versus == "article"]
    assert all(r.n_differ == r.n and r.pattern == "other = 4 x autograd" for r in rows)
    assert not ex.check_article("001", (5, 4, 3), batch=1).article_differs


@pytest.mark.parametrize(("lambd", "differ"), [
    (0.1, {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}),
    (1.0, {"fc1.bias", "fc2.bias"}),   # the coded cost then equals the described one
    (0.0, set()),
])
def test_article_003_code_gradient_against_its_own_cost(lambd, differ):
    report = ex.check_article("003", (5, 4, 3), batch=5, lambd=lambd)
    assert not report.failed
    rows = [r for r in report.rows if r.versus == "article code"]
    assert {r.parameter.split(" = ")[0] for r in rows if r.n_differ} == differ
    for r in rows:
        if r.n_differ:
            assert r.n_differ == r.n  # every entry of that parameter
            coef = lambd / 5 if "bias" in r.parameter else (lambd - 1) / 5
            sign = "-" if coef < 0 else "+"
            assert r.pattern == f"other = autograd {sign} {abs(coef):.6g} x parameter"
    assert report.rows[0].parameter == "fc1.weight = theta_0[1:].T"


def test_article_errors():
    with pytest.raises(ValueError, match="unknown article"):
        ex.article_target("007")
    with pytest.raises(ValueError, match="two positive layer sizes"):
        ex.article_target("000", (4,))


# ----------------------------------------------------------------------------- eps sweep
def test_eps_sweep_has_the_v_shape():
    rows = ex.eps_sweep(functools.partial(ex.op_target, "tanh", [(2, 3)]))
    assert len(rows) == 2 * 2 * len(ex.EPS_DECADES)
    err = {(r.dtype, r.method, r.eps): r.error for r in rows}
    best = {(r.dtype, r.method): r.eps for r in rows if r.best}
    c64 = {eps: err[("float64", "central", eps)] for eps in ex.EPS_DECADES}
    assert c64[1e-5] < 1e-4 * c64[1e-1] and c64[1e-5] < 1e-4 * c64[1e-12]
    assert err[("float64", "forward", 1e-5)] > 100 * c64[1e-5]  # O(eps) vs O(eps^2)
    for method in ("forward", "central"):
        assert best[("float32", method)] > best[("float64", method)]
    assert 1e-7 <= best[("float64", "central")] <= 1e-4
    assert 1e-3 <= best[("float32", "central")] <= 1e-1

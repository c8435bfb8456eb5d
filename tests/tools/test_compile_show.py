"""``tinygrad-edu compile --show article NNN`` and the line matching behind it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu.tools import cli
from tinygrad_edu.tools.compile_show import ARTICLES, ShowError, show
from tinygrad_edu.tools.program_parts import Program, parts, ranges

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ("backward(", "apply(", "Tensor", "tinygrad_edu", "_ctx")
@pytest.mark.parametrize("article", list(ARTICLES))
def test_the_command_prints_every_gradient_line_and_matches_every_formula(capsys, article):
    code = cli.main(["compile", "--show", "article", article])
    out, _ = capsys.readouterr()
    assert code == 0
    program, formulas = out.split("the article's formulas -> program lines")
    for l in range(1, len(ARTICLES[article].sizes)):
        assert f"d_fc{l}_weight = " in program and f"d_fc{l}_bias = " in program
    assert "(not in the program)" not in formulas
    for f in ARTICLES[article].formulas:
        assert f.text in formulas


@pytest.mark.parametrize("article", list(ARTICLES))
def test_the_program_has_no_engine_call(article):
    source = show(article, batch=2).source
    assert [word for word in ENGINE if word in source] == []


@pytest.mark.parametrize("article", list(ARTICLES))
def test_each_layer_s_parts_hold_its_own_lines(article):
    """z_l holds the line adding fc_l.bias, dW_l / db_l the lines assigning d_fc_l_weight /
    d_fc_l_bias, the update the in-place writes of the parameters."""
    shown = show(article, batch=2)
    lines = shown.source.split("\n")

    def text(part):
        return [lines[k - 1].strip() for k in shown.parts.get(part, [])]
    for l in range(1, len(ARTICLES[article].sizes)):
        assert any(f"fc{l}_bias" in line for line in text(("z", l)))
        assert any(line.startswith(f"d_fc{l}_weight = ") for line in text(("dW", l)))
        assert any(line.startswith(f"d_fc{l}_bias = ") for line in text(("db", l)))
        assert text(("delta", l))
        if ARTICLES[article].lr is not None:
            assert any(f"fc{l}_weight" in line for line in text(("update",)))
    assert (("update",) in shown.parts) == (ARTICLES[article].lr is not None)


@pytest.mark.parametrize("article", ["001", "004"])
def test_float32(article):
    source = show(article, dtype="float32", batch=2).source
    n_in, n_out = ARTICLES[article].sizes[:2]
    assert f"fc1_weight: ({n_out}, {n_in}) float32" in source and "float64" not in source


def test_a_bad_article_is_a_usage_error(capsys):
    assert cli.main(["compile", "--show", "article", "007"]) == 2
    _, err = capsys.readouterr()
    assert "invalid choice: '007'" in err and "'000'" in err
    with pytest.raises(ShowError, match="unknown article '7'"):
        show("7")
    with pytest.raises(ShowError, match="dtype must be float32 or float64, got int64"):
        show("001", dtype="int64")


def test_show_is_required_and_batch_is_positive(capsys):
    assert cli.main(["compile", "article", "001"]) == 2
    assert cli.main(["compile", "--show", "article", "001", "--batch", "0"]) == 2
    _, err = capsys.readouterr()
    assert "--show" in err
    assert "error: compile --show: the batch must have at least 1 sample, got 0" in err


def test_python_dash_m():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "tinygrad_edu", "compile", "--show", "article",
                          "002"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("article 002: 784-32-10")


# ---------------------------------------------------------------------------- line matching
STEP = """\
def step(x, y, lr):
    global fc1_bias, fc1_weight
    linear1 = fc1_weight.T
    linear2 = np.matmul(x, linear1, out=buf0)
    linear3 = np.add(linear2, fc1_bias, out=buf1)
    act = np.maximum(linear3, 0, out=buf2)
    t1 = np.isinf(act, out=buf3)
    if t1.any(): raise GuardFailed('x')
    diff = np.subtract(act, y, out=buf0)
    result = (diff * diff).sum()
    d_act = np.multiply(diff, act > 0, out=buf1)
    d_fc1_weight = d_act.T @ x
    d_fc1_bias = np.add.reduce(d_act, axis=0)
    np.multiply(d_fc1_weight, lr, out=fc1_weight_scratch)
    fc1_weight -= fc1_weight_scratch
    np.multiply(d_fc1_bias, lr, out=fc1_bias_scratch)
    fc1_bias -= fc1_bias_scratch
    return (d_fc1_weight, d_fc1_bias, result)
"""


def test_parts_of_a_hand_written_step():
    found = parts(STEP, [("fc1_weight", "fc1_bias")])
    assert found == {("z", 1): [3, 4, 5], ("loss",): [6, 9, 10], ("delta", 1): [11],
                     ("dW", 1): [12], ("db", 1): [13], ("update",): [14, 15, 16, 17],
                     ("guard",): [7, 8]}


def test_a_reused_buffer_depends_on_its_last_writer():
    """``diff`` reuses buf0 (linear2's); ``np.exp(.., out=diff)`` rewrites it in place: a
    later reader of ``diff`` depends on the exp line, and linear2's readers on linear2."""
    prog = Program("def f(x, w):\n"
                   "    a = np.matmul(x, w, out=buf0)\n"
                   "    b = np.add(a, 1, out=buf1)\n"
                   "    diff = np.subtract(b, x, out=buf0)\n"
                   "    np.exp(diff, out=diff)\n"
                   "    c = diff.T\n"
                   "    result = c.sum()\n"
                   "    return (result,)\n")
    deps = [sorted(line.deps) for line in prog.lines]
    assert deps == [[], [0], [1], [2], [2, 3], [3, 4]]
    assert prog.closure([5]) == {0, 1, 2, 3, 4, 5}
    assert prog.closure([1]) == {0, 1}


def test_ranges():
    assert ranges([9, 3, 4, 5, 11, 12]) == "3-5, 9, 11-12"
    assert ranges([]) == ""

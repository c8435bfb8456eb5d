"""``tinygrad-edu``: tables, exit codes, the eps-sweep picture, the graph command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu.tools import cli

HERE = Path(__file__).resolve().parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_gradcheck_op_prints_a_table_and_exits_0(capsys):
    code, out, _ = run(capsys, "gradcheck", "op", "log", "--shape", "2,3")
    assert code == 0
    assert "gradcheck op log: inputs (2, 3), float64" in out
    assert "central differences" in out and "forward differences" in out
    assert "result: autograd agrees with central differences (exit 0)" in out


def test_op_keyword_arguments(capsys):
    code, out, _ = run(capsys, "gradcheck", "op", "sum", "--shape", "2,3,4", "--kw", "axis=1",
                       "--kw", "keepdims=True")
    assert code == 0 and "axis=1, keepdims=True" in out


def test_a_wrong_backward_exits_1_naming_input_and_element(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    code, out, _ = run(capsys, "gradcheck", "op", "badops:BadMul", "--shape", "3,4")
    assert code == 1
    assert "FAIL: central differences differs from autograd in b: 1/144 entries" in out
    assert "worst d out[1, 2] / d b[1, 2]" in out
    # the user's op is wrong, not the framework
    assert "your op's backward is WRONG" in out and "bug in the framework" not in out


def test_gradgradcheck_catches_a_wrong_double_backward(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    assert run(capsys, "gradcheck", "op", "badops:FrozenSquare", "--shape", "2")[0] == 0
    code, out, _ = run(capsys, "gradgradcheck", "op", "badops:FrozenSquare", "--shape", "2")
    assert code == 1 and "(second order)" in out and "d grad a[" in out


def test_article_formula_differences_are_findings_not_failures(capsys):
    code, out, _ = run(capsys, "gradcheck", "article", "003", "--sizes", "5,4,3",
                       "--batch", "4", "--lambda", "0.1")
    assert code == 0
    assert "article formula differs" in out
    assert "article code differs from autograd in fc1.bias = theta_0[0]: 4/4 entries" in out
    assert "other = autograd + 0.025 x parameter" in out          # lambda / m
    assert "other = autograd - 0.225 x parameter" in out          # (lambda - 1) / m
    assert "forward: autograd cost" in out and "(equal)" in out
    code, out, _ = run(capsys, "gradcheck", "article", "003", "--sizes", "5,4,3", "--strict")
    assert code == 1 and "because of --strict" in out
    code, out, _ = run(capsys, "gradcheck", "article", "004", "--sizes", "4,3,1", "--strict")
    assert code == 0 and "article formula differs" not in out


def test_gradgradcheck_article(capsys):
    code, out, _ = run(capsys, "gradgradcheck", "article", "002", "--sizes", "4,3,3",
                       "--batch", "2")
    assert code == 0 and "article 002 (second order)" in out and "\nv " in out


def test_usage_errors_exit_2_and_help_exits_0(capsys):
    assert run(capsys, "gradcheck", "op", "frobnicate")[0] == 2
    code, _, err = run(capsys, "gradcheck", "op", "argmax")
    assert code == 2 and "not differentiable" in err
    assert run(capsys, "gradcheck", "article", "009")[0] == 2
    assert run(capsys, "gradcheck", "op", "log", "--shape", "a,b")[0] == 2
    for bad in (["--shape", "0,3"], ["--eps", "0"], ["--eps", "-1e-6"], ["--atol", "-1"],
                ["--rtol", "nan"]):
        code, _, err = run(capsys, "gradcheck", "op", "log", *bad)
        assert code == 2 and f"argument {bad[0]}" in err
    assert run(capsys, "frobnicate")[0] == 2
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "eps-sweep" in out and "gradgradcheck" in out
    code, out, _ = run(capsys, "gradcheck", "op", "--help")
    assert code == 0 and "softmax" in out  # the list of ops


def test_an_error_inside_an_op_shows_its_traceback(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    with pytest.raises(AttributeError, match="no_such_attribute"):
        cli.main(["gradcheck", "op", "badops:CrashingBackward", "--shape", "3"])


def test_float32_differences_are_round_off_not_a_verdict(capsys):
    code, out, _ = run(capsys, "gradcheck", "op", "log", "--dtype", "float32")
    assert code == 0 and "round-off? (not float64)" in out and "FAIL" not in out
    assert "result: no verdict: central differences in low precision" in out


def test_eps_sweep_prints_the_table_and_writes_a_png(capsys, tmp_path):
    code, out, _ = run(capsys, "eps-sweep", "op", "tanh", "--shape", "2,2",
                       "--out", str(tmp_path))
    assert code == 0
    assert "float32 forward  float32 central  float64 forward  float64 central" in out
    assert out.count(" *") >= 4  # one best eps per curve
    png = tmp_path / "eps_sweep_op_tanh.png"
    assert png.read_bytes()[:8] == PNG_SIGNATURE


def test_eps_sweep_defaults_to_tanh_and_works_without_matplotlib(capsys, tmp_path,
                                                                  monkeypatch):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    code, out, _ = run(capsys, "eps-sweep", "--out", str(tmp_path))
    assert code == 0 and "eps-sweep op tanh" in out
    assert "matplotlib is not installed" in out and not list(tmp_path.iterdir())


def test_graph_command(capsys, tmp_path):
    code, out, _ = run(capsys, "graph", "op", "mul", "--shape", "2,2")
    assert code == 0 and out.startswith("digraph") and '"Mul"' in out and "grad [" in out
    dot = tmp_path / "g.dot"
    assert run(capsys, "graph", "article", "001", "--sizes", "3,2,2", "--out", str(dot))[0] == 0
    assert "fc1.weight" in dot.read_text()


def test_graph_command_writes_the_explorer(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "graph", "article", "004", "--html")
    page = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert code == 0 and "wrote graph.html" in out
    assert page.startswith("<!DOCTYPE html>") and "tinygrad-edu graph: article 004" in page
    assert '"fc1.weight"' in page and '"steps":[{' in page
    code, _, _ = run(capsys, "graph", "op", "mul", "--shape", "2,3", "--out", "sub/m.html")
    page = (tmp_path / "sub" / "m.html").read_text(encoding="utf-8")
    assert code == 0 and '"op":"Mul"' in page and '"steps":[{' in page  # seeded with ones


def test_module_entry_point_in_a_subprocess():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu.tools.cli", "gradcheck", "op",
                           "badops:BadMul", "--shape", "3,4"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "d out[1, 2] / d b[1, 2]" in done.stdout


@pytest.mark.skipif(not (Path(sys.executable).parent / "tinygrad-edu").exists(),
                    reason="console script not installed (pip install -e .)")
def test_console_script(tmp_path):
    exe = Path(sys.executable).parent / "tinygrad-edu"
    done = subprocess.run([str(exe), "gradcheck", "op", "exp", "--shape", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "op exp" in done.stdout
    # the documented "module:Function" of a file in the current folder, as python -m finds it
    (tmp_path / "mymodule.py").write_text((HERE / "badops.py").read_text())
    done = subprocess.run([str(exe), "gradcheck", "op", "mymodule:BadMul", "--shape", "3,4"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1 and "d out[1, 2] / d b[1, 2]" in done.stdout, done.stderr


def test_version_flag_prints_the_package_version(capsys):
    import tinygrad_edu

    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"tinygrad-edu {tinygrad_edu.__version__}"


def test_python_dash_m_runs_the_same_command_line():
    root = HERE.parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    res = subprocess.run([sys.executable, "-m", "tinygrad_edu", "gradcheck", "op", "tanh",
                          "--shape", "2"], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "gradcheck op tanh" in res.stdout


@pytest.mark.parametrize("argv", [
    ["op", "matmul", "--shape", "2,3"],               # one shape, two inputs that differ
    ["op", "sum", "--shape", "2,3", "--kw", "axis=5"],
    ["op", "tanh", "--shape", "2,3", "--kw", "foo=1"],
    ["op", "math:sqrt", "--shape", "3"],              # not a function of Tensors
], ids=["matmul-one-shape", "axis-out-of-range", "unknown-keyword", "math-sqrt"])
def test_inputs_an_op_cannot_take_are_one_line_usage_errors(capsys, argv):
    code, out, err = run(capsys, "gradcheck", *argv)
    assert code == 2 and out == ""
    assert err.startswith("tinygrad-edu: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_forward_differences_far_beyond_eps_are_not_called_inexact(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    # BadMul's wrong entry is off by 0.5: forward differences there are not an O(eps) error
    code, out, _ = run(capsys, "gradcheck", "op", "badops:BadMul", "--shape", "3,4")
    assert code == 1
    rows = [line for line in out.splitlines() if "forward differences" in line]
    assert any("DIFFERS (far beyond O(eps))" in line for line in rows)
    assert not any("inexact (O(eps))" in line and "5.0e-01" in line for line in rows)

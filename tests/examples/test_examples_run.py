"""Every article example runs in-process with tiny settings: the loss falls and the PNGs are
written.  Real data when ``TINYGRAD_EDU_DATA`` holds it, else the examples' ``--synthetic``
stand-ins of the right shape."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from .conftest import EXAMPLES, assert_pngs, data_flags, real_data_available

NAMES = ["semeion_000", "digits_001", "mnist_002", "ng_003", "catvnoncat_004"]


def run(example, name, tmp_path, *flags):
    return example(name).main(["--tiny", "--quiet", "--out", str(tmp_path), *data_flags(name),
                               *flags])


@pytest.mark.parametrize("name", NAMES)
def test_article_recipe_runs_loss_falls_and_plots_are_written(example, name, tmp_path, capsys):
    result = run(example, name, tmp_path)
    costs = result["history"]["train cost"]
    assert all(math.isfinite(c) for c in costs)
    assert costs[-1] < costs[0]
    assert 0.0 <= result["test_accuracy"] <= 1.0
    assert result["seconds"] > 0
    assert_pngs(tmp_path)
    out = capsys.readouterr().out
    assert ("SYNTHETIC" in out) != real_data_available(name)


@pytest.mark.parametrize("name", NAMES)
def test_improved_runs_and_its_loss_falls(example, name, tmp_path):
    result = run(example, name, tmp_path, "--improved", "--no-plots")
    costs = result["history"]["train cost"]
    assert costs[-1] < 0.9 * costs[0]
    assert not list(Path(tmp_path).glob("*.png"))


@pytest.mark.parametrize("name", NAMES)
def test_script_shape_docstring_flags_and_public_imports(example, name):
    """Examples are documentation: a module docstring with the article, the reproduction,
    the mistakes and --improved; the shared flags; only the public API imported."""
    module = example(name)
    doc = module.__doc__
    for section in ("What the article did", "What we reproduce", "mistake",
                    "What ``--improved`` changes"):
        assert section in doc, f"{name}: docstring lacks {section!r}"
    args = module.parse_args([])
    for flag in ("epochs", "seed", "data_dir", "out", "improved", "tiny", "synthetic"):
        assert hasattr(args, flag)
    # a learning rate where there is one: article 003's SciPy optimisers choose their steps
    assert hasattr(args, "lr") == (name != "ng_003")
    for bad in (["--seeds", "0"], ["--epochs", "-2"]):
        with pytest.raises(SystemExit):
            module.parse_args(bad)
    assert args.out is None and args.example == name  # runs/NAME/<mode>, chosen when run
    tree = ast.parse((EXAMPLES / f"{name}.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    allowed = {"__future__", "_common", "numpy", "tinygrad_edu", "tinygrad_edu.data",
               "argparse", "time"}
    assert imported <= allowed, f"{name} imports {imported - allowed}"


@pytest.mark.parametrize("name", ["semeion_000", "mnist_002", "catvnoncat_004"])
def test_missing_data_gives_the_loaders_error_not_fake_data(example, name, tmp_path,
                                                            monkeypatch):
    from tinygrad_edu.data import DataFileNotFoundError
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataFileNotFoundError):
        example(name).main(["--tiny", "--quiet", "--data-dir", str(tmp_path / "empty"),
                            "--out", str(tmp_path / "out")])


def test_cli_turns_a_missing_file_into_a_message(example, tmp_path, monkeypatch, capsys):
    import _common
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    main = example("semeion_000").main
    with pytest.raises(SystemExit) as exit_info:
        _common.cli(lambda: main(["--data-dir", str(tmp_path), "--out", str(tmp_path)]))
    message = str(exit_info.value.code)
    assert "semeion.data" in message and "--download" in message


def test_seeds_mode_runs_each_seed_and_summarises(example, tmp_path, capsys):
    result = example("digits_001").main(["--tiny", "--quiet", "--seeds", "2", "--no-plots",
                                         "--epochs", "1", "--out", str(tmp_path),
                                         *data_flags("digits_001")])
    assert len(result["runs"]) == 2
    assert "±" in result["summary"]["test_accuracy"]
    assert "2 seeds (1..2)" in capsys.readouterr().out


def test_same_seed_same_numbers(example, tmp_path):
    flags = ["--no-plots", "--epochs", "1"]
    a = run(example, "digits_001", tmp_path, *flags)
    b = run(example, "digits_001", tmp_path, *flags)
    assert a["history"] == b["history"]


def test_exercise_flags_any_depth_dropout_momentum_nesterov_l2_tanh(example, tmp_path):
    result = run(example, "digits_001", tmp_path, "--hidden", "32,16,8", "--activation",
                 "tanh", "--dropout", "0.2", "--momentum", "0.9", "--nesterov", "--l2", "0.1",
                 "--batch-size", "16", "--shuffle", "--no-plots")
    costs = result["history"]["train cost"]
    assert costs[-1] < costs[0]


def test_results_table(example, tmp_path):
    text = example("results").main(["--only", "digits_001", "catvnoncat_004", "--seeds", "2",
                                     "--tiny", "--out", str(tmp_path)]
                                    + ["--synthetic"] * (not real_data_available(
                                        "catvnoncat_004")))
    lines = text.splitlines()
    assert lines[0].startswith("| article | network | data | article's figure |")
    rows = [line for line in lines if line.startswith("| digits_001") or
            line.startswith("| catvnoncat_004")]
    assert len(rows) == 2 and all("±" in row for row in rows)
    assert (Path(tmp_path) / "results.md").read_text() == text
    assert np.all([(Path(tmp_path) / f"{n}.log").is_file() for n in ("digits_001",
                                                                     "catvnoncat_004")])


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_flag_limits_every_blas_scipys_included(example, tmp_path, capsys, threads):
    """--threads reaches NumPy's and SciPy's OpenBLAS alike, and the header says so."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    pytest.importorskip("scipy")
    run(example, "semeion_000", tmp_path, "--no-plots", "--threads", str(threads))
    blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert any("/scipy" in i["filepath"] for i in blas)  # SciPy's own OpenBLAS too
    assert {i["num_threads"] for i in blas} == {threads}
    assert f"BLAS threads: {threads} (" in capsys.readouterr().out
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")  # leave the default behind


def test_each_mode_has_its_own_folder_and_no_plots_leaves_none(example, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = example("digits_001")
    module.main(["--tiny", "--quiet", "--no-plots", *data_flags("digits_001")])
    assert not (tmp_path / "runs").exists()  # nothing written, nothing created
    module.main(["--tiny", "--quiet", *data_flags("digits_001")])
    module.main(["--tiny", "--quiet", "--improved", *data_flags("digits_001")])
    assert_pngs(tmp_path / "runs" / "digits_001" / "article")
    assert_pngs(tmp_path / "runs" / "digits_001" / "improved")


def test_plot_titles_say_mode_seed_and_data(example, tmp_path, monkeypatch):
    common = example("_common")
    titles = []
    monkeypatch.setattr(common.plots, "save_curves",
                        lambda path, *a, title="", **k: titles.append(title) or path)
    monkeypatch.setattr(common.plots, "save_image_grid",
                        lambda path, *a, title="", **k: titles.append(title) or path)
    run(example, "digits_001", tmp_path, "--improved", "--seed", "7")
    assert len(titles) == 3
    for title in titles:
        assert title.startswith("digits_001 (improved, seed 7, ") and "digits" in title[11:]


@pytest.mark.parametrize("flags", [["--lr", "-1"], ["--lr", "0"], ["--out", "FILE/sub"]],
                         ids=["lr-negative", "lr-zero", "out-under-a-file"])
def test_bad_lr_and_unwritable_out_are_usage_errors(example, tmp_path, monkeypatch, capsys,
                                                    flags):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("a file, not a folder")
    with pytest.raises(SystemExit) as exc:
        example("digits_001").main(["--tiny", *flags])
    assert exc.value.code == 2
    assert "error: argument" in capsys.readouterr().err


def test_missing_data_names_the_file_and_the_download_flag(tmp_path):
    import subprocess
    import sys

    res = subprocess.run([sys.executable, str(EXAMPLES / "semeion_000.py"), "--data-dir",
                          str(tmp_path), "--no-plots", "--quiet"],
                         capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ,
                              "PYTHONPATH": str(EXAMPLES.parent)})
    assert res.returncode == 1
    assert f"missing data file {tmp_path / 'semeion' / 'semeion.data'}" in res.stderr
    assert "--download" in res.stderr and "download=True" not in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("name", NAMES)
def test_help_explains_every_flag_and_states_each_default_once(example, name, monkeypatch,
                                                                capsys):
    import argparse

    parsers = []
    real = argparse.ArgumentParser.parse_args
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args",
                        lambda self, *a, **k: parsers.append(self) or real(self, *a, **k))
    example(name).parse_args([])
    (parser,) = parsers
    for action in parser._actions:
        assert action.help, f"{name}: {action.option_strings} has no help text"
    text = parser.format_help()
    assert "(default: None)" not in text and "(default: False)" not in text
    for action in parser._actions:
        shown = parser._get_formatter()._expand_help(action) if action.help else ""
        assert shown.count("default") <= 1, f"{name} {action.option_strings}: {shown!r}"


def test_headers_show_only_the_settings_a_run_has(example, tmp_path, capsys):
    run(example, "digits_001", tmp_path, "--no-plots")
    header = next(line for line in capsys.readouterr().out.splitlines()
                  if line.startswith("model:"))
    assert "momentum" not in header and "lambda" not in header and "dropout" not in header
    run(example, "digits_001", tmp_path, "--no-plots", "--momentum", "0.9", "--nesterov",
        "--l2", "0.01")
    header = next(line for line in capsys.readouterr().out.splitlines()
                  if line.startswith("model:"))
    assert "L2 lambda=0.01" in header and "momentum 0.9 (Nesterov)" in header

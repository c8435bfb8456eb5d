"""The examples' training steps go through ``tg.compile``; ``--no-compile`` runs the same
step eagerly, and the two runs give the same numbers (the compiled step is checked bit for
bit against eager, so every cost and accuracy is equal, not close)."""

from __future__ import annotations

import pytest

import tinygrad_edu as tg

from .conftest import data_flags

# (example, flags): the fastest mode of each, and the variants that exercise what a
# compiled step must follow: a smaller last batch (a second program), momentum, dropout
# masks drawn afresh at every replay, and a learning rate that changes every step (the
# program's argument)
RUNS = [
    ("semeion_000", []),
    ("digits_001", []),
    ("digits_001", ["--improved"]),
    ("digits_001", ["--dropout", "0.2", "--l2", "0.1"]),
    ("mnist_002", ["--schedule", "cosine", "--momentum", "0.9"]),
    ("catvnoncat_004", []),
    ("cnn_mnist", []),
    ("cnn_catvnoncat", []),
]


def _run(example, name, flags, tmp_path, *more):
    return example(name).main(["--tiny", "--quiet", "--no-plots", "--out", str(tmp_path),
                               *data_flags(name), *flags, *more])


@pytest.mark.parametrize(("name", "flags"), RUNS,
                         ids=[" ".join([n, *f]) for n, f in RUNS])
def test_no_compile_gives_the_compiled_runs_numbers(example, name, flags, tmp_path,
                                                    monkeypatch, capsys):
    made, compile_ = [], tg.compile

    def spy(fn, **kwargs):
        made.append(compile_(fn, **kwargs))
        return made[-1]

    monkeypatch.setattr(tg, "compile", spy)
    compiled = _run(example, name, flags, tmp_path)
    assert "training step: compiled with tg.compile" in capsys.readouterr().out
    # the compiled run really replayed a checked program (not eager calls all along)
    assert len(made) == 1 and "replaying" in made[0].explain()
    eager = _run(example, name, flags, tmp_path, "--no-compile")
    assert "training step: eager (--no-compile)" in capsys.readouterr().out
    assert len(made) == 1
    assert compiled["history"] == eager["history"]
    for key in ("test_accuracy", "train_accuracy", "final_cost"):
        assert compiled[key] == eager[key], key


def test_ng_003_has_no_compile_flag(example):
    """SciPy's minimize drives article 003's loop (cost and gradient inside the library's
    bridge): there is no training step of the example's own to compile."""
    with pytest.raises(SystemExit):
        example("ng_003").parse_args(["--no-compile"])
    assert "tg.compile" in example("ng_003").__doc__


@pytest.mark.parametrize("name", [n for n, _ in RUNS])
def test_header_says_it_compiles_and_what_it_measured(example, name):
    doc = example(name).__doc__
    assert "tg.compile" in doc and "--no-compile" in doc

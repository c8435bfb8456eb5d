"""The CNN examples (not articles: cnn_mnist, cnn_catvnoncat) run in-process with --quick:
the loss falls, the five PNGs are written.  Real data when ``TINYGRAD_EDU_DATA`` holds it,
else their ``--synthetic`` stand-ins."""

from __future__ import annotations

import math

import pytest

from .conftest import assert_pngs, data_flags, real_data_available

PNGS = ("cost.png", "accuracy.png", "predictions.png", "filters.png", "confusion.png")


@pytest.mark.parametrize("name", ["cnn_mnist", "cnn_catvnoncat"])
def test_quick_run_learns_and_writes_its_plots(example, name, tmp_path, capsys):
    result = example(name).main(["--quick", "--quiet", "--out", str(tmp_path),
                                 *data_flags(name)])
    costs = result["history"]["train cost"]
    assert all(math.isfinite(c) for c in costs)
    assert costs[-1] < costs[0]
    assert 0.0 <= result["test_accuracy"] <= 1.0
    assert_pngs(tmp_path, PNGS)
    out = capsys.readouterr().out
    assert ("SYNTHETIC" in out) != real_data_available(name)
    if name == "cnn_catvnoncat":
        assert "12288-20-7-5-1 MLP: test accuracy 0.732" in out


def test_catvnoncat_cnn_refuses_improved(example):
    with pytest.raises(SystemExit):
        example("cnn_catvnoncat").parse_args(["--improved"])
    args = example("cnn_mnist").parse_args(["--improved"])
    assert args.mode_label == "LeNet-5 + BatchNorm2d" and args.out.endswith("batchnorm")

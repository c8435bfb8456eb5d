"""tinygrad_edu.tools.plots and tinygrad_edu.tools.progress."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.tools import plots
from tinygrad_edu.tools.progress import PlainProgress, progress

from .conftest import PNG_SIGNATURE


def test_save_curves_writes_a_png_and_makes_the_folder(tmp_path):
    path = plots.save_curves(tmp_path / "a" / "cost.png", {"train": [3, 2, 1], "test": [3, 2.5]},
                             x={"train": [0, 1, 2], "test": [0, 2]}, title="t", logy=True,
                             hline=0.69, hline_label="ln 2")
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_save_curves_errors(tmp_path):
    with pytest.raises(ValueError, match="no series"):
        plots.save_curves(tmp_path / "x.png", {})
    with pytest.raises(ValueError, match="x values"):
        plots.save_curves(tmp_path / "x.png", {"a": [1, 2]}, x=[0, 1, 2])


@pytest.mark.parametrize("shape,image_shape", [((5, 8, 8), None), ((5, 64), (8, 8)),
                                               ((5, 4, 4, 3), None)])
def test_save_image_grid_grey_flat_colour(tmp_path, shape, image_shape):
    images = np.random.default_rng(0).random(shape) * 255
    path = plots.save_image_grid(tmp_path / "g.png", images, [0, 1, 1, 0, 1], [0, 1, 0, 0, 1],
                                 image_shape=image_shape, class_names=["no", "yes"], ncols=3,
                                 title="grid")
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_save_image_grid_takes_tensors_and_checks_lengths(tmp_path):
    images = tg.Tensor(np.zeros((3, 4, 4)))
    plots.save_image_grid(tmp_path / "g.png", images, tg.Tensor(np.array([1, 2, 3])), [1, 2, 3])
    with pytest.raises(ValueError, match="3 images but 2 predicted"):
        plots.save_image_grid(tmp_path / "g.png", images, [1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="image_shape"):
        plots.save_image_grid(tmp_path / "g.png", np.zeros((3, 16)), [1, 2, 3], [1, 2, 3])


def test_plots_without_matplotlib_say_what_to_install(tmp_path, monkeypatch):
    for mod in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert not plots.have_matplotlib()
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plots.save_curves(tmp_path / "c.png", {"a": [1, 2]})


def test_plain_progress_prints_about_every_tenth_when_not_a_terminal():
    buf = io.StringIO()
    bar = progress(range(100), desc="train", backend="plain", file=buf)
    assert isinstance(bar, PlainProgress)
    for i in bar:
        bar.set_postfix(loss=1.0 / (i + 1))
    lines = buf.getvalue().splitlines()
    assert 9 <= len(lines) <= 11
    assert lines[-1].startswith("train: 100%|") and "100/100" in lines[-1]
    assert "loss=0.01" in lines[-1]


def test_plain_progress_manual_updates_unknown_total_and_disable():
    buf = io.StringIO()
    with PlainProgress(total=None, desc="x", file=buf) as bar:
        bar.update(3)
    assert "x: 3it" in buf.getvalue()
    quiet = io.StringIO()
    for _ in progress(range(5), backend="plain", file=quiet, disable=True):
        pass
    assert quiet.getvalue() == ""


def test_progress_uses_tqdm_when_installed_and_the_env_can_force_plain(monkeypatch):
    pytest.importorskip("tqdm")
    bar = progress(range(2), file=io.StringIO())
    assert type(bar).__module__.startswith("tqdm")
    bar.close()
    monkeypatch.setenv("TINYGRAD_EDU_PROGRESS", "plain")
    assert isinstance(progress(range(2), file=io.StringIO()), PlainProgress)


def test_progress_without_tqdm_falls_back_or_explains(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert isinstance(progress(range(2), file=io.StringIO()), PlainProgress)
    with pytest.raises(ImportError, match="pip install tqdm"):
        progress(range(2), backend="tqdm")
    with pytest.raises(ValueError, match="backend"):
        progress(range(2), backend="rich")


def test_plain_progress_write_goes_to_stdout_even_when_disabled(capsys):
    bar = progress(range(3), backend="plain", disable=True)
    bar.write("epoch 1: 0.5")
    captured = capsys.readouterr()
    assert captured.out == "epoch 1: 0.5\n" and captured.err == ""


def test_save_filters_and_confusion_write_pngs(tmp_path):
    w = tg.randn(6, 3, 5, 5)
    assert plots.save_filters(tmp_path / "f.png", w, title="filters").read_bytes()[:8] \
        == PNG_SIGNATURE
    path = plots.save_confusion(tmp_path / "c.png", [0, 2, 1, 1], np.array([0, 1, 1, 2]),
                                title="confusion")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with pytest.raises(ValueError, match=r"\(O, C, kH, kW\)"):
        plots.save_filters(tmp_path / "x.png", np.zeros((6, 5, 5)))
    with pytest.raises(ValueError, match="as many"):
        plots.save_confusion(tmp_path / "x.png", [0, 1], [0])

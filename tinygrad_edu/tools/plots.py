"""PNG pictures of a training run: curves (cost, accuracy) and a grid of labelled images.

matplotlib is an optional dependency (``pip install 'tinygrad_edu[examples]'``); without it
every function here raises an ``ImportError`` that says so.  The figures are drawn with
matplotlib's Agg canvas directly (no ``pyplot``): nothing opens a window, the global
backend is left alone, and the functions are safe to call from tests and from threads.

``save_curves(path, {"train": costs}, ...)``
    one line per named series, against the step number (or given ``x`` values).
``save_image_grid(path, images, predicted, true, ...)``
    a grid of images, each titled "pred / true", wrong predictions in red.
``save_filters(path, weight, ...)``
    a convolution's kernels (O, C, kH, kW) as a grid of small pictures, one per filter.
``save_confusion(path, predicted, true, ...)``
    the confusion matrix: counts of (true, predicted) pairs, the diagonal being right.

Both return the ``pathlib.Path`` written, creating its folder if needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["have_matplotlib", "save_confusion", "save_curves", "save_filters",
           "save_image_grid"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def have_matplotlib() -> bool:
    """Whether matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(width: float, height: float) -> Any:
    """A matplotlib Figure attached to an Agg canvas (no pyplot, no window)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "tinygrad_edu.tools.plots needs matplotlib, which is not installed; install it "
            "with `pip install matplotlib` (or `pip install 'tinygrad_edu[examples]'`)"
        ) from None
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _as_array(values: Any) -> np.ndarray:
    """NumPy array of a list, an ndarray or a Tensor-like (anything with ``.data``)."""
    data = getattr(values, "data", values)
    return np.asarray(data if isinstance(data, np.ndarray) else values)


def save_curves(path: str | Path, series: Mapping[str, Sequence[float]], *,
                title: str = "", xlabel: str = "step", ylabel: str = "",
                x: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
                logy: bool = False, hline: float | None = None,
                hline_label: str | None = None) -> Path:
    """Plot each named series as a line and write a PNG.

    ``x``: the x values, shared by all series (a sequence) or per series (a mapping);
    default 0, 1, 2, ....  ``logy`` uses a log y axis (for costs spanning decades).
    ``hline`` draws a dashed horizontal reference line (e.g. ln 2 for a binary cost, or
    the article's reported accuracy) labelled ``hline_label``.
    """
    if not series:
        raise ValueError("save_curves: no series to plot")
    fig = _figure(6.4, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    for name, values in series.items():
        y = np.asarray(values, dtype=float)
        if isinstance(x, Mapping):
            xs = np.asarray(x[name], dtype=float)
        elif x is not None:
            xs = np.asarray(x, dtype=float)
        else:
            xs = np.arange(len(y))
        if len(xs) != len(y):
            raise ValueError(f"save_curves: series {name!r} has {len(y)} values but "
                             f"{len(xs)} x values")
        ax.plot(xs, y, label=name, marker="o" if len(y) <= 30 else None, markersize=3)
    if hline is not None:
        ax.axhline(hline, color="grey", linestyle="--", linewidth=1, label=hline_label)
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if len(series) > 1 or hline_label:
        ax.legend()
    fig.tight_layout()
    return _save(fig, path)


def save_image_grid(path: str | Path, images: Any, predicted: Sequence[Any],
                    true: Sequence[Any], *, image_shape: tuple[int, ...] | None = None,
                    class_names: Sequence[str] | None = None, ncols: int = 8,
                    title: str = "", cmap: str = "gray") -> Path:
    """A grid of images titled "predicted / true" (red when they differ) written as a PNG.

    ``images``: (N, H, W) grey, (N, H, W, 3) colour, or flat (N, D) with ``image_shape``
    giving each image's shape (e.g. ``(16, 16)`` or ``(64, 64, 3)``).  Colour images with
    values above 1 are taken as 0..255.  ``predicted`` / ``true``: N labels (ints, or
    indices into ``class_names``).
    """
    imgs = _as_array(images)
    if image_shape is not None:
        imgs = imgs.reshape((imgs.shape[0], *image_shape))
    if imgs.ndim not in (3, 4):
        raise ValueError(f"save_image_grid: expected images of shape (N, H, W) or (N, H, W, 3) "
                         f"(or flat ones with image_shape=...), got {imgs.shape}")
    predicted, true = list(_as_array(predicted).ravel()), list(_as_array(true).ravel())
    n = len(imgs)
    if not (len(predicted) == len(true) == n):
        raise ValueError(f"save_image_grid: {n} images but {len(predicted)} predicted and "
                         f"{len(true)} true labels")
    if n == 0:
        raise ValueError("save_image_grid: no images")

    def name(label: Any) -> str:
        if class_names is not None:
            return str(class_names[int(label)])
        return str(int(label)) if float(label).is_integer() else f"{float(label):.2g}"

    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = _figure(1.25 * ncols, 1.45 * nrows + (0.4 if title else 0.0))
    for i in range(n):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        img = imgs[i].astype(float)
        if img.ndim == 3 and img.max() > 1.0:
            img = img / 255.0
        if img.ndim == 3:
            ax.imshow(np.clip(img, 0.0, 1.0), interpolation="nearest")
        else:
            ax.imshow(img, cmap=cmap, interpolation="nearest")
        right = name(predicted[i]) == name(true[i])
        ax.set_title(f"{name(predicted[i])} / {name(true[i])}", fontsize=8,
                     color="black" if right else "red")
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(f"{title}  (predicted / true)", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def save_filters(path: str | Path, weight: Any, *, title: str = "", ncols: int = 8) -> Path:
    """A convolution's kernels, weight (O, C, kH, kW), one picture per output channel: grey
    for C = 1 (the mean over channels otherwise), each on a symmetric colour scale around
    0 (blue negative, red positive)."""
    w = _as_array(weight).astype(float)
    if w.ndim != 4:
        raise ValueError(f"save_filters: expected a weight of shape (O, C, kH, kW), got "
                         f"{w.shape}")
    kernels = w.mean(axis=1)
    n = len(kernels)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = _figure(1.1 * ncols, 1.25 * nrows + (0.4 if title else 0.0))
    for i, k in enumerate(kernels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        scale = float(np.abs(k).max()) or 1.0
        ax.imshow(k, cmap="bwr", vmin=-scale, vmax=scale, interpolation="nearest")
        ax.set_title(f"filter {i}", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def save_confusion(path: str | Path, predicted: Sequence[Any], true: Sequence[Any], *,
                   class_names: Sequence[str] | None = None, title: str = "") -> Path:
    """The confusion matrix: entry (i, j) counts the samples of true class i predicted as
    j, written in each cell; classes 0..K-1 (K from ``class_names`` or the labels)."""
    p = _as_array(predicted).astype(np.int64).ravel()
    t = _as_array(true).astype(np.int64).ravel()
    if len(p) != len(t) or len(p) == 0:
        raise ValueError(f"save_confusion: {len(p)} predicted and {len(t)} true labels; "
                         f"expected as many, at least one")
    k = len(class_names) if class_names is not None else int(max(p.max(), t.max())) + 1
    counts = np.zeros((k, k), np.int64)
    np.add.at(counts, (t, p), 1)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    fig = _figure(max(4.5, 0.55 * k + 1.8), 0.55 * k + 1.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(counts, cmap="Blues", interpolation="nearest")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if counts[i, j] > counts.max() / 2 else "black")
    ax.set_xticks(range(k), names, fontsize=7)
    ax.set_yticks(range(k), names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return _save(fig, path)

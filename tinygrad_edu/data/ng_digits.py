"""Coursera's (Andrew Ng's) 5000 20x20 digits (article 003), and an MNIST stand-in.

Two on-disk forms are read, from the folder ``ng_digits_5000/`` under the data root:

* ``ex4data1.mat`` (Coursera's file, MAT v5), used when present: ``X`` (5000, 400) float64
  and ``y`` (5000, 1) with labels 1-9 and **10 for digit 0**;
* otherwise ``images.gz`` + ``labels.gz`` (the copies the article links): gzipped text with
  one image per line, values comma-separated and written ``%.18e``: ``images.gz`` has 400
  grey values per line, ``labels.gz`` 10 one-hot values per line whose columns are the
  digits **1, 2, ..., 9, 0** in that order.

Both are converted to digit labels 0-9.  The 400 pixels of an image are stored
**column-major** (MATLAB/Fortran order): display image ``i`` with
``X[i].reshape(20, 20, order="F")``.  The data come in blocks of 500 images per digit,
digit 0 first.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import numpy as np

from .errors import DataFormatError
from .formats import decode_one_hot, gunzip, parse_text_table
from .matfile import read_mat
from .resize import resize_area
from .sources import file_path, read_data_file

NG_IMAGES = "ng_digits_5000/images.gz"
NG_LABELS = "ng_digits_5000/labels.gz"
NG_MAT = "ng_digits_5000/ex4data1.mat"
LABEL_COLUMN_DIGITS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)  # digit of each column of labels.gz


def _parse_labels(raw: bytes, source: str) -> np.ndarray:
    table = parse_text_table(gunzip(raw, source), source, ncols=10, delimiter=",")
    columns = decode_one_hot(table, source, "label columns")
    return np.asarray(LABEL_COLUMN_DIGITS, dtype=np.int64)[columns]


def _parse_images(raw: bytes, source: str, rows: int) -> np.ndarray:
    table = parse_text_table(gunzip(raw, source), source, ncols=400, delimiter=",")
    if len(table) != rows:
        raise DataFormatError(f"{source}: {len(table)} images; expected {rows}, one per "
                              f"line of {NG_LABELS}")
    return table


def _numeric(value: np.ndarray | str, name: str, source: str) -> np.ndarray:
    if isinstance(value, str):
        raise DataFormatError(f"{source}: {name} is a MATLAB {value}; expected a numeric "
                              "matrix")
    return value


def _parse_mat(raw: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    mat = read_mat(raw, source)
    if "X" not in mat or "y" not in mat:
        raise DataFormatError(f"{source}: variables {sorted(mat)}; expected 'X' and 'y'")
    X, y = (_numeric(mat[name], name, source) for name in ("X", "y"))
    X = X.astype(np.float64)
    if X.ndim != 2 or X.shape[1] != 400 or y.shape not in ((len(X), 1), (len(X),)):
        raise DataFormatError(f"{source}: X has shape {X.shape} and y {y.shape}; expected "
                              "(N, 400) and (N, 1)")
    if not np.isfinite(X).all():
        raise DataFormatError(f"{source}: X holds NaN or infinite values")
    y = y.ravel()
    if not np.isin(y, np.arange(1, 11)).all():
        raise DataFormatError(f"{source}: y holds values {np.unique(y)}; expected 1-10 "
                              "(10 for digit 0)")
    return X, (y % 10).astype(np.int64)


def load_ng_digits(data_dir: str | os.PathLike[str] | None = None, download: bool = False,
                   mirror: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load the Coursera digits as ``(X, y)``.

    * ``X``: (5000, 400) float64 grey values as stored (not rescaled); pixels
      column-major, so ``X[i].reshape(20, 20, order="F")`` is image ``i``.
    * ``y``: (5000,) int64 digit labels 0-9 (converted from the files' encodings).

    Reads ``ng_digits_5000/ex4data1.mat`` if present (MAT v5, read with NumPy: see
    `matfile`), else ``images.gz`` and ``labels.gz`` (``download=True`` fetches them).
    ``images.gz`` has no published checksum: a download is checked by format only.  If no
    copy of the images can be had, `mnist_20x20_standin` builds a similar set from MNIST.
    """
    if file_path(NG_MAT, data_dir).is_file():
        return read_data_file(NG_MAT, _parse_mat, data_dir=data_dir)
    options: dict[str, Any] = {"data_dir": data_dir, "download": download, "mirror": mirror}
    y = read_data_file(NG_LABELS, _parse_labels, **options)
    X = read_data_file(NG_IMAGES, partial(_parse_images, rows=len(y)), **options)
    return X, y


def mnist_20x20_standin(images: np.ndarray, labels: np.ndarray, per_class: int = 500,
                        seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Build a stand-in for the Coursera digits from 28x28 MNIST images.

    Draws ``per_class`` images of each digit without replacement (seeded), shrinks them
    to 20x20 by area averaging (`resize_area`) and scales them to [0, 1].  Laid out like
    `load_ng_digits`: ``X`` (10 * per_class, 400) float64 with pixels **column-major**
    (``X[i].reshape(20, 20, order="F")``), ``y`` int64 digits in blocks, digit 0 first.
    ``images``: (N, 28, 28) uint8 as from `load_mnist`; ``labels``: (N,) digits 0-9.
    """
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise ValueError(f"mnist_20x20_standin: images {images.shape}, labels "
                         f"{labels.shape}; expected (N, 28, 28) and (N,)")
    rng = np.random.default_rng(seed)
    chosen = []
    for digit in range(10):
        pool = np.flatnonzero(labels == digit)
        if len(pool) < per_class:
            raise ValueError(f"mnist_20x20_standin: {len(pool)} images of digit {digit}; "
                             f"expected at least per_class={per_class}")
        chosen.append(np.sort(rng.choice(pool, per_class, replace=False)))
    index = np.concatenate(chosen)
    small = resize_area(images[index], 20, 20) / 255.0
    X = small.transpose(0, 2, 1).reshape(len(index), 400)  # column-major flattening
    return X, labels[index].astype(np.int64)

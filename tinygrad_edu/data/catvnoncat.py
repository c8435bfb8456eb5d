"""deeplearning.ai's cat / non-cat images (article 004), two HDF5 files.

``catvnoncat/train_catvnoncat.h5`` holds ``train_set_x`` (209, 64, 64, 3) uint8 RGB,
``train_set_y`` (209,) int and ``list_classes`` (2,) bytes ``[b'non-cat', b'cat']``;
``catvnoncat/test_catvnoncat.h5`` the same with ``test_set_*`` and 50 images.
Read with h5py from memory; nothing is ever unpickled.
"""

from __future__ import annotations

import io
import os
from functools import partial
from typing import Any

import numpy as np

from .errors import DataFormatError, require
from .sources import file_path, read_data_file

CAT_TRAIN = "catvnoncat/train_catvnoncat.h5"
CAT_TEST = "catvnoncat/test_catvnoncat.h5"


# what h5py raises on damaged files, besides its OSError for "not HDF5"
_H5_ERRORS = (OSError, RuntimeError, ValueError, TypeError, KeyError, IndexError, OverflowError)
MAX_EXPANSION = 1024  # a dataset may declare at most this many times the file's size


def _check_declared(x, y, classes, source: str, prefix: str, file_bytes: int) -> None:
    """Check the datasets' declared dtypes and shapes, before anything is read."""
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[1:] != (64, 64, 3):
        raise DataFormatError(f"{source}: {prefix}_set_x is {x.dtype} {x.shape}; expected "
                              "uint8 (N, 64, 64, 3)")
    if x.size > MAX_EXPANSION * file_bytes:
        raise DataFormatError(f"{source}: {prefix}_set_x declares {x.shape}, more than "
                              f"{MAX_EXPANSION} times the file's {file_bytes} bytes")
    if y.shape != (len(x),) or y.dtype.kind not in "iuf":
        raise DataFormatError(f"{source}: {prefix}_set_y is {y.dtype} {y.shape}; expected "
                              f"({len(x)},) values 0 or 1")
    if classes.shape != (2,) or classes.dtype.kind != "S":
        raise DataFormatError(f"{source}: list_classes is {classes.dtype} {classes.shape}; "
                              "expected 2 byte strings")


def _parse(raw: bytes, source: str, prefix: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    h5py = require("h5py", "h5py", "load_catvnoncat")
    names = (f"{prefix}_set_x", f"{prefix}_set_y", "list_classes")
    try:
        with h5py.File(io.BytesIO(raw), "r") as f:
            if not set(names) <= set(f):
                raise DataFormatError(f"{source}: datasets {sorted(f)}; expected "
                                      f"{sorted(names)}")
            datasets = [f[k] for k in names]
            for k, d in zip(names, datasets, strict=True):
                if not isinstance(d, h5py.Dataset):
                    raise DataFormatError(f"{source}: {k} is an HDF5 {type(d).__name__}; "
                                          f"expected a dataset")
            x_set, y_set, classes_set = datasets
            _check_declared(x_set, y_set, classes_set, source, prefix, len(raw))
            x, y, classes = (np.asarray(d[()]) for d in datasets)
    except DataFormatError:
        raise
    except _H5_ERRORS as exc:
        raise DataFormatError(f"{source}: not a readable HDF5 file ({type(exc).__name__}: "
                              f"{exc})") from None
    if not np.isin(y, (0, 1)).all():
        raise DataFormatError(f"{source}: {prefix}_set_y has shape {y.shape} and values "
                              f"{np.unique(y)}; expected ({len(x)},) values 0 or 1")
    try:
        labels = tuple(c.decode("ascii") for c in classes)
    except UnicodeDecodeError:
        raise DataFormatError(f"{source}: list_classes {classes.tolist()} are not ASCII "
                              "names") from None
    return x, y.astype(np.int64), labels


def load_catvnoncat(data_dir: str | os.PathLike[str] | None = None, download: bool = False,
                    mirror: str | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Load ``(train_x, train_y, test_x, test_y, classes)``.

    * ``train_x``: (209, 64, 64, 3) uint8 RGB 0-255; ``test_x``: (50, 64, 64, 3).
    * ``train_y``: (209,) int64, ``test_y``: (50,) int64; 0 = non-cat, 1 = cat.
    * ``classes``: ``("non-cat", "cat")``, the name of each label.

    Unlike the course's ``load_dataset()``, labels are 1-D (not (1, m)).  Needs h5py
    (optional: `MissingDependencyError` if missing).
    """
    options: dict[str, Any] = {"data_dir": data_dir, "download": download, "mirror": mirror}
    train_x, train_y, classes = read_data_file(CAT_TRAIN, partial(_parse, prefix="train"),
                                               **options)
    test_x, test_y, test_classes = read_data_file(CAT_TEST, partial(_parse, prefix="test"),
                                                  **options)
    if test_classes != classes:
        raise DataFormatError(
            f"{file_path(CAT_TEST, data_dir)} lists classes {test_classes}; expected those of "
            f"{file_path(CAT_TRAIN, data_dir)}: {classes}")
    return train_x, train_y, test_x, test_y, classes

"""The UCI Semeion handwritten digits (1593 binary 16x16 images; used by article 000).

``semeion/semeion.data`` is ASCII text, one image per line: 266 numbers separated by
spaces (written ``0.0000`` / ``1.0000``; the UCI file ends each line with a space and CRLF).
Numbers 1-256 are the pixels of the 16x16 image in row-major order, numbers 257-266 a
one-hot label (number 257 + k is 1 for digit k).
"""

from __future__ import annotations

import os

import numpy as np

from .formats import check_binary, decode_one_hot, parse_text_table
from .sources import read_data_file

SEMEION_FILE = "semeion/semeion.data"


def _parse(raw: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    table = parse_text_table(raw, source, ncols=256 + 10)
    pixels = np.ascontiguousarray(table[:, :256])
    check_binary(pixels, source, "pixel columns 1-256")
    return pixels, decode_one_hot(table[:, 256:], source, "label columns 257-266")


def load_semeion(data_dir: str | os.PathLike[str] | None = None, download: bool = False,
                 mirror: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load Semeion as ``(X, y)``.

    * ``X``: (N, 256) float64, each value exactly 0.0 or 1.0; ``X[i].reshape(16, 16)`` is
      image ``i`` (row-major).  N = 1593 for the UCI file.
    * ``y``: (N,) int64 digit labels 0-9.  ``one_hot(y, 10)`` gives back the file's
      one-hot label columns, (N, 10) int64.

    The file is ``semeion/semeion.data`` under the data root (see `sources`); with
    ``download=True`` a missing file is fetched from UCI (or ``mirror``) and verified.
    """
    return read_data_file(SEMEION_FILE, _parse, data_dir=data_dir, download=download,
                          mirror=mirror)

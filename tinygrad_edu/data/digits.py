"""scikit-learn's 8x8 digits (article 001), which ship inside scikit-learn."""

from __future__ import annotations

import numpy as np

from .errors import require


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """Return ``sklearn.datasets.load_digits()`` as ``(X, y)``.

    * ``X``: (1797, 64) float64 grey levels, integers 0-16; ``X[i].reshape(8, 8)`` is
      image ``i`` (row-major).
    * ``y``: (1797,) int64 digit labels 0-9.

    scikit-learn is an optional dependency: `MissingDependencyError` if it is missing.
    """
    datasets = require("sklearn.datasets", "scikit-learn", "load_digits")
    bunch = datasets.load_digits()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)

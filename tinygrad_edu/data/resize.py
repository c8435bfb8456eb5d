"""Image resizing by area averaging, with NumPy only."""

from __future__ import annotations

import numpy as np


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix: output pixel i averages the input span [i, i+1) * n_in / n_out."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    starts = np.arange(n_in)
    overlap = (np.minimum(edges[1:, None], starts + 1) - np.maximum(edges[:-1, None], starts))
    return np.clip(overlap, 0.0, None) * (n_out / n_in)


def resize_area(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize images of shape (..., H, W) to (..., height, width) by area averaging.

    Each output pixel is the mean of the input area it covers, input pixels cut by its
    border counting in proportion to the part inside (exact for non-integer ratios such as
    28 -> 20).  The mean of an image is preserved.  Returns float64.
    """
    a = np.asarray(images, dtype=np.float64)
    rows = _area_weights(a.shape[-2], height)
    cols = _area_weights(a.shape[-1], width)
    return rows @ a @ cols.T

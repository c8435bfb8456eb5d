"""PyTorch's dtype names as NumPy dtypes: ``tg.float32 is np.dtype("float32")``.

A tensor's ``dtype`` is an ``np.dtype``, so ``x.dtype == tg.float32`` and
``x.dtype == np.float32`` both hold, and every ``dtype=`` argument takes either spelling.
"""

from __future__ import annotations

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)

"""The parity tests compare in float64: both frameworks' default dtype set for a test."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


@pytest.fixture
def float64_defaults():
    """PyTorch's and tinygrad_edu's default dtype float64 during the test, float32 after."""
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    tg.set_default_dtype(np.float64)
    yield
    torch.set_default_dtype(torch.float32)
    tg.set_default_dtype(np.float32)

"""``torch.backends.mps``: no Apple GPU backend (NumPy on the CPU)."""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_edu runs on NumPy on the CPU."""
    return False


def is_built() -> bool:
    """False: there is no MPS backend to build."""
    return False

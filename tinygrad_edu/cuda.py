"""``torch.cuda`` as far as it concerns a NumPy framework: there is no GPU."""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_edu runs on NumPy on the CPU."""
    return False


def device_count() -> int:
    """0: no GPU devices."""
    return 0

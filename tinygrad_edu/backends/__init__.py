"""``torch.backends`` stand-ins: ``backends.mps.is_available()`` is False."""

from . import mps

__all__ = ["mps"]

"""The framework's random number generator (NumPy's PCG64), seedable like ``torch.manual_seed``."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator used by ``randn``, ``rand``, ``nn.init`` and dropout."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The global generator (a ``numpy.random.Generator``)."""
    return _generator

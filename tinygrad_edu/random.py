"""Random number generators with PyTorch's API over NumPy's PCG64.

``g = tinygrad_edu.Generator().manual_seed(0)`` makes a generator that every random
consumer takes as ``generator=``: ``rand randn randint randperm *_like``, the ``nn.init``
functions, ``nn.Dropout`` / ``functional.dropout``, ``DataLoader(shuffle=True)`` and
``random_split``.  Without one they draw from `default_generator`, which
``tinygrad_edu.manual_seed(seed)`` reseeds (and returns, as PyTorch does).  A
``numpy.random.Generator`` is accepted wherever a `Generator` is.

The same seed gives the same numbers on every machine, but not PyTorch's numbers: the bit
stream is NumPy's PCG64, not PyTorch's Mersenne Twister (same API, different streams).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .device import CPU, as_device, device
from .tensor import Tensor, _wrap

_DEFAULT_SEED = 67280421310721  # what a new torch.Generator starts from


class Generator:
    """A seedable random stream (``torch.Generator``): ``manual_seed``, ``seed``,
    ``initial_seed``, ``get_state`` / ``set_state``."""

    def __init__(self, device: str | device = "cpu") -> None:
        as_device(device, "Generator")
        self._seed = _DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(_DEFAULT_SEED))

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (any int; negative ones wrap modulo 2^64)."""
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise TypeError(f"manual_seed: expected an int seed, got {type(seed).__name__}")
        self._seed = int(seed) % 2**64
        # in place: DataLoaders and modules holding this stream see the new seed
        self._rng.bit_generator.state = np.random.PCG64(self._seed).state
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0]))
        return self._seed

    def initial_seed(self) -> int:
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self) -> Tensor:
        """The full state as a uint8 tensor (for `set_state`)."""
        state = {"seed": self._seed, "pcg64": self._rng.bit_generator.state}
        return _wrap(np.frombuffer(json.dumps(state).encode(), dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from `get_state`."""
        data = new_state.data if isinstance(new_state, Tensor) else np.asarray(new_state)
        try:
            state = json.loads(data.astype(np.uint8).tobytes())
            self._rng.bit_generator.state = state["pcg64"]
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError("set_state: expected a state from Generator.get_state()") from e
        self._seed = state["seed"]
        return self

    @property
    def device(self) -> device:
        return CPU

    def __repr__(self) -> str:
        return f"<tinygrad_edu.Generator initial_seed={self._seed}>"


default_generator = Generator()
default_generator.seed()  # unseeded runs differ, as in PyTorch


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator (used by ``randn``, ``nn.init``, dropout, shuffling);
    returns it, like ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator nondeterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's last seed."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (``torch.get_rng_state``)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state (``torch.set_rng_state``)."""
    default_generator.set_state(new_state)


class _DrawHook(threading.local):
    wrap: Callable[[np.random.Generator], Any] | None = None  # the compiler's, while tracing


_draw_hook = _DrawHook()


def set_draw_hook(wrap: Callable[[np.random.Generator], Any] | None) -> Any:
    """Have `numpy_rng` return ``wrap(rng)`` in this thread (the compiler records the draws
    of a traced call this way, so that each replay draws fresh numbers); returns the
    previous hook."""
    previous, _draw_hook.wrap = _draw_hook.wrap, wrap
    return previous


def numpy_rng(generator: Generator | np.random.Generator | None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (a `Generator`, a NumPy one, or None for
    the default)."""
    if generator is None:
        rng = default_generator._rng
    elif isinstance(generator, Generator):
        rng = generator._rng
    elif isinstance(generator, np.random.Generator):
        rng = generator
    else:
        rng = None
    if rng is not None:
        wrap = _draw_hook.wrap
        return rng if wrap is None else wrap(rng)
    raise TypeError(f"generator: expected a tinygrad_edu.Generator (or a "
                    f"numpy.random.Generator), got {type(generator).__name__}")


GeneratorLike = Generator | np.random.Generator | None

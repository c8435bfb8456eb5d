"""A progress bar for training loops: tqdm when it is installed, a plain fallback otherwise.

Usage (the same with or without tqdm)::

    from tinygrad_edu.tools.progress import progress

    for epoch in (bar := progress(range(epochs), desc="train")):
        ...
        bar.set_postfix(loss=f"{loss:.4f}")

``progress(iterable, total=None, desc=None, disable=False, backend=None, file=None)``
returns an iterable object with ``set_postfix(**values)``, ``update(n)``, ``write(msg)``
and ``close()``, usable as a context manager.  ``backend="plain"`` (or the environment
variable ``TINYGRAD_EDU_PROGRESS=plain``) forces the fallback even when tqdm is present;
``backend="tqdm"`` requires tqdm and raises a clear ``ImportError`` without it.

The fallback redraws one line with ``\\r`` on a terminal; when the output is not a terminal
(a log file, a notebook capture, pytest) it prints a new line at most every ~10% of the way
and at the end, so logs stay short.  tqdm is an optional dependency
(``pip install 'tinygrad_edu[examples]'``); the framework itself needs NumPy only.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

__all__ = ["PlainProgress", "have_tqdm", "progress"]


def have_tqdm() -> bool:
    """Whether tqdm can be imported."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _format_time(seconds: float) -> str:
    seconds = round(seconds)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class PlainProgress:
    """A dependency-free progress bar with tqdm's small everyday interface."""

    width = 24  # characters of the bar itself

    def __init__(self, iterable: Iterable | None = None, total: int | None = None,
                 desc: str | None = None, disable: bool = False, file: TextIO | None = None,
                 unit: str = "it") -> None:
        if total is None and iterable is not None:
            try:
                total = len(iterable)  # type: ignore[arg-type]
            except TypeError:
                total = None
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.disable = disable
        self.file = file if file is not None else sys.stderr
        self.n = 0
        self.postfix = ""
        self.start = time.perf_counter()
        self._tty = bool(getattr(self.file, "isatty", lambda: False)())
        self._last_printed = 0           # self.n at the last non-terminal print
        self._last_draw = 0.0
        self._closed = False

    # -- the tqdm-like interface ----------------------------------------------------------
    def __iter__(self) -> Iterator:
        if self.iterable is None:
            raise TypeError("PlainProgress: nothing to iterate (give an iterable, or call "
                            "update() yourself)")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __len__(self) -> int:
        if self.total is None:
            raise TypeError("PlainProgress: length unknown")
        return self.total

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps."""
        self.n += n
        self._maybe_draw()

    def set_postfix(self, ordered_dict: dict | None = None, refresh: bool = True,
                    **values: Any) -> None:
        """Show ``key=value`` pairs after the bar (floats with 4 significant digits)."""
        values = {**(ordered_dict or {}), **values}
        self.postfix = ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
        if refresh and self._tty:
            self._maybe_draw()

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        self.desc = desc

    def write(self, message: str) -> None:
        """Print a message to standard output on its own line without breaking the bar
        (as ``tqdm.write``)."""
        if self._tty and not self.disable:
            self.file.write("\r" + " " * 100 + "\r")
        print(message, file=sys.stdout, flush=True)
        if self._tty and not self.disable:
            self._draw()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.disable:
            return
        if self._tty:
            self._draw()
            self.file.write("\n")
        elif self._last_printed != self.n:
            self._line()
        self.file.flush()

    # -- drawing --------------------------------------------------------------------------
    def _text(self) -> str:
        elapsed = time.perf_counter() - self.start
        head = f"{self.desc}: " if self.desc else ""
        rate = self.n / elapsed if elapsed > 0 else 0.0
        if self.total:
            frac = min(self.n / self.total, 1.0)
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            remaining = (self.total - self.n) / rate if rate > 0 else 0.0
            text = (f"{head}{100 * frac:3.0f}%|{bar}| {self.n}/{self.total} "
                    f"[{_format_time(elapsed)}<{_format_time(remaining)}, "
                    f"{rate:.1f}{self.unit}/s]")
        else:
            text = f"{head}{self.n}{self.unit} [{_format_time(elapsed)}, {rate:.1f}{self.unit}/s]"
        return f"{text} {self.postfix}" if self.postfix else text

    def _draw(self) -> None:
        self.file.write("\r" + self._text())
        self.file.flush()
        self._last_draw = time.perf_counter()

    def _line(self) -> None:
        print(self._text(), file=self.file, flush=True)
        self._last_printed = self.n

    def _maybe_draw(self) -> None:
        if self.disable:
            return
        if self._tty:
            if time.perf_counter() - self._last_draw > 0.1:
                self._draw()
            return
        if self.total:  # a new line every ~10% of the way
            step = max(self.total // 10, 1)
            if self.n // step != self._last_printed // step and self.n < self.total:
                self._line()


def progress(iterable: Iterable | None = None, total: int | None = None,
             desc: str | None = None, disable: bool = False, backend: str | None = None,
             file: TextIO | None = None, **kwargs: Any) -> Any:
    """A progress bar over ``iterable``: a ``tqdm`` object when tqdm is installed, else a
    `PlainProgress` (same everyday interface).

    ``backend``: ``None`` (tqdm if available; the environment variable
    ``TINYGRAD_EDU_PROGRESS=plain`` forces the fallback), ``"tqdm"`` or ``"plain"``.
    Extra keyword arguments go to tqdm (the fallback ignores those it doesn't know).
    """
    backend = backend or os.environ.get("TINYGRAD_EDU_PROGRESS") or None
    if backend not in (None, "tqdm", "plain"):
        raise ValueError(f"progress: backend must be None, 'tqdm' or 'plain', got {backend!r}")
    if backend != "plain":
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if backend == "tqdm":
                raise ImportError(
                    "progress(backend='tqdm') needs tqdm, which is not installed; install it "
                    "with `pip install tqdm` (or `pip install 'tinygrad_edu[examples]'`), or "
                    "use backend='plain'") from None
        else:
            return tqdm(iterable, total=total, desc=desc, disable=disable, file=file,
                        dynamic_ncols=True, **kwargs)
    unit = kwargs.get("unit", "it")
    return PlainProgress(iterable, total=total, desc=desc, disable=disable, file=file,
                         unit=unit)

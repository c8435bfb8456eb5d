"""Exceptions raised by ``tinygrad_edu.data``.

Every error message names the file concerned, what was found and what was expected.
They subclass the matching built-in exception, so ``except FileNotFoundError`` (or
``ValueError``, ``OSError``, ``ImportError``) keeps working.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class DataError(Exception):
    """Base class of every error raised by ``tinygrad_edu.data``."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """A data file is not on disk (and ``download=False``, or it cannot be downloaded).

    ``path`` is the file that was looked for and ``urls`` where ``download=True`` would
    fetch it from (empty when it cannot), so a command line can word its own advice.
    """

    def __init__(self, message: str, path: object = None, urls: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path, self.urls = path, tuple(urls)


class DownloadError(DataError, OSError):
    """Every URL of a file failed (offline, HTTP error, wrong size or checksum)."""


class ChecksumError(DataError, ValueError):
    """A file's size, sha256 or md5 differs from the registry."""


class DataFormatError(DataError, ValueError):
    """A file does not have the expected format (header, shape, values, gzip stream)."""


class MissingDependencyError(DataError, ImportError):
    """An optional dependency (scikit-learn, h5py) needed by a loader is missing."""


def require(module: str, package: str, purpose: str) -> ModuleType:
    """Import an optional dependency, or raise `MissingDependencyError` saying how to get it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the optional dependency {package!r} (module {module!r}), which "
            f"is not installed ({exc}); install it with `pip install {package}` or "
            "`pip install tinygrad_edu[examples]`"
        ) from exc

"""``save`` / ``load`` for state dicts: a NumPy ``.npz`` archive, never pickle.

What can be saved: nested dicts (str or int keys), lists and tuples of Tensors, ndarrays
(not object arrays), Python numbers, strings, booleans and None: what ``module.state_dict()``
and ``optimizer.state_dict()`` hold.  NumPy scalars are stored as Python numbers.

The file holds one ``.npy`` entry per array (``a0``, ``a1``, ...) and the structure as
JSON text in the uint8 entry ``__tinygrad_edu__``, with arrays referred to by name.  It
is read with ``allow_pickle=False``, so loading a file can never run code; writes go to a
temporary file in the same directory that is fsynced and then renamed over the target, so a
crash leaves either the old file or the new one, never half of one.

Keys and array layouts are PyTorch's, so weights move with ``torch.from_numpy``::

    sd = tinygrad_edu.load("model.npz")
    torch_model.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in sd.items()})
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .tensor import Tensor, _wrap

_ENTRY = "__tinygrad_edu__"
_FORMAT = "tinygrad_edu.save"
_VERSION = 1

PathLike = str | os.PathLike


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """``obj`` as JSON-able data; arrays move to ``arrays`` and are referred to by name."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Tensor | np.ndarray):
        data = obj.data if isinstance(obj, Tensor) else obj
        if data.dtype.hasobject:
            raise TypeError("save: object arrays cannot be saved (they would need pickle)")
        name = f"a{len(arrays)}"
        arrays[name] = data
        return {"tensor" if isinstance(obj, Tensor) else "ndarray": name}
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if not isinstance(k, str | int) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__}")
            items.append([k, _encode(v, arrays)])
        return {"dict": items}
    if isinstance(obj, list | tuple):
        return {type(obj).__name__: [_encode(v, arrays) for v in obj]}
    raise TypeError(f"save: cannot save an object of type {type(obj).__name__}; expected "
                    f"dicts, lists, tuples, Tensors, ndarrays, numbers, strings or None")


def save(obj: Any, path: PathLike) -> None:
    """Write ``obj`` (e.g. a state dict) to ``path`` atomically (see the module docstring)."""
    arrays: dict[str, np.ndarray] = {}
    structure = {"format": _FORMAT, "version": _VERSION, "root": _encode(obj, arrays)}
    text = json.dumps(structure, allow_nan=True).encode("utf-8")
    arrays[_ENTRY] = np.frombuffer(text, dtype=np.uint8)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def _file_mode(path: str) -> int:
    """The replaced file's permissions, else what ``open()`` would give (mkstemp's are 0600)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Decoder:
    def __init__(self, path: str, archive: Any) -> None:
        self.path, self.archive = path, archive

    def error(self, why: str) -> ValueError:
        return ValueError(f"load: {self.path} is damaged or was not written by "
                          f"tinygrad_edu.save: {why}")

    def array(self, name: Any) -> np.ndarray:
        """Entry ``name`` of the archive; object arrays are refused, never unpickled."""
        if not isinstance(name, str) or name not in self.archive.files:
            raise self.error(f"it refers to a missing array entry {name!r}")
        try:
            return self.archive[name]
        except ValueError as e:  # an object array: refused rather than unpickled
            raise self.error(f"entry {name!r} cannot be read without pickle ({e})") from e
        except (OSError, EOFError, zipfile.BadZipFile) as e:
            raise self.error(f"entry {name!r} is unreadable ({e})") from e

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if not isinstance(node, dict) or len(node) != 1:
            raise self.error(f"unexpected structure node {node!r:.80}")
        ((tag, value),) = node.items()
        if tag in ("tensor", "ndarray"):
            if value == _ENTRY:
                raise self.error("an array refers to the structure entry")
            return _wrap(self.array(value)) if tag == "tensor" else self.array(value)
        if tag in ("list", "tuple") and isinstance(value, list):
            items = [self.decode(v) for v in value]
            return items if tag == "list" else tuple(items)
        if tag == "dict" and isinstance(value, list):
            if not all(isinstance(kv, list) and len(kv) == 2 and isinstance(kv[0], str | int)
                       for kv in value):
                raise self.error("malformed dict entry")
            return {k: self.decode(v) for k, v in value}
        raise self.error(f"unknown structure tag {tag!r}")


def load(path: PathLike) -> Any:
    """Read what `save` wrote: Tensors come back as Tensors, ndarrays as ndarrays, tuples
    as tuples, dicts as dicts (in their saved order)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"load: {path} is not a NumPy .npz archive written by "
                         f"tinygrad_edu.save (it may be truncated or another format): "
                         f"{e}") from e
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {path} is a single .npy array, not an archive written by "
                         f"tinygrad_edu.save; read it with numpy.load")
    with archive:
        if _ENTRY not in archive.files:
            raise ValueError(f"load: {path} is a .npz archive but was not written by "
                             f"tinygrad_edu.save (no {_ENTRY!r} entry); read it with "
                             f"numpy.load")
        dec = _Decoder(path, archive)
        try:
            header = json.loads(dec.array(_ENTRY).tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise dec.error(f"its structure entry is not valid JSON ({e})") from e
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise dec.error("its structure entry has no tinygrad_edu format tag")
        if header.get("version") != _VERSION:
            raise ValueError(f"load: {path} has format version {header.get('version')!r}; "
                             f"this tinygrad_edu reads version {_VERSION}")
        return dec.decode(header.get("root"))

"""``save`` / ``load`` for state dicts: a NumPy ``.npz`` archive or safetensors, never pickle.

What can be saved: nested dicts (str or int keys), lists and tuples of Tensors, ndarrays
(not object arrays), Python numbers, strings, booleans and None: what ``module.state_dict()``
and ``optimizer.state_dict()`` hold.  NumPy scalars are stored as Python numbers.

**.npz** (the default): one ``.npy`` entry per array, named by its keys joined with ``/``
(``"0.weight"``, ``"model/0.weight"``, ``"optim/state/0/exp_avg"``), so ``numpy.load``
shows the state-dict keys; the structure is JSON text in the uint8 entry
``__tinygrad_edu__``, which names each array's entry (archives of the first layout, with
entries ``a0``, ``a1`` ..., load the same way).

**.safetensors** (by file extension, or ``format="safetensors"``): the format weights are
shared in (Hugging Face; ``safetensors.torch.load_file`` reads it): an 8-byte little-endian
header length, a JSON header giving each tensor's dtype, shape and byte range, then the raw
little-endian bytes.  It holds one flat dict of str keys to tensors (a module's
``state_dict()``); `load` returns Tensors.  Written and read here with NumPy only.

`load` never unpickles and refuses, with a `LoadError` naming the file and the problem:
damaged or foreign files, entries whose declared size or dtype does not match their bytes,
headers that lie, structures nested too deeply, and files that would expand to more than
``max_bytes`` (checked against the declared sizes before reading and counted while
reading).  A PyTorch ``.pt`` / ``.pth`` file is recognised and the message says how to bring
it in.  Writes go to a temporary file in the same directory that is fsynced and then
renamed over the target, so a crash leaves either the old file or the new one (and the
next save of that target removes a temporary a killed process left; see `atomic_write`).

Keys and array layouts are PyTorch's, so weights move with ``torch.from_numpy``::

    sd = tinygrad_edu.load("model.npz")
    torch_model.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in sd.items()})
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import struct
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from typing import IO, Any

import numpy as np

from .tensor import Tensor, _wrap

_ENTRY = "__tinygrad_edu__"
_FORMAT = "tinygrad_edu.save"
_VERSION = 1
DEFAULT_MAX_BYTES = 2**28  # 256 MiB; see `load`
MAX_DEPTH = 100            # containers nested deeper than this are refused
MAX_SAFETENSORS_HEADER = 100_000_000  # the safetensors package's own limit
_PICKLE_TORCH_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."  # torch's legacy format
_SAFETENSORS_DTYPES = {"BOOL": "?", "U8": "u1", "I8": "i1", "U16": "<u2", "I16": "<i2",
                       "F16": "<f2", "U32": "<u4", "I32": "<i4", "F32": "<f4", "U64": "<u8",
                       "I64": "<i8", "F64": "<f8"}
_SAFETENSORS_NAMES = {np.dtype(code).newbyteorder("<"): name
                      for name, code in _SAFETENSORS_DTYPES.items()}

PathLike = str | os.PathLike[str]


class LoadError(ValueError):
    """`load` refuses a file: damaged, foreign (pickle, PyTorch, plain .npz), hostile, or
    larger than ``max_bytes``.  The message names the file and what was wrong."""


def _format_of(path: str, format: str | None) -> str:
    if format is None:
        return "safetensors" if path.endswith(".safetensors") else "npz"
    if format not in ("npz", "safetensors"):
        raise ValueError(f"format={format!r}; expected 'npz', 'safetensors' or None "
                         "(by file extension)")
    return format


# ----------------------------------------------------------------------------- saving
def _entry_name(keys: tuple[str, ...], arrays: Mapping[str, np.ndarray]) -> str:
    """The keys leading to an array joined with ``/``, made unique (``~2``, ``~3`` ...)."""
    base = "/".join(keys) or "root"
    name, n = base, 1
    while name in arrays or name == _ENTRY:
        n += 1
        name = f"{base}~{n}"
    return name


def _encode(obj: Any, arrays: dict[str, np.ndarray], keys: tuple[str, ...] = ()) -> Any:
    """``obj`` as JSON-able data; arrays move to ``arrays`` and are referred to by name."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if len(keys) >= MAX_DEPTH:
        raise ValueError(f"save: the structure nests more than {MAX_DEPTH} levels deep (or "
                         "contains itself)")
    if isinstance(obj, Tensor | np.ndarray):
        data = obj.data if isinstance(obj, Tensor) else obj
        if data.dtype.hasobject:
            raise TypeError("save: object arrays cannot be saved (they would need pickle)")
        name = _entry_name(keys, arrays)
        arrays[name] = data
        return {"tensor" if isinstance(obj, Tensor) else "ndarray": name}
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if not isinstance(k, str | int) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {type(k).__name__}")
            items.append([k, _encode(v, arrays, (*keys, str(k)))])
        return {"dict": items}
    if isinstance(obj, list | tuple):
        return {type(obj).__name__: [_encode(v, arrays, (*keys, str(i)))
                                     for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot save an object of type {type(obj).__name__}; expected "
                    f"dicts, lists, tuples, Tensors, ndarrays, numbers, strings or None")


def _npz_writer(obj: Any) -> Callable[[IO[bytes]], None]:
    arrays: dict[str, np.ndarray] = {}
    structure = {"format": _FORMAT, "version": _VERSION, "root": _encode(obj, arrays)}
    text = json.dumps(structure, allow_nan=True).encode("utf-8")
    arrays[_ENTRY] = np.frombuffer(text, dtype=np.uint8)

    def write(f: IO[bytes]) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in arrays.items():
                with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)
    return write


def _safetensors_writer(obj: Any) -> Callable[[IO[bytes]], None]:
    if not isinstance(obj, Mapping) or not all(
            isinstance(k, str) and isinstance(v, Tensor | np.ndarray) for k, v in obj.items()):
        raise TypeError("save: safetensors holds one flat dict of str keys to Tensors or "
                        "ndarrays (a module's state_dict()); save anything else as .npz")
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    arrays, offset = [], 0
    for key, value in obj.items():
        data = value.data if isinstance(value, Tensor) else value
        little = data.dtype.newbyteorder("<") if data.dtype.byteorder != "|" else data.dtype
        if key == "__metadata__" or little not in _SAFETENSORS_NAMES:
            why = "is reserved" if key == "__metadata__" else f"has dtype {data.dtype}"
            raise TypeError(f"save: entry {key!r} {why}; safetensors holds the dtypes "
                            f"{', '.join(np.dtype(c).name for c in _SAFETENSORS_DTYPES.values())}")
        data = np.ascontiguousarray(data, dtype=little)
        header[key] = {"dtype": _SAFETENSORS_NAMES[little], "shape": list(data.shape),
                       "data_offsets": [offset, offset + data.nbytes]}
        arrays.append(data)
        offset += data.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data start 8-byte aligned, as the package writes

    def write(f: IO[bytes]) -> None:
        f.write(struct.pack("<Q", len(text)) + text)
        for data in arrays:
            f.write(data.reshape(-1).view(np.uint8).data)
    return write


def save(obj: Any, path: PathLike, format: str | None = None) -> None:
    """Write ``obj`` (e.g. a state dict) to ``path`` atomically (see the module docstring).

    ``format``: ``"npz"``, ``"safetensors"`` or None (``.safetensors`` files are
    safetensors, everything else ``.npz``).
    """
    path = os.fspath(path)
    kind = _format_of(path, format)
    atomic_write(path, _safetensors_writer(obj) if kind == "safetensors" else _npz_writer(obj))


def atomic_write(path: PathLike, write: Callable[[IO[bytes]], object],
                 mode: int | None = None) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, fsync it, rename it over
    ``path``: readers see the old file or the new one, never half of one.

    The temporary is ``.<name>.<pid>.<random>.tmp``; on an exception it is removed, and
    the temporaries a killed process left for the same ``path`` (their pid no longer
    running; POSIX only) are removed by the next write.  ``mode``: the new file's
    permissions (default: those of the replaced file, else what ``open()`` would give).
    """
    path = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    _remove_stale_temporaries(directory, name)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path) if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def _remove_stale_temporaries(directory: str, name: str) -> None:
    """Remove ``.<name>.<pid>.<8 mkstemp characters>.tmp`` files whose pid is not running."""
    if os.name != "posix":  # no safe liveness probe (os.kill would end the process)
        return
    pattern = re.compile(re.escape(f".{name}.") + r"(\d+)\.[a-z0-9_]{8}\.tmp")
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and not _running(int(match.group(1))) \
                    and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, under another user
        return True
    return True


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


# ---------------------------------------------------------------------------- loading
class _Budget:
    """Counts the bytes a load materialises against ``max_bytes``."""

    def __init__(self, path: str, limit: int) -> None:
        self.path, self.limit, self.used = path, limit, 0

    def take(self, nbytes: int, what: str) -> None:
        if self.used + nbytes > self.limit:
            raise LoadError(f"load: {self.path}: {what} would bring the content to "
                            f"{self.used + nbytes} bytes, more than max_bytes={self.limit}; "
                            "pass a larger max_bytes= if the file is trusted")
        self.used += nbytes


def _read_into(f: IO[bytes], nbytes: int, budget: _Budget, what: str) -> np.ndarray:
    """Exactly ``nbytes`` bytes from ``f`` as a writable uint8 array (counted by ``budget``)."""
    budget.take(nbytes, what)
    buffer = np.empty(nbytes, dtype=np.uint8)
    view, done = buffer.data, 0
    while done < nbytes:
        got = f.readinto(view[done:])  # type: ignore[attr-defined]  # typeshed's IO lacks it
        if not got:
            raise LoadError(f"load: {budget.path}: {what} ends after {done} of {nbytes} bytes "
                            "(truncated)")
        done += got
    return buffer


def _as_array(buffer: np.ndarray, dtype: np.dtype, shape: tuple[int, ...],
              fortran: bool = False) -> np.ndarray:
    if buffer.size == 0:
        return np.empty(shape, dtype)
    return buffer.view(dtype).reshape(shape, order="F" if fortran else "C")


class _Npz:
    """Reads the entries of a tinygrad_edu ``.npz`` archive, checking every declared size."""

    def __init__(self, path: str, archive: zipfile.ZipFile, budget: _Budget) -> None:
        self.path, self.archive, self.budget = path, archive, budget
        self.entries = {i.filename.removesuffix(".npy"): i for i in archive.infolist()
                        if i.filename.endswith(".npy")}

    def error(self, why: str) -> LoadError:
        return LoadError(f"load: {self.path} is damaged or was not written by "
                         f"tinygrad_edu.save: {why}")

    def array(self, name: Any) -> np.ndarray:
        """Entry ``name``; object arrays are refused, never unpickled."""
        if not isinstance(name, str) or name not in self.entries:
            raise self.error(f"it refers to a missing array entry {name!r}")
        info = self.entries[name]
        try:
            with self.archive.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise self.error(f"entry {name!r} has .npy format version {version}; "
                                     "expected 1.0 or 2.0")
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(f)
                if dtype.hasobject:
                    raise self.error(f"entry {name!r} holds Python objects (dtype {dtype}), "
                                     "which cannot be read without pickle; refused")
                nbytes = math.prod(shape) * dtype.itemsize
                held = info.file_size - f.tell()
                if nbytes != held:
                    raise self.error(f"entry {name!r} declares shape {shape} {dtype} "
                                     f"({nbytes} bytes) but holds {held} bytes")
                buffer = _read_into(f, nbytes, self.budget, f"entry {name!r}")
        except LoadError:
            raise
        except (ValueError, SyntaxError, OSError, EOFError, zipfile.BadZipFile,
                RecursionError) as e:
            raise self.error(f"entry {name!r} is unreadable ({type(e).__name__}: {e})") from e
        return _as_array(buffer, dtype, shape, fortran)

    def decode(self, node: Any, depth: int = 0) -> Any:
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if depth >= MAX_DEPTH:
            raise self.error(f"its structure nests more than {MAX_DEPTH} levels deep")
        if not isinstance(node, dict) or len(node) != 1:
            raise self.error(f"unexpected structure node {node!r:.80}")
        ((tag, value),) = node.items()
        if tag in ("tensor", "ndarray"):
            if value == _ENTRY:
                raise self.error("an array refers to the structure entry")
            return _wrap(self.array(value)) if tag == "tensor" else self.array(value)
        if tag in ("list", "tuple") and isinstance(value, list):
            items = [self.decode(v, depth + 1) for v in value]
            return items if tag == "list" else tuple(items)
        if tag == "dict" and isinstance(value, list):
            if not all(isinstance(kv, list) and len(kv) == 2 and isinstance(kv[0], str | int)
                       for kv in value):
                raise self.error("malformed dict entry")
            return {k: self.decode(v, depth + 1) for k, v in value}
        raise self.error(f"unknown structure tag {tag!r}")


def _torch_advice(path: str, what: str) -> LoadError:
    return LoadError(
        f"load: {path} is a PyTorch file ({what}), which holds a pickle; tinygrad_edu never "
        "unpickles. Bring it in with PyTorch: sd = torch.load(path, map_location='cpu', "
        "weights_only=True), then model.load_state_dict({k: v.numpy() for k, v in "
        "sd.items()}); or convert it once with safetensors.torch.save_file(sd, "
        "'model.safetensors') and tinygrad_edu.load that file")


def _load_npz(path: str, budget: _Budget) -> Any:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise LoadError(f"load: {path} is not a NumPy .npz archive written by "
                        f"tinygrad_edu.save (it may be truncated or another format): {e}"
                        ) from e
    with archive:
        infos = archive.infolist()
        if any(i.filename == "data.pkl" or i.filename.endswith("/data.pkl") for i in infos):
            raise _torch_advice(path, "torch.save's zip format")
        npz = _Npz(path, archive, budget)
        if _ENTRY not in npz.entries:
            raise LoadError(f"load: {path} is a .npz archive but was not written by "
                            f"tinygrad_edu.save (no {_ENTRY!r} entry); read it with "
                            "numpy.load")
        declared = sum(i.file_size for i in infos)
        if declared > budget.limit:
            raise LoadError(f"load: {path} declares {declared} bytes of content, more than "
                            f"max_bytes={budget.limit} (a zip bomb?); pass a larger "
                            "max_bytes= if the file is trusted")
        try:
            header = json.loads(npz.array(_ENTRY).tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise npz.error(f"its structure entry is not valid JSON ({e})") from e
        except RecursionError:
            raise npz.error("its structure entry is nested too deeply") from None
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise npz.error("its structure entry has no tinygrad_edu format tag")
        if header.get("version") != _VERSION:
            raise LoadError(f"load: {path} has format version {header.get('version')!r}; "
                            f"this tinygrad_edu reads version {_VERSION}")
        return npz.decode(header.get("root"))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def _safetensors_header(path: str, f: IO[bytes], size: int) -> tuple[dict[str, Any], int]:
    """The validated tensor entries of a safetensors file and where its data start."""
    def bad(why: str) -> LoadError:
        return LoadError(f"load: {path} is not a valid safetensors file: {why}")

    if size < 8:
        raise bad(f"{size} bytes; expected an 8-byte header length")
    (length,) = struct.unpack("<Q", f.read(8))
    if length > min(size - 8, MAX_SAFETENSORS_HEADER):
        raise bad(f"header length {length} exceeds the file ({size} bytes) or the limit "
                  f"{MAX_SAFETENSORS_HEADER}")
    try:
        header = json.loads(f.read(length).decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise bad(f"its header is not valid JSON ({type(e).__name__}: {e})") from None
    if not isinstance(header, dict):
        raise bad("its header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
            isinstance(v, str) for v in metadata.values()):
        raise bad("__metadata__ is not an object of strings")
    end = 0
    for name, info in sorted(header.items(), key=lambda kv: _offsets(kv[1])):
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise bad(f"entry {name!r} is {info!r:.80}; expected dtype, shape, data_offsets")
        dtype, shape, (begin, stop) = info["dtype"], info["shape"], _offsets(info)
        if dtype not in _SAFETENSORS_DTYPES:
            known = ", ".join(_SAFETENSORS_DTYPES)
            raise bad(f"entry {name!r} has dtype {dtype!r}, which NumPy cannot hold (known: "
                      f"{known}); convert it first, e.g. in PyTorch with .float()")
        if not isinstance(shape, list) or not all(
                type(d) is int and d >= 0 for d in shape):
            raise bad(f"entry {name!r} has shape {shape!r:.80}; expected a list of sizes")
        if begin < 0:
            raise bad(f"entry {name!r} has data_offsets {info['data_offsets']!r:.80}")
        if begin != end:
            why = "overlaps the previous entry" if begin < end else "leaves a gap before it"
            raise bad(f"entry {name!r} starts at byte {begin}, which {why} (ends at {end})")
        nbytes = math.prod(shape) * np.dtype(_SAFETENSORS_DTYPES[dtype]).itemsize
        if stop - begin != nbytes:
            raise bad(f"entry {name!r} declares {dtype} {shape} ({nbytes} bytes) but spans "
                      f"bytes {begin}-{stop}")
        end = stop
    if end != size - 8 - length:
        raise bad(f"the entries cover {end} bytes of data but the file holds "
                  f"{size - 8 - length}")
    return header, 8 + length


def _offsets(info: Any) -> tuple[int, int]:
    offsets = info.get("data_offsets") if isinstance(info, dict) else None
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(type(o) is int for o in offsets) and offsets[0] <= offsets[1]):
        return (-1, -1)  # reported as bad data_offsets by the caller
    return offsets[0], offsets[1]


def _load_safetensors(path: str, size: int, budget: _Budget) -> dict[str, Tensor]:
    with open(path, "rb") as f:
        header, start = _safetensors_header(path, f, size)
        out = {}
        for name, info in header.items():
            begin, stop = _offsets(info)
            f.seek(start + begin)
            buffer = _read_into(f, stop - begin, budget, f"entry {name!r}")
            dtype = np.dtype(_SAFETENSORS_DTYPES[info["dtype"]])
            out[name] = _wrap(_as_array(buffer, dtype, tuple(info["shape"])).astype(
                dtype.newbyteorder("="), copy=False))
    return out


def load(path: PathLike, format: str | None = None, max_bytes: int | None = None) -> Any:
    """Read what `save` wrote: Tensors come back as Tensors, ndarrays as ndarrays, tuples
    as tuples, dicts as dicts (in their saved order); a safetensors file gives a dict of
    Tensors.

    ``format``: as for `save` (None: by extension).  ``max_bytes``: the most bytes the
    file's content may expand to; None allows the larger of ``DEFAULT_MAX_BYTES`` (256 MiB)
    and 4 times the file's size, so archives as `save` writes them always load and a zip
    bomb does not.  Raises `LoadError` for any file it refuses, FileNotFoundError if none.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")
    kind = _format_of(path, format)
    size = os.path.getsize(path)
    budget = _Budget(path, max(DEFAULT_MAX_BYTES, 4 * size) if max_bytes is None
                     else max_bytes)
    if kind == "safetensors":
        return _load_safetensors(path, size, budget)
    with open(path, "rb") as f:
        head = f.read(len(_PICKLE_TORCH_MAGIC))
    if head.startswith(_PICKLE_TORCH_MAGIC):
        raise _torch_advice(path, "torch.save's legacy format")
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise LoadError(f"load: {path} is a Python pickle, not a NumPy .npz archive; "
                        "tinygrad_edu never unpickles (that can run code). If it came from "
                        "torch.save, load it with torch.load(path, weights_only=True) and "
                        "pass the tensors' .numpy() to load_state_dict")
    if head.startswith(b"\x93NUMPY"):
        raise LoadError(f"load: {path} is a single .npy array, not an archive written by "
                        "tinygrad_edu.save; read it with numpy.load")
    if head[8:9] == b"{":
        raise LoadError(f"load: {path} looks like a safetensors file, not a NumPy .npz "
                        "archive: pass format='safetensors'")
    return _load_npz(path, budget)

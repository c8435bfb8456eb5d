"""Tiny data files in the real formats, and registry patching for served downloads."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
from dataclasses import replace
from pathlib import Path

import h5py
import numpy as np

from tinygrad_edu.data import REGISTRY


def semeion_bytes(pixels: np.ndarray, digits: np.ndarray, line_end: str = " \r\n") -> bytes:
    """The UCI layout: 256 pixels then 10 one-hot columns, ``%.4f``, space + CRLF."""
    table = np.hstack([pixels, np.eye(10)[digits]])
    return "".join(" ".join(f"{v:.4f}" for v in row) + line_end for row in table).encode()


def idx_gz(array: np.ndarray, magic: int | None = None) -> bytes:
    """Gzipped unsigned-byte IDX file; ``magic`` defaults to the right one."""
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 | array.ndim if magic is None else magic
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


def text_gz(table: np.ndarray) -> bytes:
    """Gzipped ``np.savetxt`` text, comma-separated ``%.18e`` (the Ng files' format)."""
    buffer = io.BytesIO()
    np.savetxt(buffer, table, fmt="%.18e", delimiter=",")
    return gzip.compress(buffer.getvalue(), mtime=0)


def ng_labels_gz(digits: np.ndarray) -> bytes:
    """labels.gz: one-hot rows whose columns are the digits 1, 2, ..., 9, 0."""
    columns = (np.asarray(digits) - 1) % 10
    return text_gz(np.eye(10)[columns])


def cat_h5(prefix: str, x: np.ndarray, y: np.ndarray,
           classes: tuple[bytes, ...] = (b"non-cat", b"cat")) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f[f"{prefix}_set_x"] = x
        f[f"{prefix}_set_y"] = y
        f["list_classes"] = np.array(classes, dtype="S7")
    return buffer.getvalue()


def write(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def register(monkeypatch, name: str, data: bytes, urls: tuple[str, ...] | None = None) -> None:
    """Make the registry expect ``data`` for ``name`` (sha256 + size), optionally new URLs."""
    entry = REGISTRY[name]
    monkeypatch.setitem(REGISTRY, name, replace(
        entry, size=len(data), sha256=hashlib.sha256(data).hexdigest(), md5=None,
        content_size=None, content_sha256=None, urls=entry.urls if urls is None else urls))


def register_content(monkeypatch, name: str, content: bytes) -> None:
    """Make the registry expect ``content`` as the decompressed content of ``name``."""
    monkeypatch.setitem(REGISTRY, name, replace(
        REGISTRY[name], content_size=len(content),
        content_sha256=hashlib.sha256(content).hexdigest()))


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

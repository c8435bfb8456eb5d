"""MNIST handwritten digits in LeCun's IDX files, gzipped or not (article 002).

An IDX file is a big-endian header followed by the raw values: a 4-byte magic number
``0x0000TTDD`` (TT = 0x08 for unsigned bytes, DD = number of dimensions), then one 4-byte
size per dimension.  Images: magic 2051 (0x00000803), sizes (N, 28, 28); labels: magic
2049 (0x00000801), size (N,).  The payload must hold exactly the product of the sizes.
A file is read as gzip if it starts with the gzip magic bytes, else as a raw IDX file, so
``train-images-idx3-ubyte`` (or ``train-images.idx3-ubyte``) is read when the ``.gz`` is
missing; files are verified by the checksum of their decompressed content (`verify_file`).
"""

from __future__ import annotations

import os
import struct
from typing import Any, Literal

import numpy as np

from .errors import DataFormatError
from .formats import GZIP_MAGIC, gunzip
from .sources import file_path, read_data_file

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
MNIST_FILES = {
    "train": ("mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz"),
    "test": ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"),
}


def parse_idx(raw: bytes, source: str, magic: int, shape: tuple[int | None, ...]
              ) -> np.ndarray:
    """Parse an unsigned-byte IDX file (gzipped or raw) into a uint8 array.

    ``magic`` is the expected magic number; ``shape`` the expected sizes (``None``: any).
    """
    data = gunzip(raw, source) if raw[:2] == GZIP_MAGIC else raw
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFormatError(f"{source}: {len(data)} bytes of IDX data; expected an IDX "
                              f"header of {header} bytes")
    (found,) = struct.unpack(">I", data[:4])
    if found != magic:
        raise DataFormatError(f"{source}: magic number {found} (0x{found:08x}); expected "
                              f"{magic} (0x{magic:08x})")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    if any(want is not None and got != want for got, want in zip(dims, shape, strict=True)):
        expected = tuple("N" if s is None else s for s in shape)
        raise DataFormatError(f"{source}: header sizes {dims}; expected {expected}")
    size = int(np.prod(dims))
    if len(data) - header != size:
        raise DataFormatError(f"{source}: payload of {len(data) - header} bytes; expected "
                              f"{size} bytes for the header sizes {dims}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


def _parse_images(raw: bytes, source: str) -> np.ndarray:
    return parse_idx(raw, source, IMAGES_MAGIC, (None, 28, 28))


def _parse_labels(raw: bytes, source: str) -> np.ndarray:
    labels = parse_idx(raw, source, LABELS_MAGIC, (None,))
    if labels.size and labels.max() > 9:
        raise DataFormatError(f"{source}: a label is {labels.max()}; expected digits 0-9")
    return labels.astype(np.int64)


def load_mnist(split: Literal["train", "test"] = "train",
               data_dir: str | os.PathLike[str] | None = None, download: bool = False,
               mirror: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load one MNIST split as ``(images, labels)``.

    * ``images``: (N, 28, 28) uint8, 0 (background) to 255 (ink).
    * ``labels``: (N,) int64 digit labels 0-9.

    N is 60000 for ``"train"`` and 10000 for ``"test"``.  The files are
    ``mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`` under the data root (see
    `sources`), or uncompressed without ``.gz`` (also ``train-images.idx3-ubyte`` ...);
    ``download=True`` fetches missing ones and verifies their decompressed content.
    """
    if split not in MNIST_FILES:
        raise ValueError(f"load_mnist: split={split!r}; expected 'train' or 'test'")
    images_name, labels_name = MNIST_FILES[split]
    options: dict[str, Any] = {"data_dir": data_dir, "download": download, "mirror": mirror}
    labels = read_data_file(labels_name, _parse_labels, **options)
    images = read_data_file(images_name, _parse_images, **options)
    if len(images) != len(labels):
        raise DataFormatError(
            f"{file_path(images_name, data_dir)} holds {len(images)} images but "
            f"{file_path(labels_name, data_dir)} holds {len(labels)} labels; expected as "
            "many images as labels"
        )
    return images, labels

"""A strict NumPy-only reader of the numeric matrices in a MATLAB v5 MAT file.

Layout (MathWorks, "MAT-File Format"): a 128-byte header (116 bytes of text, 8 of subsystem
offset, a version 0x0100 and the endian mark ``IM`` / ``MI``), then data elements.  Each
element has an 8-byte tag (type, byte count) or, for at most 4 bytes, a 4-byte "small
element" tag with the data beside it; data are padded to 8 bytes.  A variable is an
``miMATRIX`` element (possibly inside an ``miCOMPRESSED`` zlib stream) holding array flags
(class), dimensions, name and the real part, stored column-major in any numeric type.

Every size is checked against the bytes present before anything is allocated, and a
damaged file is a `DataFormatError`.  (``scipy.io.loadmat`` is not used: some damaged
files crash the interpreter in its compiled code.)
"""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np

from .errors import DataFormatError

HEADER_BYTES = 128
MAX_INFLATED_BYTES = 2**28  # cap on what one compressed element may expand to (256 MiB)
_MATRIX, _COMPRESSED = 14, 15
_STORAGE = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8",
            12: "i8", 13: "u8"}  # miINT8 ... miUINT64: how values are stored
_NUMERIC_CLASSES = {6: "f8", 7: "f4", 8: "i1", 9: "u1", 10: "i2", 11: "u2", 12: "i4",
                    13: "u4", 14: "i8", 15: "u8"}  # mxDOUBLE_CLASS ...: what they mean
_OTHER_CLASSES = {1: "cell array", 2: "struct", 3: "object", 4: "char array",
                  5: "sparse matrix", 16: "function handle", 17: "opaque object"}


class _Reader:
    def __init__(self, raw: bytes, source: str) -> None:
        self.source = source
        if len(raw) < HEADER_BYTES:
            self.fail(f"{len(raw)} bytes; expected a 128-byte MAT v5 header")
        marks = {b"IM": "<", b"MI": ">"}
        if raw[126:128] not in marks:
            kind = "an HDF5 file" if raw[512:520] == b"\x89HDF\r\n\x1a\n" else "not MAT v5"
            self.fail(f"endian mark {bytes(raw[126:128])!r} ({kind}); expected a MAT v5 file "
                      "(MATLAB save -v7 or -v6; v7.3 files are HDF5)")
        self.order = marks[raw[126:128]]
        (version,) = struct.unpack(self.order + "H", raw[124:126])
        if version != 0x0100:
            self.fail(f"MAT version 0x{version:04x}; expected 0x0100 (MAT v5)")

    def fail(self, why: str) -> None:
        raise DataFormatError(f"{self.source}: {why}; not a readable MAT file")

    def element(self, buf: bytes, pos: int, where: str) -> tuple[int, bytes, int]:
        """The element at ``buf[pos:]``: (type, data, position of the next element)."""
        if pos + 8 > len(buf):
            self.fail(f"{where}: {len(buf) - pos} bytes left at byte {pos}; expected an "
                      "8-byte element tag")
        first, second = struct.unpack_from(self.order + "II", buf, pos)
        if first >> 16:  # small element: size in the high, type in the low 16 bits
            kind, size = first & 0xFFFF, first >> 16
            if size > 4:
                self.fail(f"{where}: small element of {size} bytes at byte {pos}; expected "
                          "at most 4")
            return kind, buf[pos + 4:pos + 4 + size], pos + 8
        kind, size, start = first, second, pos + 8
        if size > len(buf) - start:
            self.fail(f"{where}: element at byte {pos} declares {size} bytes but "
                      f"{len(buf) - start} remain")
        padded = start + size if kind == _COMPRESSED else start + -(-size // 8) * 8
        return kind, buf[start:start + size], min(padded, len(buf))

    def inflate(self, data: bytes, where: str) -> bytes:
        stream = zlib.decompressobj()
        try:
            out = stream.decompress(data, MAX_INFLATED_BYTES + 1)
        except zlib.error as exc:
            self.fail(f"{where}: corrupt compressed data ({exc})")
        if len(out) > MAX_INFLATED_BYTES:
            self.fail(f"{where}: compressed element expands to more than "
                      f"{MAX_INFLATED_BYTES} bytes")
        if not stream.eof:
            self.fail(f"{where}: truncated compressed data")
        return out

    def matrix(self, data: bytes, where: str) -> tuple[str, np.ndarray | str]:
        """Name and value of an miMATRIX element: an array, or the class name if not numeric."""
        kind, flags, pos = self.element(data, 0, where)
        if kind != 6 or len(flags) != 8:
            self.fail(f"{where}: array flags of type {kind}, {len(flags)} bytes; expected "
                      "miUINT32, 8 bytes")
        flag_word = struct.unpack(self.order + "II", flags)[0]
        cls, is_complex = flag_word & 0xFF, bool(flag_word & 0x800)
        kind, dims_raw, pos = self.element(data, pos, where)
        if kind != 5 or len(dims_raw) % 4 or len(dims_raw) < 8:
            self.fail(f"{where}: dimensions of type {kind}, {len(dims_raw)} bytes; expected "
                      "at least two miINT32")
        dims = tuple(int(d) for d in np.frombuffer(dims_raw, self.order + "i4"))
        kind, name_raw, pos = self.element(data, pos, where)
        if kind != 1 or not name_raw.isascii():
            self.fail(f"{where}: variable name of type {kind}; expected ASCII miINT8")
        name = name_raw.decode("ascii")
        where = f"{where} (variable {name!r})"
        if min(dims) < 0:
            self.fail(f"{where}: dimensions {dims}; expected sizes >= 0")
        if cls not in _NUMERIC_CLASSES:
            return name, _OTHER_CLASSES.get(cls, f"array of unknown class {cls}")
        if is_complex:
            return name, "complex matrix"
        kind, real, _ = self.element(data, pos, where)
        if kind not in _STORAGE:
            self.fail(f"{where}: values of type {kind}; expected a numeric type")
        stored = np.dtype(self.order + _STORAGE[kind])
        if len(real) != math.prod(dims) * stored.itemsize:
            self.fail(f"{where}: {len(real)} bytes of {stored.name} values; expected "
                      f"{math.prod(dims)} values for the dimensions {dims}")
        values = np.frombuffer(real, stored).astype(_NUMERIC_CLASSES[cls])
        return name, values.reshape(dims, order="F")


def read_mat(raw: bytes, source: str) -> dict[str, np.ndarray | str]:
    """Variables of a MAT v5 file: name -> array (numeric classes, native byte order,
    MATLAB's shape) or, for other classes (cell, struct, char ...), a string naming it."""
    reader = _Reader(raw, source)
    variables: dict[str, np.ndarray | str] = {}
    pos = HEADER_BYTES
    while pos < len(raw):
        where = f"element at byte {pos}"
        kind, data, pos = reader.element(raw, pos, where)
        if kind == _COMPRESSED:
            data = reader.inflate(data, where)
            kind, data, _ = reader.element(data, 0, where + " (inflated)")
        if kind != _MATRIX:
            reader.fail(f"{where}: type {kind}; expected a variable (miMATRIX)")
        if not data:  # an empty miMATRIX stands for an empty array of no name
            continue
        name, value = reader.matrix(data, where)
        if name in variables:
            reader.fail(f"{where}: variable {name!r} appears twice")
        variables[name] = value
    return variables

"""Parsing helpers shared by the loaders: gzip streams, text tables, one-hot label blocks.

Each takes the file's bytes (or an array parsed from them) and ``source``, the file name
used in error messages, and raises `DataFormatError` saying what was found and expected.
"""

from __future__ import annotations

import gzip
import zlib

import numpy as np

from .errors import DataFormatError

GZIP_MAGIC = b"\x1f\x8b"


def gunzip(raw: bytes, source: str) -> bytes:
    """Decompress a complete gzip file; a truncated or corrupt stream is a `DataFormatError`."""
    try:
        return gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataFormatError(
            f"{source}: truncated or corrupt gzip data ({len(raw)} bytes; {exc}); "
            "expected a complete gzip file"
        ) from None


def parse_text_table(raw: bytes, source: str, ncols: int, delimiter: str | None = None
                     ) -> np.ndarray:
    """Parse ASCII lines of ``ncols`` numbers into a float64 array of shape (lines, ncols).

    ``delimiter=None`` splits on runs of whitespace; blank lines are skipped, and LF or
    CRLF line ends and trailing whitespace are accepted.
    """
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            f"{source}: byte {exc.start} is not ASCII; expected a text table of numbers"
        ) from None
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            fields = line.split(delimiter)
            if len(fields) != ncols:
                raise DataFormatError(
                    f"{source}: line {lineno} has {len(fields)} values; expected {ncols} per line"
                )
            rows.append(fields)
    if not rows:
        raise DataFormatError(f"{source}: no data lines; expected lines of {ncols} values")
    try:
        table = np.array(rows, dtype=np.float64)
    except ValueError as exc:
        raise DataFormatError(f"{source}: {exc}; expected only numbers") from None
    if not np.isfinite(table).all():
        row = int(np.flatnonzero(~np.isfinite(table).all(axis=1))[0])
        raise DataFormatError(f"{source}: data row {row + 1} has a NaN or infinite value; "
                              "expected finite numbers")
    return table


def check_binary(values: np.ndarray, source: str, what: str) -> None:
    """Require every value to be exactly 0 or 1."""
    bad = (values != 0) & (values != 1)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise DataFormatError(
            f"{source}: {what} hold {values[row, col]!r} at data row {row + 1}, column "
            f"{col + 1}; expected only 0 and 1"
        )


def decode_one_hot(block: np.ndarray, source: str, what: str) -> np.ndarray:
    """Column index of the single 1 in each row of a 0/1 block, as int64 of shape (rows,)."""
    check_binary(block, source, what)
    counts = block.sum(axis=1)
    if (counts != 1).any():
        row = int(np.flatnonzero(counts != 1)[0])
        raise DataFormatError(
            f"{source}: {what} of data row {row + 1} hold {int(counts[row])} ones; "
            "expected exactly one (one-hot)"
        )
    return block.argmax(axis=1).astype(np.int64)

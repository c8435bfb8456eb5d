"""Where data files come from: data folders, the file registry, verified downloads.

Every file is named by its path relative to a *data root*, e.g. ``"semeion/semeion.data"``
or ``"mnist/t10k-images-idx3-ubyte.gz"``; a data root is laid out like this::

    semeion/semeion.data
    mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
    ng_digits_5000/{images,labels}.gz   (or ng_digits_5000/ex4data1.mat)
    catvnoncat/{train,test}_catvnoncat.h5

The data root is, in this order:

1. the ``data_dir`` argument of a loader, if given;
2. the environment variable ``TINYGRAD_EDU_DATA``, if set and not empty;
3. a per-user cache folder: ``$XDG_CACHE_HOME/tinygrad_edu``, else ``~/.cache/tinygrad_edu``.

A loader called with ``download=True`` fetches a missing file with `urllib` from the public
URLs in `REGISTRY` (tried in order; a download that stalls, drips or overruns its deadline is
cut off: `DownloadLimits`), checks its size and sha256 (md5 as well where it is
published), lets the loader check its format, and only then writes it into the data root
through a temporary file in the same folder and an atomic rename.  On any failure nothing
is written.  Files already on disk are not re-hashed on every load (use `verify_file`).

The ``mirror`` argument of a loader, else the environment variable ``TINYGRAD_EDU_MIRROR``,
replaces every public URL by ``<mirror>/<file name>`` (same layout as a data root, e.g.
``http://127.0.0.1:8000/semeion/semeion.data``); the tests use it with a local server.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..serialization import atomic_write as write_atomically
from .errors import ChecksumError, DataFileNotFoundError, DataFormatError, DownloadError
from .formats import GZIP_MAGIC, gunzip

ENV_DATA = "TINYGRAD_EDU_DATA"
ENV_MIRROR = "TINYGRAD_EDU_MIRROR"
MAX_UNKNOWN_SIZE = 64 * 2**20  # cap on a download whose size is not in the registry

T = TypeVar("T")


@dataclass(frozen=True)
class DownloadLimits:
    """When a download is cut off (a `DownloadError` saying which limit).

    * ``timeout``: seconds the connection or one read may wait for any data;
    * ``deadline``: seconds the whole file may take (checked as data arrive, so a silent
      connection is cut by ``timeout``);
    * ``min_rate``: bytes per second that every ``window`` seconds must bring, so a server
      dripping a byte at a time does not hold a download open for hours.
    """

    timeout: float = 60.0
    deadline: float = 1800.0
    min_rate: float = 1024.0
    window: float = 30.0


DOWNLOAD_LIMITS = DownloadLimits()


@dataclass(frozen=True)
class RemoteFile:
    """One data file: its name under a data root, public URLs and known checksums.

    ``size`` (bytes), ``sha256`` and ``md5`` are ``None`` when unknown; a file with no
    checksum at all can only be checked by its format (the loader does that).
    ``content_size`` and ``content_sha256`` describe the decompressed content of a gzip
    file: when known, the file is verified by its content instead, so any faithful
    re-compression, or the uncompressed file, verifies.  ``aliases``: other names under
    the data root where the uncompressed content may be (used when ``name`` is missing).
    """

    name: str
    urls: tuple[str, ...]
    size: int | None
    sha256: str | None
    md5: str | None = None
    note: str = ""
    content_size: int | None = None
    content_sha256: str | None = None
    aliases: tuple[str, ...] = ()


_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_NG_URL = "https://raw.githubusercontent.com/LivioLanzo/image_classification_raw_data/master/"
_CAT_URLS = (
    "https://raw.githubusercontent.com/Hiren2002/Logistic-Regression/"
    "a6139a838a0e624f4ab923377df0c5d3386fdf1f/datasets/",
    "https://raw.githubusercontent.com/ramakris/coursera-deeplearning/"
    "c79617ebb9ff38e765e821f80352adee93f19357/neuralnetworks/week4/datasets/",
)


def _mnist(file: str, size: int, sha256: str, md5: str, content_size: int,
           content_sha256: str) -> RemoteFile:
    """An MNIST file, also found uncompressed as ``<stem>`` or ``<set>.idx3-ubyte``."""
    stem = file.removesuffix(".gz")
    dotted = stem.replace("-idx", ".idx")  # "train-images.idx3-ubyte", as many copies are named
    return RemoteFile(f"mnist/{file}", tuple(m + file for m in _MNIST_MIRRORS), size, sha256,
                      md5, content_size=content_size, content_sha256=content_sha256,
                      aliases=(f"mnist/{stem}", f"mnist/{dotted}"))


def _cat(file: str, size: int, sha256: str, md5: str) -> RemoteFile:
    return RemoteFile(f"catvnoncat/{file}", tuple(u + file for u in _CAT_URLS), size, sha256, md5)


REGISTRY: dict[str, RemoteFile] = {
    f.name: f
    for f in (
        RemoteFile(
            "semeion/semeion.data",
            ("https://archive.ics.uci.edu/ml/machine-learning-databases/semeion/semeion.data",),
            2_889_702,
            "f43228ae3da5ea6a3c95069d53450b86166770e3b719dcc333182128fe08d4b1",
            "cb545d371d2ce14ec121470795a77432",
        ),
        _mnist("train-images-idx3-ubyte.gz", 9_912_422,
               # published by TensorFlow Datasets; md5 as published by torchvision
               "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
               "f68b3c2dcbeaaa9fbdd348bbdeb94873",
               # the decompressed content, as published; the three others below were
               # computed from the decompressed files whose .gz match the published sums
               47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        _mnist("train-labels-idx1-ubyte.gz", 28_881,
               "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
               "d53e105ee54ea40749a09fcbcd1e9432",
               60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        _mnist("t10k-images-idx3-ubyte.gz", 1_648_877,
               "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
               "9fb629c4189551a2d022fa330f9573f3",
               7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        _mnist("t10k-labels-idx1-ubyte.gz", 4_542,
               "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
               "ec29112dd5afa0611ce80d1b7f02629c",
               10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        RemoteFile(
            "ng_digits_5000/labels.gz",
            (_NG_URL + "labels.gz",),
            4_971,
            "66d48aaac01da28b857a9e0934694a35fc5984aca9718e2ec160699bbba9e7ab",
            "8da65f7ac5d4999f9cd3f2074ddb4342",
        ),
        RemoteFile(
            "ng_digits_5000/images.gz",
            (_NG_URL + "images.gz",),
            None,
            None,
            note="No checksum of this file is known, so a download is verified by its format "
            "only (gzip text, one line of 400 numbers per line of labels.gz). Alternatives: "
            "Coursera's ex4data1.mat in the same folder, or mnist_20x20_standin().",
        ),
        RemoteFile(
            "ng_digits_5000/ex4data1.mat",
            (),
            None,
            None,
            note="Coursera Machine Learning exercise 4 data (MAT v5: X 5000x400, y 5000x1 "
            "with 10 for digit 0); it has no canonical public URL, so copy it by hand.",
        ),
        _cat("train_catvnoncat.h5", 2_572_022,
             "fbe56ab67c3ae28d564e3a644189117976d6b31af0a3ce9bb17dbf22908af242",
             "7ae153172cf0e4872f49a801f0c76c3d"),
        _cat("test_catvnoncat.h5", 616_958,
             "6a9d39ce52fa85953c5834695b8534a30ed8cfd54971fb2f080b5a24d002b951",
             "7214e326ef4178b6a71af105ddaf3dbd"),
    )
}


def cache_dir() -> Path:
    """The per-user cache folder: ``$XDG_CACHE_HOME/tinygrad_edu`` or ``~/.cache/tinygrad_edu``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tinygrad_edu"


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data root: ``data_dir``, else ``$TINYGRAD_EDU_DATA``, else `cache_dir()`."""
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get(ENV_DATA)
    return Path(env) if env else cache_dir()


def _entry(name: str) -> RemoteFile:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown data file {name!r}; known files: {sorted(REGISTRY)}") from None


def file_path(name: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the registered file ``name`` is under the data root: its own name, else the
    first of its aliases that exists, else (missing) where it would be."""
    root, entry = data_root(data_dir), _entry(name)
    for candidate in (entry.name, *entry.aliases):
        if (root / candidate).is_file():
            return root / candidate
    return root / entry.name


def _how_to_get(entry: RemoteFile, path: Path) -> str:
    where = (
        f"Download it from {' or '.join(entry.urls)} and put it at {path}" if entry.urls
        else f"No public download URL is registered for it: copy it to {path}"
    )
    aliases = (f" Its uncompressed content is also read as {' or '.join(entry.aliases)}."
               if entry.aliases else "")
    return (
        f"{where} (or set {ENV_DATA} to a folder that holds {entry.name}).{aliases}"
        f"{' ' + entry.note if entry.note else ''}"
    )


def verify_bytes(name: str, data: bytes, source: str) -> None:
    """Check ``data`` against the registered size and checksums of ``name``.

    Raises `ChecksumError` naming ``source`` and every mismatch; checks nothing that is
    not known (a file with no size and no checksum always passes).
    """
    entry = _entry(name)
    if entry.content_sha256 is not None:
        _verify_content(entry, data, source)
        return
    problems = []
    if entry.size is not None and len(data) != entry.size:
        problems.append(f"size is {len(data)} bytes, expected {entry.size}")
    for algorithm in ("sha256", "md5"):
        expected = getattr(entry, algorithm)
        if expected is not None:
            found = hashlib.new(algorithm, data).hexdigest()
            if found != expected:
                problems.append(f"{algorithm} is {found}, expected {expected}")
    if problems:
        raise ChecksumError(f"{source} is not the expected {entry.name}: " + "; ".join(problems))


def _verify_content(entry: RemoteFile, data: bytes, source: str) -> None:
    """Check the decompressed content of ``data`` (gzip, or already uncompressed)."""
    try:
        content = gunzip(data, source) if data[:2] == GZIP_MAGIC else data
    except DataFormatError as exc:
        raise ChecksumError(f"{source} is not the expected {entry.name}: {exc}") from None
    problems = []
    if entry.content_size is not None and len(content) != entry.content_size:
        problems.append(f"content size is {len(content)} bytes, expected {entry.content_size}")
    found = hashlib.sha256(content).hexdigest()
    if found != entry.content_sha256:
        problems.append(f"content sha256 is {found}, expected {entry.content_sha256}")
    if problems:
        raise ChecksumError(f"{source} is not the expected {entry.name} (checked by its "
                            "decompressed content): " + "; ".join(problems))


def _download_limit(entry: RemoteFile) -> int:
    """The most bytes a download of ``entry`` may bring."""
    if entry.content_size is not None:  # any faithful gzip: at most stored blocks' overhead
        return max(entry.size or 0, entry.content_size + entry.content_size // 1000 + 1024)
    return entry.size if entry.size is not None else MAX_UNKNOWN_SIZE


def verify_file(name: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Check the file ``name`` on disk against the registry; return its path.

    Raises `DataFileNotFoundError` if it is missing, `ChecksumError` on a mismatch.
    """
    path = file_path(name, data_dir)  # the file, or one of its aliases
    if not path.is_file():
        entry = _entry(name)
        raise DataFileNotFoundError(f"{path} not found. {_how_to_get(entry, path)}", path=path,
                                    urls=entry.urls)
    verify_bytes(name, path.read_bytes(), str(path))
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    Readers see either no file or the complete file; on failure the temporary file is
    removed and ``path`` is left as it was (see `tinygrad_edu.serialization.atomic_write`).
    """
    write_atomically(path, lambda f: f.write(data), mode=0o644)


def _http_get(url: str, limit: int, limits: DownloadLimits) -> bytes:
    """The body at ``url`` (at most ``limit`` bytes), within ``limits`` (else TimeoutError)."""
    request = urllib.request.Request(url, headers={"User-Agent": "tinygrad_edu"})
    start = time.monotonic()
    chunks, total = [], 0
    window_start, window_bytes = start, 0
    with urllib.request.urlopen(request, timeout=min(limits.timeout, limits.deadline)
                                ) as response:
        while chunk := response.read1(2**16):
            chunks.append(chunk)
            total += len(chunk)
            window_bytes += len(chunk)
            if total > limit:
                raise ChecksumError(f"{url} sent more than {limit} bytes, expected at most "
                                    f"{limit}")
            now = time.monotonic()
            if now - start > limits.deadline:
                raise TimeoutError(f"cut off after {now - start:.1f} s with {total} bytes: "
                                   f"over the deadline of {limits.deadline:g} s")
            if now - window_start >= limits.window:
                rate = window_bytes / (now - window_start)
                if rate < limits.min_rate:
                    raise TimeoutError(
                        f"cut off: {window_bytes} bytes in the last {now - window_start:.1f} s "
                        f"({rate:.0f} bytes/s), below the minimum rate of "
                        f"{limits.min_rate:g} bytes/s")
                window_start, window_bytes = now, 0
    return b"".join(chunks)


def _fetch(entry: RemoteFile, path: Path, mirror: str | None, limits: DownloadLimits
           ) -> tuple[bytes, str]:
    """Download ``entry`` from the first URL that gives the right bytes: (data, url)."""
    mirror = mirror if mirror is not None else os.environ.get(ENV_MIRROR) or None
    urls = (mirror.rstrip("/") + "/" + entry.name,) if mirror else entry.urls
    failures = []
    for url in urls:
        try:
            data = _http_get(url, _download_limit(entry), limits)
            verify_bytes(entry.name, data, url)
            return data, url
        except (OSError, http.client.HTTPException, ValueError) as exc:
            failures.append(f"  {url}: {exc}")
    tried = "\n".join(failures) if failures else "  (no URL is registered for it)"
    raise DownloadError(
        f"could not download {entry.name} to {path}; tried:\n{tried}\n{_how_to_get(entry, path)}"
    )


def read_data_file(
    name: str,
    parse: Callable[[bytes, str], T],
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = False,
    mirror: str | None = None,
    limits: DownloadLimits | None = None,
) -> T:
    """Return ``parse(contents, source)`` for the registered file ``name``.

    ``source`` names the file in error messages.  If the file is not under the data root
    it is downloaded when ``download`` is true (checked against the registry, then parsed,
    and written atomically only if both succeed); otherwise `DataFileNotFoundError`.
    ``limits``: when a download is cut off (default `DOWNLOAD_LIMITS`, which the loaders
    use).
    """
    entry = _entry(name)
    root = data_root(data_dir)
    found = file_path(name, data_dir)
    if found.is_file():
        return parse(found.read_bytes(), str(found))
    path = root / entry.name
    if not download:
        hint = " Or pass download=True." if entry.urls else ""
        raise DataFileNotFoundError(
            f"{path} not found (data root {root}). {_how_to_get(entry, path)}{hint}",
            path=path, urls=entry.urls)
    data, url = _fetch(entry, path, mirror, DOWNLOAD_LIMITS if limits is None else limits)
    result = parse(data, f"{path} (downloaded from {url})")
    atomic_write(path, data)
    return result

"""Data roots, the registry, and verified atomic downloads from a local HTTP server."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu.data import (
    REGISTRY,
    ChecksumError,
    DataFileNotFoundError,
    DataFormatError,
    DownloadError,
    DownloadLimits,
    cache_dir,
    data_root,
    file_path,
    load_mnist,
    load_ng_digits,
    load_semeion,
    sources,
    verify_file,
)
from tinygrad_edu.data.sources import atomic_write, read_data_file

from .fakes import (
    files_under,
    idx_gz,
    ng_labels_gz,
    register,
    register_content,
    semeion_bytes,
    text_gz,
    write,
)

SEMEION = "semeion/semeion.data"
MNIST_TEST = ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz")


def tiny_semeion() -> bytes:
    return semeion_bytes(np.eye(3, 256), np.array([4, 0, 9]))


def serve(server, monkeypatch, name: str, data: bytes, *, checksum_of: bytes | None = None):
    """Serve ``data`` as ``name`` and make the registry expect ``checksum_of`` (default data)."""
    write(server.root, name, data)
    register(monkeypatch, name, data if checksum_of is None else checksum_of)


# --------------------------------------------------------------------------- data roots
def test_data_root_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_root() == cache_dir() == tmp_path / "xdg" / "tinygrad_edu"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_root() == tmp_path / "home" / ".cache" / "tinygrad_edu"
    monkeypatch.setenv("TINYGRAD_EDU_DATA", "")  # empty counts as unset
    assert data_root() == tmp_path / "home" / ".cache" / "tinygrad_edu"
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    assert file_path(SEMEION, "x") == Path("x") / "semeion" / "semeion.data"


def test_unknown_file_name():
    with pytest.raises(KeyError, match=r"semeion/semeion\.data"):
        file_path("semeion/nope.data")


def test_registry_is_consistent():
    for name, entry in REGISTRY.items():
        assert entry.name == name
        assert all(u.startswith(("https://", "http://")) and u.endswith(Path(name).name)
                   for u in entry.urls)
        assert entry.sha256 is None or re.fullmatch("[0-9a-f]{64}", entry.sha256)
        assert entry.md5 is None or re.fullmatch("[0-9a-f]{32}", entry.md5)
    unverified = {n for n, e in REGISTRY.items() if e.sha256 is None and e.md5 is None}
    assert unverified == {"ng_digits_5000/images.gz", "ng_digits_5000/ex4data1.mat"}
    assert REGISTRY["mnist/train-images-idx3-ubyte.gz"].md5 == "f68b3c2dcbeaaa9fbdd348bbdeb94873"


# ----------------------------------------------------------------------------- downloads
def test_download_from_mirror_then_reuse(server, monkeypatch, tmp_path):
    serve(server, monkeypatch, SEMEION, tiny_semeion())
    X, y = load_semeion(download=True, mirror=server.url + "/")
    assert y.tolist() == [4, 0, 9] and X[1, 1] == 1
    target = cache_dir() / SEMEION
    assert files_under(cache_dir()) == [target]
    assert target.read_bytes() == tiny_semeion()
    assert target.stat().st_mode & 0o777 == 0o644
    (server.root / SEMEION).unlink()  # the second load reads the cached file only
    assert load_semeion(download=True, mirror=server.url)[1].tolist() == [4, 0, 9]


def test_mirror_from_environment_and_data_dir_target(server, monkeypatch, tmp_path):
    serve(server, monkeypatch, SEMEION, tiny_semeion())
    monkeypatch.setenv("TINYGRAD_EDU_MIRROR", server.url)
    load_semeion(tmp_path / "root", download=True)
    assert files_under(tmp_path / "root") == [tmp_path / "root" / SEMEION]


def test_public_urls_are_tried_in_order(server, monkeypatch):
    serve(server, monkeypatch, SEMEION, tiny_semeion())
    urls = (f"{server.url}/gone/semeion.data", f"{server.url}/{SEMEION}")
    register(monkeypatch, SEMEION, tiny_semeion(), urls=urls)
    assert load_semeion(download=True)[1].tolist() == [4, 0, 9]


def download_error(call, cache: Path) -> str:
    with pytest.raises(DownloadError) as info:
        call()
    assert files_under(cache) == []
    message = str(info.value)
    assert str(cache / SEMEION) in message and "TINYGRAD_EDU_DATA" in message
    return message


def test_http_404_leaves_nothing(server, monkeypatch):
    message = download_error(lambda: load_semeion(download=True, mirror=server.url),
                             cache_dir())
    assert f"{server.url}/{SEMEION}: HTTP Error 404" in message
    assert "archive.ics.uci.edu" in message  # where to get it by hand


def test_checksum_mismatch_leaves_nothing(server, monkeypatch):
    serve(server, monkeypatch, SEMEION, tiny_semeion(), checksum_of=tiny_semeion() + b"\n")
    message = download_error(lambda: load_semeion(download=True, mirror=server.url),
                             cache_dir())
    expected = hashlib.sha256(tiny_semeion() + b"\n").hexdigest()
    assert f"sha256 is {hashlib.sha256(tiny_semeion()).hexdigest()}, expected {expected}" \
        in message
    assert f"size is {len(tiny_semeion())} bytes, expected {len(tiny_semeion()) + 1}" in message


def test_oversized_download_is_refused(server, monkeypatch):
    serve(server, monkeypatch, SEMEION, tiny_semeion() * 2, checksum_of=tiny_semeion())
    message = download_error(lambda: load_semeion(download=True, mirror=server.url),
                             cache_dir())
    assert f"sent more than {len(tiny_semeion())} bytes" in message


def test_offline_names_every_public_url():
    """The autouse fixture refuses every connection but to localhost, as if offline."""
    with pytest.raises(DownloadError) as info:
        load_mnist("test", download=True)
    assert files_under(cache_dir()) == []
    urls = REGISTRY[MNIST_TEST[1]].urls
    assert len(urls) == 3
    for url in urls:
        assert f"{url}: <urlopen error network access" in str(info.value)
    assert f"put it at {cache_dir() / MNIST_TEST[1]}" in str(info.value)


def test_file_without_url_cannot_be_downloaded(tmp_path):
    with pytest.raises(DownloadError, match="no URL is registered"):
        read_data_file("ng_digits_5000/ex4data1.mat", lambda raw, src: raw,
                               data_dir=tmp_path, download=True)
    with pytest.raises(DataFileNotFoundError, match="copy it to") as info:
        read_data_file("ng_digits_5000/ex4data1.mat", lambda raw, src: raw,
                               data_dir=tmp_path)
    assert "download=True" not in str(info.value)


@pytest.mark.parametrize(("which", "raw", "message"), [
    (1, idx_gz(np.zeros(2))[:-6], "truncated or corrupt gzip"),
    (1, idx_gz(np.zeros(2), magic=2051), "magic number 2051 (0x00000803); expected 2049"),
    (0, idx_gz(np.zeros((2, 28, 28), np.uint8), magic=0x0801), "magic number 2049"),
], ids=["truncated-labels", "labels-magic", "images-magic"])
def test_downloaded_file_with_bad_format_is_not_kept(server, monkeypatch, which, raw, message):
    """The checksum matches (as if the registry listed a broken file): the format check
    still runs before anything is written."""
    good = {0: idx_gz(np.zeros((2, 28, 28))), 1: idx_gz(np.zeros(2))}
    good[which] = raw
    for i, name in enumerate(MNIST_TEST):
        serve(server, monkeypatch, name, good[i])
    with pytest.raises(DataFormatError) as info:
        load_mnist("test", download=True, mirror=server.url)
    assert message in str(info.value)
    assert f"downloaded from {server.url}/{MNIST_TEST[which]}" in str(info.value)
    assert str(cache_dir() / MNIST_TEST[which]) in str(info.value)
    kept = [cache_dir() / MNIST_TEST[1]] if which == 0 else []  # labels come first
    assert files_under(cache_dir()) == kept


def test_wrong_row_width_download_is_not_kept(server, monkeypatch):
    serve(server, monkeypatch, SEMEION, tiny_semeion().replace(b"1.0000 ", b"", 1))
    with pytest.raises(DataFormatError, match="line 1 has 265 values; expected 266"):
        load_semeion(download=True, mirror=server.url)
    assert files_under(cache_dir()) == []


def test_unverified_ng_images_are_checked_by_format(server, monkeypatch):
    serve(server, monkeypatch, "ng_digits_5000/labels.gz", ng_labels_gz(np.array([3, 0])))
    write(server.root, "ng_digits_5000/images.gz", text_gz(np.ones((3, 400))))
    with pytest.raises(DataFormatError, match="3 images; expected 2"):
        load_ng_digits(download=True, mirror=server.url)
    assert files_under(cache_dir()) == [cache_dir() / "ng_digits_5000/labels.gz"]
    write(server.root, "ng_digits_5000/images.gz", text_gz(np.ones((2, 400))))
    X, y = load_ng_digits(download=True, mirror=server.url)
    assert X.shape == (2, 400) and y.tolist() == [3, 0]
    assert len(files_under(cache_dir())) == 2


def test_verify_file(tmp_path, monkeypatch):
    data = gzip.compress(b"labels")
    register(monkeypatch, MNIST_TEST[1], data)
    path = write(tmp_path, MNIST_TEST[1], data)
    assert verify_file(MNIST_TEST[1], tmp_path) == path
    path.write_bytes(data[:-1] + b"!")
    with pytest.raises(ChecksumError) as info:
        verify_file(MNIST_TEST[1], tmp_path)
    assert str(path) in str(info.value)
    assert f"expected {hashlib.sha256(data).hexdigest()}" in str(info.value)
    with pytest.raises(DataFileNotFoundError, match="ossci-datasets"):
        verify_file(MNIST_TEST[0], tmp_path)


# ------------------------------------------------------------------------- atomic write
def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "a" / "b" / "file.bin"
    atomic_write(target, b"first")
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    assert files_under(tmp_path) == [target]


def test_atomic_write_failure_keeps_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        assert Path(src).parent == target.parent and Path(src).read_bytes() == b"new"
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert files_under(tmp_path) == [target]


# ------------------------------------------------------------------ slow and dripping
class _Drip(http.server.BaseHTTPRequestHandler):
    """Promises 10,000 bytes, then sends one every 20 ms: at most 250 (5 s), and stops as
    soon as the client hangs up."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "10000")
        self.end_headers()
        try:
            for _ in range(250):
                self.wfile.write(b"0")
                self.wfile.flush()
                time.sleep(0.02)
        except OSError:  # the client cut the download off
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def drip_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.mark.parametrize(("limits", "message"), [
    (DownloadLimits(timeout=5, deadline=60, min_rate=1000, window=0.3),
     r"bytes in the last 0\.\d s \(\d+ bytes/s\), below the minimum rate of 1000 bytes/s"),
    (DownloadLimits(timeout=5, deadline=0.5, min_rate=0, window=60),
     r"cut off after 0\.\d s with \d+ bytes: over the deadline of 0\.5 s"),
], ids=["min-rate", "deadline"])
def test_dripping_download_is_cut_off(drip_server, monkeypatch, limits, message):
    register(monkeypatch, SEMEION, bytes(10_000))
    start = time.monotonic()
    with pytest.raises(DownloadError, match=message) as info:
        read_data_file(SEMEION, lambda raw, src: raw, download=True, mirror=drip_server,
                       limits=limits)
    assert time.monotonic() - start < 4  # the drip alone would take 5 s, the file 200 s
    assert f"{drip_server}/{SEMEION}: cut off" in str(info.value)
    assert files_under(cache_dir()) == []


def test_loaders_use_the_module_limits(drip_server, monkeypatch):
    register(monkeypatch, SEMEION, bytes(10_000))
    monkeypatch.setattr(sources, "DOWNLOAD_LIMITS", DownloadLimits(timeout=5, deadline=0.3))
    with pytest.raises(DownloadError, match=r"over the deadline of 0\.3 s"):
        load_semeion(download=True, mirror=drip_server)


# ------------------------------------------------------- MNIST: verified by its content
def test_mnist_registry_holds_the_decompressed_checksums():
    published = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    assert REGISTRY["mnist/train-images-idx3-ubyte.gz"].content_sha256 == published
    assert REGISTRY["mnist/train-images-idx3-ubyte.gz"].content_size == 47_040_016
    for name in ("train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz"):
        entry = REGISTRY[f"mnist/{name}"]
        assert re.fullmatch("[0-9a-f]{64}", entry.content_sha256)
        stem = name.removesuffix(".gz")
        assert entry.aliases == (f"mnist/{stem}", f"mnist/{stem.replace('-idx', '.idx')}")


@pytest.mark.parametrize("form", ["gzip-9", "gzip-1-named", "raw", "raw-dotted-name"])
def test_mnist_any_faithful_copy_loads_and_verifies(tmp_path, monkeypatch, form):
    labels = gzip.decompress(idx_gz(np.array([3, 1, 4])))
    register_content(monkeypatch, MNIST_TEST[1], labels)
    name, data = {
        "gzip-9": (MNIST_TEST[1], gzip.compress(labels, 9, mtime=0)),
        "gzip-1-named": (MNIST_TEST[1], gzip.compress(labels, 1, mtime=1_600_000_000)),
        "raw": ("mnist/t10k-labels-idx1-ubyte", labels),
        "raw-dotted-name": ("mnist/t10k-labels.idx1-ubyte", labels),
    }[form]
    path = write(tmp_path, name, data)
    write(tmp_path, "mnist/t10k-images-idx3-ubyte", gzip.decompress(idx_gz(np.ones((3, 28, 28)))))
    assert verify_file(MNIST_TEST[1], tmp_path) == path
    images, y = load_mnist("test", tmp_path)
    assert images.shape == (3, 28, 28) and y.tolist() == [3, 1, 4]
    path.write_bytes(data.replace(b"\x04", b"\x05") if form.startswith("raw")
                     else gzip.compress(labels[:-1] + b"\x05"))
    with pytest.raises(ChecksumError, match=r"checked by its decompressed content\): content "
                                            r"sha256 is [0-9a-f]{64}, expected "):
        verify_file(MNIST_TEST[1], tmp_path)


def test_mnist_download_of_a_re_gzipped_copy_is_accepted(server, monkeypatch):
    labels = gzip.decompress(idx_gz(np.array([7, 2])))
    images = gzip.decompress(idx_gz(np.zeros((2, 28, 28))))
    for name, content in zip(MNIST_TEST, (images, labels), strict=True):
        register_content(monkeypatch, name, content)
        write(server.root, name, gzip.compress(content, 1, mtime=0))  # not the original bytes
    x, y = load_mnist("test", download=True, mirror=server.url)
    assert y.tolist() == [7, 2] and x.shape == (2, 28, 28)
    assert len(files_under(cache_dir())) == 2
    write(server.root, MNIST_TEST[1], gzip.compress(labels + b"\x00", mtime=0))
    (cache_dir() / MNIST_TEST[1]).unlink()
    with pytest.raises(DownloadError, match="content size is 11 bytes, expected 10"):
        load_mnist("test", download=True, mirror=server.url)

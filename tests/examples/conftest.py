"""Fixtures for the example tests: the examples folder on sys.path, one BLAS thread, and the
choice between the real data (``TINYGRAD_EDU_DATA`` set and holding the files) and the
examples' ``--synthetic`` stand-ins of the right shape."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# the files each example reads (names under a data root) and the modules it needs
NEEDS = {
    "semeion_000": (["semeion/semeion.data"], []),
    "digits_001": ([], ["sklearn"]),
    "mnist_002": (["mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"], []),
    "ng_003": (["mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"],
               ["scipy"]),
    "catvnoncat_004": (["catvnoncat/train_catvnoncat.h5", "catvnoncat/test_catvnoncat.h5"],
                       ["h5py"]),
    "cnn_mnist": ([f"mnist/{split}-{kind}-ubyte.gz" for split in ("train", "t10k")
                   for kind in ("images-idx3", "labels-idx1")], []),
    "cnn_catvnoncat": (["catvnoncat/train_catvnoncat.h5", "catvnoncat/test_catvnoncat.h5"],
                       ["h5py"]),
}


def real_data_available(name: str) -> bool:
    """True when the example can run on real data: ``TINYGRAD_EDU_DATA`` names a folder with
    its files (digits need only scikit-learn) and its optional modules are installed."""
    files, modules = NEEDS[name]
    if any(importlib.util.find_spec(m) is None for m in modules):
        return False
    if not files:
        return True
    root = os.environ.get("TINYGRAD_EDU_DATA")
    return bool(root) and all((Path(root) / f).is_file() for f in files)


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """Small matrices on a busy 2-core machine: one BLAS thread is faster and steadier."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def example():
    """example(name) -> the imported example module."""
    return importlib.import_module


def data_flags(name: str) -> list[str]:
    """[] for the real data, ["--synthetic"] otherwise."""
    return [] if real_data_available(name) else ["--synthetic"]


def assert_pngs(folder: Path, names=("cost.png", "accuracy.png", "predictions.png")) -> None:
    for n in names:
        path = Path(folder) / n
        assert path.is_file(), f"{path} was not written"
        assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"

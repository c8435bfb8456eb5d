"""Data for tinygrad_edu: datasets, mini-batches, and loaders for the articles' data sets.

Loaders return NumPy arrays (shapes, dtypes and label encodings in each docstring) and
find files under a data root: the ``data_dir`` argument, else ``$TINYGRAD_EDU_DATA``, else
``$XDG_CACHE_HOME/tinygrad_edu`` (``~/.cache/tinygrad_edu``); ``download=True`` fetches a
missing file and verifies it, ``mirror``/``$TINYGRAD_EDU_MIRROR`` replaces the public URLs.
See `tinygrad_edu.data.sources`.
"""

from tinygrad_edu.data.catvnoncat import load_catvnoncat
from tinygrad_edu.data.dataset import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    one_hot,
    random_split,
)
from tinygrad_edu.data.digits import load_digits
from tinygrad_edu.data.errors import (
    ChecksumError,
    DataError,
    DataFileNotFoundError,
    DataFormatError,
    DownloadError,
    MissingDependencyError,
)
from tinygrad_edu.data.mnist import load_mnist
from tinygrad_edu.data.ng_digits import load_ng_digits, mnist_20x20_standin
from tinygrad_edu.data.resize import resize_area
from tinygrad_edu.data.semeion import load_semeion
from tinygrad_edu.data.sources import (
    ENV_DATA,
    ENV_MIRROR,
    REGISTRY,
    RemoteFile,
    cache_dir,
    data_root,
    file_path,
    verify_file,
)

__all__ = [
    "ENV_DATA",
    "ENV_MIRROR",
    "REGISTRY",
    "ChecksumError",
    "DataError",
    "DataFileNotFoundError",
    "DataFormatError",
    "DataLoader",
    "Dataset",
    "DownloadError",
    "MissingDependencyError",
    "RemoteFile",
    "Subset",
    "TensorDataset",
    "cache_dir",
    "data_root",
    "file_path",
    "load_catvnoncat",
    "load_digits",
    "load_mnist",
    "load_ng_digits",
    "load_semeion",
    "mnist_20x20_standin",
    "one_hot",
    "random_split",
    "resize_area",
    "verify_file",
]

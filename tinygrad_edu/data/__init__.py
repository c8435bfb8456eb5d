"""Data for tinygrad_edu: datasets, mini-batches, and loaders for the articles' data sets.

Loaders return NumPy arrays (shapes, dtypes and label encodings in each docstring) and
find files under a data root: the ``data_dir`` argument, else ``$TINYGRAD_EDU_DATA``, else
``$XDG_CACHE_HOME/tinygrad_edu`` (``~/.cache/tinygrad_edu``); ``download=True`` fetches a
missing file and verifies it, ``mirror``/``$TINYGRAD_EDU_MIRROR`` replaces the public URLs.
See `tinygrad_edu.data.sources`.
"""

from .catvnoncat import load_catvnoncat
from .dataset import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    one_hot,
    random_split,
)
from .digits import load_digits
from .errors import (
    ChecksumError,
    DataError,
    DataFileNotFoundError,
    DataFormatError,
    DownloadError,
    MissingDependencyError,
)
from .image_folder import ImageFolder, find_classes, load_image, load_image_folder
from .mnist import load_mnist
from .ng_digits import load_ng_digits, mnist_20x20_standin
from .resize import resize_area
from .semeion import load_semeion
from .sources import (
    DOWNLOAD_LIMITS,
    ENV_DATA,
    ENV_MIRROR,
    REGISTRY,
    DownloadLimits,
    RemoteFile,
    cache_dir,
    data_root,
    file_path,
    verify_file,
)

__all__ = [
    "DOWNLOAD_LIMITS",
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
    "DownloadLimits",
    "ImageFolder",
    "MissingDependencyError",
    "RemoteFile",
    "Subset",
    "TensorDataset",
    "cache_dir",
    "data_root",
    "file_path",
    "find_classes",
    "load_catvnoncat",
    "load_digits",
    "load_image",
    "load_image_folder",
    "load_mnist",
    "load_ng_digits",
    "load_semeion",
    "mnist_20x20_standin",
    "one_hot",
    "random_split",
    "resize_area",
    "verify_file",
]

"""A folder of your own pictures, one subfolder per class (torchvision's ``ImageFolder``).

::

    root/cat/0001.jpg
    root/cat/garfield.png
    root/non-cat/tree.jpg

The classes are the subfolder names in sorted order, and class ``k`` has label ``k``
(``classes[k]``, ``class_to_idx[name]``); files whose extension is not an image's are
skipped.  Pillow reads the images (an optional dependency: ``pip install pillow``, or the
``examples`` extra); a file it cannot read is a `DataFormatError` naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import Dataset
from .errors import DataFileNotFoundError, DataFormatError, require

IMG_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".pgm", ".png", ".ppm", ".tif", ".tiff",
                  ".webp")


def find_classes(root: str | os.PathLike[str]) -> tuple[list[str], dict[str, int]]:
    """The subfolders of ``root`` in sorted order, and each one's label."""
    root = Path(root)
    if not root.is_dir():
        raise DataFileNotFoundError(f"image folder {root} not found (expected a folder with "
                                    f"one subfolder of images per class)", path=root)
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise DataFormatError(f"{root}: no class subfolders; expected root/<class>/<image> "
                              f"(e.g. {root}/cat/1.jpg)")
    return classes, {c: i for i, c in enumerate(classes)}


def load_image(path: str | os.PathLike[str], size: tuple[int, int] | None = None,
               mode: str = "RGB") -> np.ndarray:
    """One picture as a uint8 array of shape (H, W, 3) (``mode="RGB"``) or (H, W)
    (``mode="L"``, grey), resized to ``size = (height, width)`` bilinearly when given (as
    article 004 resizes its own picture to 64x64)."""
    image_module = require("PIL.Image", "pillow", "load_image")
    try:
        with image_module.open(path) as image:
            image = image.convert(mode)
            if size is not None:
                image = image.resize((size[1], size[0]), image_module.Resampling.BILINEAR)
            return np.asarray(image, dtype=np.uint8).copy()
    except FileNotFoundError:
        raise DataFileNotFoundError(f"{path} not found", path=path) from None
    except Exception as exc:  # Pillow reports broken files with many exception types
        raise DataFormatError(f"{path}: not a readable image ({type(exc).__name__}: "
                              f"{exc})") from None


class ImageFolder(Dataset):
    """The images under ``root/<class>/`` as ``(image, label)`` pairs.

    ``image`` is `load_image`'s uint8 array (``size``, ``mode`` as there), passed through
    ``transform`` when given; ``label`` is the class index, passed through
    ``target_transform``.  ``classes``, ``class_to_idx``, ``samples`` (path, label) and
    ``targets`` as in torchvision.
    """

    def __init__(self, root: str | os.PathLike[str], transform: Callable[[np.ndarray], Any]
                 | None = None, target_transform: Callable[[int], Any] | None = None,
                 size: tuple[int, int] | None = None, mode: str = "RGB") -> None:
        self.root = Path(root)
        self.classes, self.class_to_idx = find_classes(self.root)
        self.samples = [(str(path), label) for name, label in self.class_to_idx.items()
                        for path in sorted((self.root / name).rglob("*"))
                        if path.is_file() and path.suffix.lower() in IMG_EXTENSIONS]
        if not self.samples:
            raise DataFormatError(f"{self.root}: no images (extensions "
                                  f"{', '.join(IMG_EXTENSIONS)}) in {', '.join(self.classes)}")
        self.targets = [label for _, label in self.samples]
        self.transform, self.target_transform = transform, target_transform
        self.size, self.mode = size, mode

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, label = self.samples[index]
        image: Any = load_image(path, self.size, self.mode)
        if self.transform is not None:
            image = self.transform(image)
        return image, label if self.target_transform is None else self.target_transform(label)

    def __len__(self) -> int:
        return len(self.samples)


def load_image_folder(root: str | os.PathLike[str], size: tuple[int, int] = (64, 64),
                      mode: str = "RGB") -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Every image under ``root/<class>/`` at one size: ``(images, labels, classes)``.

    * ``images``: (N, height, width, 3) uint8 (``mode="RGB"``; (N, height, width) for "L");
    * ``labels``: (N,) int64, the index of each image's class in ``classes``.
    """
    folder = ImageFolder(root, size=size, mode=mode)
    images = np.stack([folder[i][0] for i in range(len(folder))])
    return images, np.asarray(folder.targets, dtype=np.int64), tuple(folder.classes)

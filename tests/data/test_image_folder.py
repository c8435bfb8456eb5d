"""ImageFolder / load_image_folder: your own pictures, one subfolder per class."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu.data import (
    DataFileNotFoundError,
    DataFormatError,
    ImageFolder,
    find_classes,
    load_image,
    load_image_folder,
)

Image = pytest.importorskip("PIL.Image")


def picture(path, size=(10, 8), colour=(255, 0, 0), mode="RGB", fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour if mode == "RGB" else 128).save(path, format=fmt)
    return path


@pytest.fixture
def folder(tmp_path):
    picture(tmp_path / "non-cat" / "tree.png", colour=(0, 255, 0))
    picture(tmp_path / "cat" / "b.jpg", colour=(255, 0, 0))
    picture(tmp_path / "cat" / "a.png", size=(20, 30), colour=(0, 0, 255))
    picture(tmp_path / "cat" / "grey.png", mode="L")
    (tmp_path / "cat" / "notes.txt").write_text("not an image: skipped")
    (tmp_path / ".hidden").mkdir()
    return tmp_path


def test_classes_are_sorted_subfolders_and_labels_their_indices(folder):
    classes, class_to_idx = find_classes(folder)
    assert classes == ["cat", "non-cat"] and class_to_idx == {"cat": 0, "non-cat": 1}
    ds = ImageFolder(folder)
    assert [p.rsplit("/", 1)[1] for p, _ in ds.samples] == ["a.png", "b.jpg", "grey.png",
                                                           "tree.png"]
    assert ds.targets == [0, 0, 0, 1] and len(ds) == 4


def test_images_load_as_uint8_rgb_in_their_own_size_or_resized(folder):
    image, label = ImageFolder(folder)[0]
    assert image.dtype == np.uint8 and image.shape == (30, 20, 3) and label == 0
    assert (image == [0, 0, 255]).all()
    grey, _ = ImageFolder(folder)[2]
    assert grey.shape == (8, 10, 3) and (grey == 128).all()  # L converted to RGB
    x, y, classes = load_image_folder(folder, size=(16, 12))
    assert x.shape == (4, 16, 12, 3) and x.dtype == np.uint8
    assert y.tolist() == [0, 0, 0, 1] and y.dtype == np.int64 and classes == ("cat", "non-cat")
    assert load_image(folder / "cat" / "a.png", mode="L").shape == (30, 20)


def test_transforms_apply_to_image_and_label(folder):
    ds = ImageFolder(folder, transform=lambda a: a.mean(), target_transform=lambda k: -k)
    value, label = ds[3]
    assert value == pytest.approx(255 / 3) and label == -1


def test_missing_empty_and_broken_inputs_are_the_projects_errors(tmp_path, folder):
    with pytest.raises(DataFileNotFoundError, match="not found"):
        ImageFolder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFormatError, match="no class subfolders"):
        ImageFolder(tmp_path / "empty")
    (tmp_path / "empty" / "cat").mkdir()
    with pytest.raises(DataFormatError, match="no images"):
        ImageFolder(tmp_path / "empty")
    broken = folder / "cat" / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(DataFormatError, match=r"broken\.png: not a readable image"):
        load_image_folder(folder)


def test_fuzzed_images_load_or_raise_data_format_error(tmp_path):
    rng = np.random.default_rng(0)
    original = picture(tmp_path / "x.png", size=(12, 9)).read_bytes()
    jpeg = picture(tmp_path / "y.jpg", size=(12, 9), fmt="JPEG").read_bytes()
    for raw in (original, jpeg):
        for trial in range(60):
            data = bytearray(raw)
            if trial % 3 == 0:
                data = data[:rng.integers(1, len(data))]  # truncated
            else:
                for pos in rng.integers(0, len(data), size=3):
                    data[pos] ^= 1 << int(rng.integers(8))
            path = tmp_path / f"fuzz{trial}.png"
            path.write_bytes(bytes(data))
            try:
                image = load_image(path, size=(8, 8))
            except DataFormatError:
                continue
            assert image.shape == (8, 8, 3) and image.dtype == np.uint8

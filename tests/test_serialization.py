"""save / load: round trips of module and optimizer state, atomic writes, and refusing
damaged, foreign or pickle-carrying files without unpickling anything."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim
from tinygrad_edu.serialization import load, save


def _trained():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    x = tg.randn(5, 3)
    for _ in range(2):
        opt.zero_grad()
        (model(x) ** 2).sum().backward()
        opt.step()
    return model, opt, x


def test_round_trip_module_and_optimizer(tmp_path):
    model, opt, x = _trained()
    path = tmp_path / "checkpoint.npz"
    save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 2}, path)
    ck = load(path)
    assert list(ck) == ["model", "optim", "epoch"] and ck["epoch"] == 2
    assert list(ck["model"]) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert isinstance(ck["model"]["0.weight"], tg.Tensor)
    assert ck["model"]["0.weight"].dtype == np.float32 and ck["model"]["0.weight"].shape == (4, 3)
    assert ck["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples stay tuples
    assert sorted(ck["optim"]["state"]) == [0, 1, 2, 3]              # int keys stay ints

    tg.manual_seed(1)
    twin = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    twin_opt = optim.Adam(twin.parameters(), lr=0.5)
    twin.load_state_dict(ck["model"])
    twin_opt.load_state_dict(ck["optim"])
    np.testing.assert_array_equal(twin(x).data, model(x).data)
    for m, o in ((model, opt), (twin, twin_opt)):  # training continues identically
        o.zero_grad()
        (m(x) ** 2).sum().backward()
        o.step()
    for a, b in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_round_trip_of_plain_values(tmp_path):
    obj = {"a": [1, 2.5, None, "text", True], "b": (np.arange(3), {"n": np.float32(1.5)}),
           7: np.zeros((2, 0)), "nan": float("nan"), "bools": np.array([True, False])}
    save(obj, tmp_path / "x.npz")
    back = load(tmp_path / "x.npz")
    assert back["a"] == [1, 2.5, None, "text", True]
    assert isinstance(back["b"], tuple) and isinstance(back["b"][0], np.ndarray)
    np.testing.assert_array_equal(back["b"][0], np.arange(3))
    assert back["b"][1] == {"n": 1.5} and back[7].shape == (2, 0) and np.isnan(back["nan"])
    assert back["bools"].dtype == bool


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match="object arrays cannot be saved"):
        save({"x": np.array([1, "a"], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="cannot save an object of type set"):
        save({"x": {1, 2}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        save({(1, 2): 3}, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save({"w": np.ones(3)}, path)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.zeros(3)}, path)
    assert path.read_bytes() == before                 # the old file is intact
    assert os.listdir(tmp_path) == ["model.npz"]       # and no temporary file is left
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path)["w"], np.ones(3))


class _Bomb:
    """Unpickling this would create a file: proof that loading never unpickles."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def _zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)


def _npy(array, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def _header(root):
    text = json.dumps({"format": "tinygrad_edu.save", "version": 1, "root": root})
    return _npy(np.frombuffer(text.encode(), dtype=np.uint8))


def test_pickled_object_array_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "pwned"
    bomb = np.empty(1, dtype=object)
    bomb[0] = _Bomb(str(marker))
    path = tmp_path / "evil.npz"
    _zip(path, {"__tinygrad_edu__.npy": _header({"dict": [["w", {"ndarray": "a0"}]]}),
                "a0.npy": _npy(bomb, allow_pickle=True)})
    with pytest.raises(ValueError, match="cannot be read without pickle"):
        load(path)
    assert not marker.exists()


def test_plain_pickle_file_is_refused(tmp_path):
    import pickle

    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(_Bomb(str(marker))))
    with pytest.raises(ValueError, match=r"not a NumPy \.npz archive"):
        load(path)
    assert not marker.exists()


def test_damaged_and_foreign_files_give_clear_errors(tmp_path):
    good = tmp_path / "good.npz"
    save({"w": np.arange(1000.0)}, good)
    data = good.read_bytes()

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        load(truncated)

    noise = tmp_path / "noise.npz"
    noise.write_bytes(np.random.default_rng(0).bytes(2000))
    with pytest.raises(ValueError, match=r"not a NumPy \.npz archive"):
        load(noise)

    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"not a NumPy \.npz archive"):
        load(empty)

    foreign_npz = tmp_path / "plain.npz"
    np.savez(foreign_npz, w=np.ones(2))
    with pytest.raises(ValueError, match=r"not written by tinygrad_edu\.save"):
        load(foreign_npz)

    random_zip = tmp_path / "other.zip"
    _zip(random_zip, {"readme.txt": "hello"})
    with pytest.raises(ValueError, match=r"not written by tinygrad_edu\.save"):
        load(random_zip)

    npy = tmp_path / "single.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(ValueError, match=r"single \.npy array"):
        load(npy)

    with pytest.raises(FileNotFoundError, match="no such file"):
        load(tmp_path / "missing.npz")


@pytest.mark.parametrize("root, why", [
    ({"ndarray": "a9"}, "missing array entry 'a9'"),
    ({"ndarray": "__tinygrad_edu__"}, "refers to the structure entry"),
    ({"frozenset": []}, "unknown structure tag"),
    ({"dict": [["k"]]}, "malformed dict entry"),
    ([1, 2], "unexpected structure node"),
])
def test_corrupt_structure_is_reported(tmp_path, root, why):
    path = tmp_path / "bad.npz"
    _zip(path, {"__tinygrad_edu__.npy": _header(root)})
    with pytest.raises(ValueError, match=why):
        load(path)


def test_bad_header_is_reported(tmp_path):
    path = tmp_path / "bad.npz"
    _zip(path, {"__tinygrad_edu__.npy": _npy(np.frombuffer(b"{not json", dtype=np.uint8))})
    with pytest.raises(ValueError, match="not valid JSON"):
        load(path)
    text = json.dumps({"format": "tinygrad_edu.save", "version": 99, "root": None}).encode()
    _zip(path, {"__tinygrad_edu__.npy": _npy(np.frombuffer(text, dtype=np.uint8))})
    with pytest.raises(ValueError, match="format version 99"):
        load(path)

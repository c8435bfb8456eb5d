"""save / load: round trips of module and optimizer state, atomic writes, and refusing
damaged, foreign or pickle-carrying files without unpickling anything."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim
from tinygrad_edu.serialization import LoadError, load, save


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

    def crash(file, array, **kwargs):
        file.write(b"\x93NUMPY half an array")
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", crash)
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
    with pytest.raises(LoadError, match="cannot be read without pickle"):
        load(path)
    assert not marker.exists()


def test_plain_pickle_file_is_refused(tmp_path):
    import pickle

    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(_Bomb(str(marker))))
    with pytest.raises(LoadError, match=r"is a Python pickle, not a NumPy \.npz archive"):
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


# ------------------------------------------------------------- hostile or broken archives
def _npy_header(shape, dtype) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": shape})
    return buf.getvalue()


def test_loaded_archives_are_load_errors_and_value_errors():
    assert issubclass(LoadError, ValueError) and tg.LoadError is LoadError


@pytest.mark.parametrize("shape", [(1000,), (2**37,)], ids=["8-kB", "1-TiB"])
def test_entry_declaring_more_than_it_holds(tmp_path, shape):
    path = tmp_path / "short.npz"
    _zip(path, {"__tinygrad_edu__.npy": _header({"ndarray": "w"}),
                "w.npy": _npy_header(shape, np.float64) + bytes(80)})
    nbytes = 8 * shape[0]
    with pytest.raises(LoadError, match=re.escape(
            f"entry 'w' declares shape {shape} float64 ({nbytes} bytes) but holds 80 bytes")):
        load(path)


def test_content_over_max_bytes_is_refused(tmp_path):
    path = tmp_path / "big.npz"
    save({"w": np.zeros(1000)}, path)
    with pytest.raises(LoadError, match=r"more than max_bytes=4000 .*pass a larger max_bytes="):
        load(path, max_bytes=4000)
    np.testing.assert_array_equal(load(path, max_bytes=10_000)["w"], np.zeros(1000))


def _raw_zip(path, entries):
    """A zip written by hand: (name, data as stored, crc, declared size, method) per entry."""
    local, central = b"", b""
    for name, data, crc, size, method in entries:
        n = name.encode()
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc,
                               len(data), size, len(n), 0, 0, 0, 0, 0, len(local)) + n
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data),
                             size, len(n), 0) + n + data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(local), 0)
    path.write_bytes(local + central + end)


def test_zip_bomb_is_refused_before_decompressing(tmp_path):
    """1 MiB on disk, 1 GiB of zeros inside (deflate blocks repeated after full flushes).
    The CRC is left 0: the loader must refuse from the declared sizes, reading nothing."""
    header = _npy_header((2**27,), np.float64)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(header) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(bytes(2**20)) + deflate.flush(zlib.Z_FULL_FLUSH)
    stream = first + block * 1024 + deflate.flush()
    structure = _header({"ndarray": "w"})
    path = tmp_path / "bomb.npz"
    _raw_zip(path, [("__tinygrad_edu__.npy", structure, zlib.crc32(structure), len(structure),
                     0), ("w.npy", stream, 0, len(header) + 2**30, 8)])
    assert path.stat().st_size < 2**21
    with pytest.raises(LoadError, match=r"declares 10737\d{5} bytes of content, more than "
                                        r"max_bytes=268435456 \(a zip bomb\?\)"):
        load(path)
    # the declared size can lie: an entry that says 208 bytes is read as 208 bytes at most
    # (and its CRC fails), never decompressed further
    _raw_zip(path, [("__tinygrad_edu__.npy", structure, zlib.crc32(structure), len(structure),
                     0), ("w.npy", stream, 0, len(header) + 80, 8)])
    with pytest.raises(LoadError, match=r"entry 'w' is unreadable \(BadZipFile: Bad CRC-32"):
        load(path)


def test_deeply_nested_structures(tmp_path):
    path = tmp_path / "deep.npz"
    text = '{"format": "tinygrad_edu.save", "version": 1, "root": ' + '{"list": [' * 100_000
    text += "]}" * 100_000 + "}"
    _zip(path, {"__tinygrad_edu__.npy": _npy(np.frombuffer(text.encode(), dtype=np.uint8))})
    with pytest.raises(LoadError, match="nested too deeply"):
        load(path)
    nested: list = []
    for _ in range(150):
        nested = [nested]
    _zip(path, {"__tinygrad_edu__.npy": _header(json.loads(json.dumps(_nest(150))))})
    with pytest.raises(LoadError, match="nests more than 100 levels"):
        load(path)
    with pytest.raises(ValueError, match="nests more than 100 levels"):
        save(nested, tmp_path / "x.npz")
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="or contains itself"):
        save(loop, tmp_path / "x.npz")
    assert sorted(os.listdir(tmp_path)) == ["deep.npz"]
    save(_nested_ok := [[[1]]], tmp_path / "ok.npz")
    assert load(tmp_path / "ok.npz") == _nested_ok


def _nest(depth):
    node = None
    for _ in range(depth):
        node = {"list": [node]}
    return node


# ------------------------------------------------------------ keys, safetensors, PyTorch
def test_npz_entries_are_named_by_state_dict_keys(tmp_path):
    model, opt, _ = _trained()
    save(model.state_dict(), tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz") as plain:
        assert plain.files == ["0.weight", "0.bias", "2.weight", "2.bias", "__tinygrad_edu__"]
        np.testing.assert_array_equal(plain["2.bias"], model.state_dict()["2.bias"].data)
    save({"model": model.state_dict(), "optim": opt.state_dict(), 0: np.ones(1), "0": [np.ones(2)]},
         tmp_path / "checkpoint.npz")
    with np.load(tmp_path / "checkpoint.npz") as plain:
        assert plain.files[:2] == ["model/0.weight", "model/0.bias"]
        assert "optim/state/0/exp_avg" in plain.files
        assert plain.files[-3:] == ["0", "0/0", "__tinygrad_edu__"]
    back = load(tmp_path / "checkpoint.npz")
    assert back[0].shape == (1,) and back["0"][0].shape == (2,)


def test_archives_of_the_first_layout_still_load(tmp_path):
    path = tmp_path / "old.npz"
    _zip(path, {"__tinygrad_edu__.npy": _header({"dict": [["w", {"tensor": "a0"}],
                                                          ["b", {"ndarray": "a1"}]]}),
                "a0.npy": _npy(np.arange(6.0).reshape(2, 3)), "a1.npy": _npy(np.ones(2))})
    back = load(path)
    assert isinstance(back["w"], tg.Tensor) and back["w"].shape == (2, 3)
    np.testing.assert_array_equal(back["b"], np.ones(2))


SAFE_DTYPES = [np.bool_, np.uint8, np.int8, np.uint16, np.int16, np.float16, np.uint32,
               np.int32, np.float32, np.uint64, np.int64, np.float64]


def _state():
    rng = np.random.default_rng(0)
    sd = {f"t.{np.dtype(d).name}": (rng.normal(size=(2, 3)) * 10).astype(d) for d in SAFE_DTYPES}
    sd["scalar"] = np.array(2.5, np.float32)
    sd["empty"] = np.zeros((0, 4), np.float32)
    sd["big_endian"] = np.arange(3, dtype=">i4")
    sd["strided"] = np.arange(12.0).reshape(3, 4)[:, ::2]
    return sd


def test_safetensors_round_trip(tmp_path):
    model, _, x = _trained()
    save(model.state_dict(), tmp_path / "model.safetensors")
    twin = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    twin.load_state_dict(load(tmp_path / "model.safetensors"))
    np.testing.assert_array_equal(twin(x).data, model(x).data)
    sd = _state()
    save(sd, tmp_path / "weights.bin", format="safetensors")
    back = load(tmp_path / "weights.bin", format="safetensors")
    assert list(back) == list(sd)
    for k, v in sd.items():
        assert isinstance(back[k], tg.Tensor) and back[k].dtype == v.dtype.newbyteorder("=")
        np.testing.assert_array_equal(back[k].data, v)
    raw = (tmp_path / "weights.bin").read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    assert length % 8 == 0 and json.loads(raw[8:8 + length])["__metadata__"] == {"format": "pt"}
    with pytest.raises(LoadError, match=r"looks like a safetensors file.*format='safetensors'"):
        load(tmp_path / "weights.bin")


@pytest.mark.parametrize("obj, message", [
    ({"w": np.ones(2, np.complex64)}, "entry 'w' has dtype complex64; safetensors holds"),
    ({"w": np.array(["a"])}, "has dtype <U1"),
    ({"__metadata__": np.ones(1)}, "is reserved"),
    ({"a": {"b": np.ones(1)}}, "one flat dict of str keys"),
    ({1: np.ones(1)}, "one flat dict of str keys"),
    ([np.ones(1)], "one flat dict of str keys"),
])
def test_safetensors_save_refuses_what_it_cannot_hold(tmp_path, obj, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        save(obj, tmp_path / "x.safetensors")
    assert os.listdir(tmp_path) == []


def _safetensors(header: dict, data: bytes = b"", length: int | None = None) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def _entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


@pytest.mark.parametrize("raw, why", [
    (b"\x01\x00", "2 bytes; expected an 8-byte header length"),
    (_safetensors({"w": _entry()}, bytes(8), length=2**40), "header length 1099511627776"),
    (_safetensors({"w": _entry(offsets=(0, 16))}, bytes(16)), "declares F32 [2] (8 bytes)"),
    (_safetensors({"w": _entry(offsets=(0, 8))}, bytes(16)), "cover 8 bytes of data but"),
    (_safetensors({"w": _entry(offsets=(0, 8))}, bytes(4)), "cover 8 bytes of data but"),
    (_safetensors({"w": _entry(offsets=(8, 16))}, bytes(16)), "leaves a gap"),
    (_safetensors({"a": _entry(), "b": _entry(offsets=(4, 12))}, bytes(12)),
     "'b' starts at byte 4, which overlaps"),
    (_safetensors({"w": _entry(offsets=(8, 0))}, bytes(8)), "data_offsets [8, 0]"),
    (_safetensors({"w": _entry(offsets=(-8, 0))}, bytes(8)), "data_offsets [-8, 0]"),
    (_safetensors({"w": _entry(dtype="BF16", offsets=(0, 4))}, bytes(4)),
     "dtype 'BF16', which NumPy cannot hold"),
    (_safetensors({"w": _entry(shape=(-2,))}, bytes(8)), "shape [-2]"),
    (_safetensors({"w": _entry(shape=(True,), offsets=(0, 4))}, bytes(4)), "shape [True]"),
    (_safetensors({"w": {"dtype": "F32", "shape": [2]}}, bytes(8)), "expected dtype, shape"),
    (_safetensors({"__metadata__": {"a": 1}}), "__metadata__ is not an object of strings"),
    (_safetensors([]), "not a JSON object"),
    (struct.pack("<Q", 3) + b"{x}", "not valid JSON"),
    (struct.pack("<Q", 2) + b"\xff}", "not valid JSON"),
    (struct.pack("<Q", 24) + b'{"a": 1, "a": 2}        ', "duplicate key 'a'"),
    (struct.pack("<Q", 200_008) + b"[" * 100_000 + b"]" * 100_000 + b"        ",
     "RecursionError"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_safetensors_headers_are_validated_strictly(tmp_path, raw, why):
    """As strict as the safetensors package: offsets in range, contiguous, no overlap."""
    path = tmp_path / "bad.safetensors"
    path.write_bytes(raw)
    with pytest.raises(LoadError, match=re.escape(why)) as info:
        load(path)
    assert str(path) in str(info.value)


def test_safetensors_over_max_bytes(tmp_path):
    save({"w": np.zeros(100)}, tmp_path / "w.safetensors")
    with pytest.raises(LoadError, match="more than max_bytes=100"):
        load(tmp_path / "w.safetensors", max_bytes=100)


def test_safetensors_package_reads_ours_and_we_read_its(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    sd = _state()
    save(sd, tmp_path / "ours.safetensors")
    theirs = st.load_file(str(tmp_path / "ours.safetensors"))
    assert sorted(theirs) == sorted(sd)
    for k, v in sd.items():
        assert theirs[k].dtype == v.dtype.newbyteorder("=")
        np.testing.assert_array_equal(theirs[k], v)
    st.save_file({k: np.ascontiguousarray(v, v.dtype.newbyteorder("=")) for k, v in sd.items()},
                 str(tmp_path / "theirs.safetensors"), metadata={"format": "pt"})
    back = load(tmp_path / "theirs.safetensors")
    assert sorted(back) == sorted(sd)
    for k, v in sd.items():
        np.testing.assert_array_equal(back[k].data, v)


def _torch_zip(path):
    _zip(path, {"archive/data.pkl": b"\x80\x02}q\x00.", "archive/version": "3\n",
                "archive/data/0": bytes(16)})


def test_pytorch_files_say_how_to_bring_them_in(tmp_path):
    _torch_zip(tmp_path / "model.pt")
    (tmp_path / "legacy.pth").write_bytes(
        b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.")
    for name, kind in (("model.pt", "zip format"), ("legacy.pth", "legacy format")):
        with pytest.raises(LoadError) as info:
            load(tmp_path / name)
        message = str(info.value)
        assert f"{tmp_path / name} is a PyTorch file (torch.save's {kind})" in message
        assert "torch.load(" in message and "load_state_dict" in message
        assert "numpy.load" not in message


def test_real_torch_save_files_are_recognised(tmp_path):
    torch = pytest.importorskip("torch")
    sd = {"w": torch.ones(2)}
    torch.save(sd, tmp_path / "new.pt")
    torch.save(sd, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    for name in ("new.pt", "old.pt"):
        with pytest.raises(LoadError, match="is a PyTorch file"):
            load(tmp_path / name)


# ------------------------------------------------------------------ killed in mid-write
_STALL_IN_SAVE = """
import os, sys, time
import numpy as np
from tinygrad_edu.serialization import save

def stall(fd):  # the data are in the temporary file; the rename has not happened
    print("writing", flush=True)
    time.sleep(60)

os.fsync = stall
save({"w": np.zeros(100_000)}, sys.argv[1])
"""


def test_next_save_removes_what_a_killed_save_left(tmp_path):
    path = tmp_path / "model.npz"
    save({"w": np.ones(3)}, path)
    child = subprocess.Popen(
        [sys.executable, "-c", _STALL_IN_SAVE, str(path)], stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(tg.__file__).resolve().parents[1])})
    try:
        assert child.stdout.readline() == b"writing\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    debris = sorted(set(os.listdir(tmp_path)) - {"model.npz"})
    assert len(debris) == 1 and os.path.getsize(tmp_path / debris[0]) > 800_000
    np.testing.assert_array_equal(load(path)["w"], np.ones(3))  # the old file is intact
    live = f".model.npz.{os.getpid()}.abcd_123.tmp"  # a save of a running process: kept
    others = [live, f".other.npz.{child.pid}.abcd_123.tmp", ".model.npz.notes"]
    for name in others:
        (tmp_path / name).write_bytes(b"x")
    save({"w": np.full(3, 2.0)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(["model.npz", *others])
    np.testing.assert_array_equal(load(path)["w"], np.full(3, 2.0))

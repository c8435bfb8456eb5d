"""Type promotion follows PyTorch (``torch.result_type``), not NumPy.

The expected dtypes are written from PyTorch's documented rules ("Type promotion" in the
``torch.Tensor`` attributes docs), not from the implementation:

* categories bool < integer < floating < complex;
* dimensioned tensors decide among themselves: within a category the wider type, across
  categories the higher category's type whatever its size (int64 with float32: float32);
* a 0-d tensor or a Python scalar counts only if its category is higher than the
  dimensioned operands': then a 0-d tensor lifts to (the promotion with) its dtype, a
  Python float to the default dtype (float32), a Python int to int64;
* true division and floating-point functions give the default dtype for integer inputs.
"""

from __future__ import annotations

import itertools
import operator

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.errors import DTypeError

BOOL, INTS, FLOATS = ["bool"], ["uint8", "int8", "int16", "int32", "int64"], \
    ["float16", "float32", "float64"]
DTYPES = BOOL + INTS + FLOATS


def category(dtype: str) -> int:
    return 0 if dtype in BOOL else 1 if dtype in INTS else 2


def width(dtype: str) -> int:
    return np.dtype(dtype).itemsize


def expected_pair(a: str, b: str) -> str:
    """Two dimensioned tensors: the higher category, and within one the wider type (uint8
    with int8 needs int16)."""
    if category(a) != category(b):
        return a if category(a) > category(b) else b
    if a == b:
        return a
    if {a, b} == {"uint8", "int8"}:
        return "int16"
    if "uint8" in (a, b):  # uint8 with a wider signed int: the signed one
        return a if a != "uint8" else b
    return a if width(a) >= width(b) else b


def expected_with_zero_dim(dim: str, zero: str) -> str:
    return expected_pair(dim, zero) if category(zero) > category(dim) else dim


SCALARS = {"True": True, "2": 2, "2.5": 2.5}
SCALAR_DTYPE = {"True": "bool", "2": "int64", "2.5": "float32"}  # the default dtypes


def expected_with_scalar(dim: str, scalar: str) -> str:
    s = SCALAR_DTYPE[scalar]
    return s if category(s) > category(dim) else dim


def true_division(dtype: str) -> str:
    return dtype if category(dtype) == 2 else "float32"


def make(dtype: str, shape=(3,)) -> tg.Tensor:
    return tg.Tensor(np.full(shape, 3).astype(dtype))


ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}


@pytest.mark.parametrize("op", [*ARITH, "/"])
@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_dimensioned_pairs(op, a, b):
    if op == "-" and "bool" in (a, b):
        return  # PyTorch refuses bool in subtraction
    want = expected_pair(a, b)
    fn = ARITH.get(op, operator.truediv)
    assert fn(make(a), make(b)).dtype == (true_division(want) if op == "/" else want)


@pytest.mark.parametrize("op", [*ARITH, "/"])
@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_zero_dim_operand(op, a, b):
    if op == "-" and "bool" in (a, b):
        return
    want = expected_with_zero_dim(a, b)
    fn = ARITH.get(op, operator.truediv)
    for x, y in ((make(a), make(b, ())), (make(b, ()), make(a))):
        assert fn(x, y).dtype == (true_division(want) if op == "/" else want), (x, y)


@pytest.mark.parametrize("op", [*ARITH, "/"])
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("scalar", list(SCALARS))
def test_scalar_operand(op, a, scalar):
    if op == "-" and "bool" in (a, SCALAR_DTYPE[scalar]):
        return
    want = expected_with_scalar(a, scalar)
    fn = ARITH.get(op, operator.truediv)
    s = SCALARS[scalar]
    for x, y in ((make(a), s), (s, make(a))):
        assert fn(x, y).dtype == (true_division(want) if op == "/" else want)


@pytest.mark.parametrize("a", DTYPES)
def test_numpy_scalars_count_as_python_numbers(a):
    """np.float64(2) is a wrapped number: it does not upcast a float32 (or float16) tensor."""
    for s, like in ((np.float64(2.5), "2.5"), (np.int32(2), "2"), (np.float32(2.5), "2.5")):
        assert (make(a) * s).dtype == expected_with_scalar(a, like)
        assert (s * make(a)).dtype == expected_with_scalar(a, like)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sigmoid", "tanh", "softplus"])
@pytest.mark.parametrize("a", DTYPES)
def test_floating_functions(name, a):
    x = tg.Tensor(np.full(3, 2).astype(a))
    assert getattr(tg, name)(x).dtype == true_division(a)


@pytest.mark.parametrize("a", INTS + BOOL)
def test_integer_halves_give_the_default_dtype_and_mean_asks_for_one(a):
    x = make(a)
    with pytest.raises(tg.DTypeError, match="mean\\(\\): could not infer output dtype"):
        x.mean()  # PyTorch raises too: pass dtype=
    assert x.mean(dtype=tg.float32).dtype == tg.float32
    assert (x * 0.5).dtype == tg.float32
    with _default(np.float64):
        assert x.exp().dtype == tg.float64 and (x * 0.5).dtype == tg.float64


class _default:
    """The default dtype set for a block."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __enter__(self):
        self.prev = tg.get_default_dtype()
        tg.set_default_dtype(self.dtype)

    def __exit__(self, *exc):
        tg.set_default_dtype(self.prev)


def test_documented_examples():
    """The examples of PyTorch's type promotion docs, verbatim in meaning."""
    f, d = make("float32", (1,)), make("float64", (1,))
    i, lng, u, b = make("int32", (1,)), make("int64", (1,)), make("uint8", (1,)), make("bool", (1,))
    long_zerodim = tg.Tensor(np.array(1, np.int64))
    assert tg.add(5, 5).dtype == tg.int64
    assert (i + 5).dtype == tg.int32
    assert (i + long_zerodim).dtype == tg.int32
    assert (lng + i).dtype == tg.int64
    assert (b + lng).dtype == tg.int64
    assert (b + u).dtype == tg.uint8
    assert (f + d).dtype == tg.float64
    assert (b + i).dtype == tg.int32
    assert tg.add(lng, f).dtype == tg.float32


def test_result_type_and_promote_types():
    assert tg.result_type(make("float32"), make("int64")) == tg.float32
    assert tg.result_type(make("int32"), 2.5) == tg.float32
    assert tg.result_type(make("int32"), tg.Tensor(np.array(2.5))) == tg.float64
    assert tg.result_type(make("float16"), tg.Tensor(np.array(2.5))) == tg.float16
    assert tg.result_type(2, 3) == tg.int64 and tg.result_type(True, False) == tg.bool
    assert tg.result_type(2, 3.0) == tg.float32
    assert tg.promote_types(tg.int64, tg.float16) == tg.float16
    assert tg.promote_types("uint8", np.int8) == tg.int16
    with pytest.raises(DTypeError, match="uint32"):
        tg.promote_types(np.uint32, np.int32)


def test_gradients_come_back_in_each_inputs_dtype():
    a = tg.Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    b = tg.Tensor(np.array(3.0), requires_grad=True)  # 0-d float64: does not upcast
    y = a * b
    assert y.dtype == tg.float32
    y.sum().backward()
    assert a.grad.dtype == tg.float32 and b.grad.dtype == tg.float64
    np.testing.assert_allclose(a.grad.data, [3, 3])
    np.testing.assert_allclose(b.grad.data, 3)


def test_ndarray_operand_is_a_tensor_operand():
    x = make("float32")
    assert (x + np.ones(3)).dtype == tg.float64  # dimensioned, as a float64 tensor
    assert (x + np.array(1.0)).dtype == tg.float32  # 0-d: same category, does not count
    assert (make("int64") + np.array(1.0)).dtype == tg.float64


def test_second_order_through_a_promoted_op():
    x = tg.Tensor(np.array([0.5, 1.5], np.float32), requires_grad=True)
    w = tg.Tensor(np.array(2.0), requires_grad=True)
    (g,) = tg.grad((x * w * x).sum(), [x], create_graph=True)
    assert g.dtype == tg.float32
    g.sum().backward()
    assert w.grad.dtype == tg.float64
    np.testing.assert_allclose(w.grad.data, 2 * (0.5 + 1.5))


def test_matmul_of_different_dtypes_raises():
    a, b = make("float64", (2, 3)), make("float32", (3, 2))
    with pytest.raises(DTypeError, match=r"matmul.*float64 and float32"):
        a @ b
    with pytest.raises(DTypeError, match=r"matmul.*int64 and float32"):
        make("int64", (2, 3)) @ b


def test_linear_refuses_a_float64_input_into_a_float32_layer():
    layer = tg.nn.Linear(3, 2)
    with pytest.raises(DTypeError, match=r"linear.*float64.*float32"):
        layer(tg.Tensor(np.ones((4, 3))))
    assert layer(tg.ones(4, 3)).dtype == tg.float32


# ----------------------------------------------------------------------------- PyTorch
def _torch_operand(torch, kind, dtype):
    if kind == "scalar":
        return {"bool": True, "int": 2, "float": 2.5, "complex": 1j}[dtype]
    t = torch.ones(3 if kind == "dim" else (), dtype=getattr(torch, dtype))
    return t


def _tg_operand(kind, dtype):
    if kind == "scalar":
        return {"bool": True, "int": 2, "float": 2.5, "complex": 1j}[dtype]
    return tg.Tensor(np.ones(3 if kind == "dim" else ()).astype(dtype))


ALL = [*DTYPES, "complex64", "complex128"]
OPERANDS = [(k, d) for k in ("dim", "zero") for d in ALL] + \
    [("scalar", s) for s in ("bool", "int", "float", "complex")]


def test_result_type_matches_torch_over_all_pairs():
    torch = pytest.importorskip("torch")
    mismatches = []
    for (ka, da), (kb, db) in itertools.product(OPERANDS, OPERANDS):
        if ka == kb == "scalar":
            continue  # torch.result_type needs a tensor
        ta, tb = _torch_operand(torch, ka, da), _torch_operand(torch, kb, db)
        try:
            want = str(torch.result_type(ta, tb)).removeprefix("torch.")
        except RuntimeError:
            want = "error"
        try:
            got = str(tg.result_type(_tg_operand(ka, da), _tg_operand(kb, db)))
        except DTypeError:
            got = "error"
        if want == "complex32":  # NumPy has no complex32: the next complex type
            want = "complex64"
        if got != want:
            mismatches.append(((ka, da), (kb, db), got, want))
    assert not mismatches, mismatches


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum"])
def test_op_dtypes_match_torch(op):
    torch = pytest.importorskip("torch")
    for (ka, da), (kb, db) in itertools.product(OPERANDS, OPERANDS):
        if "complex" in da + db or (ka == kb == "scalar") or (op == "maximum" and "scalar"
                                                                in (ka, kb)):
            continue
        try:
            want = getattr(torch, op)(_torch_operand(torch, ka, da),
                                      _torch_operand(torch, kb, db)).dtype
        except RuntimeError:
            continue  # bool - bool, unsupported unsigned types
        got = getattr(tg, op)(_tg_operand(ka, da), _tg_operand(kb, db)).dtype
        assert str(got) == str(want).removeprefix("torch."), ((ka, da), (kb, db))


def test_clamp_promotes_its_bounds_as_pytorch():
    """clamp(int tensor, 0.5) is float32 and a 0-d float64 bound leaves float32 float32
    (before: float64 for both, from NumPy's rules)."""
    ints = tg.tensor([1, 2, 3])
    assert ints.clamp(0.5).dtype == tg.float32
    assert ints.clamp(0, 2).dtype == tg.int64 and ints.clamp(min=0).dtype == tg.int64
    x = tg.randn(3)
    assert tg.clamp(x, tg.tensor(0.0, dtype=tg.float64)).dtype == tg.float32
    assert x.clamp(max=tg.randn(3).double()).dtype == tg.float64  # dimensioned: it decides


def test_cat_and_stack_promote_as_pytorch():
    """int64 with float32 joins as float32 (before: NumPy's float64)."""
    ints, floats = tg.tensor([1]), tg.tensor([1.5])
    assert tg.cat([ints, floats]).dtype == tg.float32
    assert tg.stack([ints, floats]).dtype == tg.float32
    assert tg.cat([floats, floats.double()]).dtype == tg.float64

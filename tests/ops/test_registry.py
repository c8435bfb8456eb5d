"""Every op has a property test, and every mapping entry names an op that exists.

The ops are discovered, not listed: every `Function` subclass defined under
``tinygrad_edu.ops``, every public function of ``tinygrad_edu.ops`` (the table ``_bind``
draws from, comparisons and aliases included), and every ``Tensor`` attribute that ``_bind``
sets under a name of its own (operators, reflected operators, ``T``, ``clamp`` ...).
`COVERAGE` says, explicitly, which test covers each; adding an op without a test, or
removing one without updating the table, fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import tinygrad_edu.ops as ops
from tinygrad_edu.autograd import Function
from tinygrad_edu.tensor import Tensor

EW, RED, SHP = "test_elementwise.py", "test_reduce.py", "test_shape.py"
MM = "test_matmul.py::test_matmul"

COVERAGE: dict[str, str | list[str]] = {
    # ------------------------------------------------------------ Function subclasses
    "Add": f"{EW}::test_binary[add]",
    "Sub": f"{EW}::test_binary[sub]",
    "Mul": f"{EW}::test_binary[mul]",
    "Div": f"{EW}::test_binary[div]",
    "Neg": f"{EW}::test_unary[neg]",
    "Pow": [f"{EW}::test_binary[pow]", f"{EW}::test_pow_constant_exponent",
            f"{EW}::test_scalar_base_pow"],
    "Exp": f"{EW}::test_unary[exp]",
    "Log": f"{EW}::test_unary[log]",
    "Sqrt": f"{EW}::test_unary[sqrt]",
    "Abs": f"{EW}::test_unary[abs]",
    "Sigmoid": f"{EW}::test_unary[sigmoid]",
    "Tanh": f"{EW}::test_unary[tanh]",
    "Relu": f"{EW}::test_unary[relu]",
    "LeakyRelu": f"{EW}::test_unary[leaky_relu]",
    "Softplus": f"{EW}::test_unary[softplus]",
    "Maximum": f"{EW}::test_binary[maximum]",
    "Minimum": f"{EW}::test_binary[minimum]",
    "Clip": f"{EW}::test_clip[clip]",
    "Where": f"{EW}::test_where",
    "Sum": f"{RED}::test_reduction[sum]",
    "Max": f"{RED}::test_reduction[max]",
    "Min": f"{RED}::test_reduction[min]",
    "Softmax": f"{RED}::test_softmax_family[softmax]",
    "LogSoftmax": f"{RED}::test_softmax_family[log_softmax]",
    "LogSumExp": f"{RED}::test_reduction[logsumexp]",
    "Matmul": f"{MM}[matmul]",
    "Reshape": f"{SHP}::test_view[reshape]",
    "Permute": f"{SHP}::test_view[permute]",
    "BroadcastTo": f"{SHP}::test_view[broadcast_to]",
    "GetItem": f"{SHP}::test_getitem[basic]",
    # GetItem's backward, an op of its own: gradgradcheck of getitem differentiates it
    "ScatterAdd": f"{SHP}::test_getitem[int arrays (repeated)]",
    "Cat": f"{SHP}::test_join[cat]",
    "Stack": f"{SHP}::test_join[stack]",
    "Cast": f"{SHP}::test_cast[astype]",
    "Clone": f"{SHP}::test_cast[clone]",
    "Tril": "test_triangular.py::test_triangular[tril]",
    "Triu": "test_triangular.py::test_triangular[triu]",
    "tril": ["test_triangular.py::test_triangular[tril]",
             "test_triangular.py::test_triangular[x.tril]"],
    "triu": ["test_triangular.py::test_triangular[triu]",
             "test_triangular.py::test_triangular[x.triu]"],
    # ------------------------------------------------------------ public functions
    "add": f"{EW}::test_binary[add]",
    "sub": f"{EW}::test_binary[sub]",
    "mul": f"{EW}::test_binary[mul]",
    "div": f"{EW}::test_binary[div]",
    "neg": f"{EW}::test_unary[neg]",
    "pow": [f"{EW}::test_binary[pow]", f"{EW}::test_scalar_base_pow"],
    "matmul": f"{MM}[matmul]",
    "exp": f"{EW}::test_unary[exp]",
    "log": f"{EW}::test_unary[log]",
    "sqrt": f"{EW}::test_unary[sqrt]",
    "abs": f"{EW}::test_unary[abs]",
    "sigmoid": f"{EW}::test_unary[sigmoid]",
    "tanh": f"{EW}::test_unary[tanh]",
    "relu": f"{EW}::test_unary[relu]",
    "leaky_relu": [f"{EW}::test_unary[leaky_relu]", f"{EW}::test_unary[leaky_relu(0.2)]"],
    "softplus": f"{EW}::test_unary[softplus]",
    "maximum": f"{EW}::test_binary[maximum]",
    "minimum": f"{EW}::test_binary[minimum]",
    "clip": f"{EW}::test_clip[clip]",
    "where": f"{EW}::test_where",
    "sum": f"{RED}::test_reduction[sum]",
    "mean": f"{RED}::test_reduction[mean]",
    "var": [f"{RED}::test_reduction[var]", f"{RED}::test_reduction[var(ddof=0)]"],
    "std": [f"{RED}::test_reduction[std]", f"{RED}::test_reduction[std(correction=0)]"],
    "max": f"{RED}::test_reduction[max]",
    "min": f"{RED}::test_reduction[min]",
    "argmax": f"{RED}::test_arg_reduction[argmax]",
    "argmin": f"{RED}::test_arg_reduction[argmin]",
    "softmax": f"{RED}::test_softmax_family[softmax]",
    "log_softmax": f"{RED}::test_softmax_family[log_softmax]",
    "logsumexp": f"{RED}::test_reduction[logsumexp]",
    "reshape": [f"{SHP}::test_view[reshape]", f"{SHP}::test_view[x.reshape]"],
    "permute": f"{SHP}::test_view[permute]",
    "swapaxes": f"{SHP}::test_view[swapaxes]",
    "transpose": [f"{SHP}::test_view[transpose]", f"{SHP}::test_view[x.transpose()]",
                  f"{SHP}::test_view[x.transpose(i, j)]"],
    "broadcast_to": f"{SHP}::test_view[broadcast_to]",
    "expand": f"{SHP}::test_view[expand]",
    "squeeze": f"{SHP}::test_view[squeeze]",
    "unsqueeze": f"{SHP}::test_view[unsqueeze]",
    "flatten": f"{SHP}::test_view[flatten]",
    "getitem": [f"{SHP}::test_getitem[basic]", f"{SHP}::test_getitem[int arrays (repeated)]",
                f"{SHP}::test_getitem[bool mask]"],
    "cat": f"{SHP}::test_join[cat]",
    "concatenate": f"{SHP}::test_join[concatenate]",
    "stack": f"{SHP}::test_join[stack]",
    "astype": f"{SHP}::test_cast[astype]",
    "clone": f"{SHP}::test_cast[clone]",
    "eq": f"{EW}::test_comparison[eq]",
    "ne": f"{EW}::test_comparison[ne]",
    "lt": f"{EW}::test_comparison[lt]",
    "le": f"{EW}::test_comparison[le]",
    "gt": f"{EW}::test_comparison[gt]",
    "ge": f"{EW}::test_comparison[ge]",
    # ------------------------------------------------------------ Tensor bindings
    "Tensor.__add__": f"{EW}::test_binary[a + b]",
    "Tensor.__sub__": f"{EW}::test_binary[a - b]",
    "Tensor.__mul__": f"{EW}::test_binary[a * b]",
    "Tensor.__truediv__": f"{EW}::test_binary[a / b]",
    "Tensor.__pow__": [f"{EW}::test_binary[a ** b]", f"{EW}::test_pow_constant_exponent"],
    "Tensor.__matmul__": f"{MM}[a @ b]",
    "Tensor.__radd__": f"{EW}::test_constant_operand[c + x]",
    "Tensor.__rsub__": f"{EW}::test_constant_operand[c - x]",
    "Tensor.__rmul__": f"{EW}::test_constant_operand[c * x]",
    "Tensor.__rtruediv__": f"{EW}::test_constant_operand[c / x]",
    "Tensor.__rpow__": f"{EW}::test_constant_operand[c ** x]",
    "Tensor.__rmatmul__": f"{MM}[c @ x]",
    "Tensor.__neg__": f"{EW}::test_unary[-x]",
    "Tensor.__abs__": f"{EW}::test_unary[abs(x)]",
    "Tensor.__getitem__": [f"{SHP}::test_getitem[basic]",
                           f"{SHP}::test_getitem[int arrays (repeated)]",
                           f"{SHP}::test_getitem[bool mask]"],
    "Tensor.__eq__": f"{EW}::test_comparison[a == b]",
    "Tensor.__ne__": f"{EW}::test_comparison[a != b]",
    "Tensor.__lt__": f"{EW}::test_comparison[a < b]",
    "Tensor.__le__": f"{EW}::test_comparison[a <= b]",
    "Tensor.__gt__": f"{EW}::test_comparison[a > b]",
    "Tensor.__ge__": f"{EW}::test_comparison[a >= b]",
    "Tensor.clamp": f"{EW}::test_clip[x.clamp]",
    "Tensor.view": f"{SHP}::test_view[x.view]",
    "Tensor.T": f"{SHP}::test_view[x.T]",
    "Tensor.mT": f"{SHP}::test_view[x.mT]",
    "Tensor.float": f"{SHP}::test_cast[x.float()]",
    "Tensor.double": ["test_float32.py::test_double_of_float32_gives_float64_and_float32_grad",
                      f"{SHP}::test_cast_to_same_dtype_is_the_tensor_itself"],
}


def _defined_in_ops(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith(ops.__name__)


def function_classes() -> set[str]:
    """Every Function subclass defined under tinygrad_edu.ops (all submodules imported)."""
    for mod in pkgutil.walk_packages(ops.__path__, ops.__name__ + "."):
        importlib.import_module(mod.name)
    found, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if _defined_in_ops(sub):
                found.add(sub.__name__)
    return found


def public_functions() -> set[str]:
    """The public callables of tinygrad_edu.ops (what ``_bind`` and users draw on)."""
    return {name for name, obj in vars(ops).items()
            if not name.startswith("_") and inspect.isfunction(obj) and _defined_in_ops(obj)}


def tensor_bindings() -> set[str]:
    """Tensor attributes set from tinygrad_edu.ops under a name of their own (a method that
    is just the same-named public function is covered by that function's entry)."""
    out = set()
    for name, obj in vars(Tensor).items():
        fn = obj.fget if isinstance(obj, property) else obj
        if inspect.isfunction(fn) and _defined_in_ops(fn) and vars(ops).get(name) is not obj:
            out.add(f"Tensor.{name}")
    return out


def all_ops() -> set[str]:
    return function_classes() | public_functions() | tensor_bindings()


def _param_ids(test) -> set[str]:
    ids = set()
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "parametrize":
            given = mark.kwargs.get("ids")
            ids.update(given if given is not None else
                       (v for v in mark.args[1] if isinstance(v, str)))
    return ids


def _resolve(ref: str) -> str | None:
    """None if ``ref`` ("file.py::test[id]") names an existing test, else why not."""
    m = re.fullmatch(r"(test_\w+)\.py::(test_\w+)(?:\[(.+)\])?", ref)
    if not m:
        return f"{ref!r} is not of the form 'test_file.py::test_name[id]'"
    module, test, param = m.groups()
    try:
        mod = importlib.import_module(f"{__package__}.{module}")
    except ModuleNotFoundError:
        return f"{ref!r}: no module {module}.py in tests/ops"
    fn = getattr(mod, test, None)
    if not callable(fn):
        return f"{ref!r}: {module}.py has no {test}"
    if param is not None and param not in _param_ids(fn):
        return f"{ref!r}: {test} has no parameter id {param!r}"
    return None


def test_discovery_finds_the_known_ops():
    """Guard the discovery itself: an empty or partial scan must not pass vacuously."""
    assert {"Add", "Matmul", "ScatterAdd", "Cast"} <= function_classes()
    assert {"add", "mean", "squeeze", "concatenate", "argmax", "eq"} <= public_functions()
    assert {"Tensor.__radd__", "Tensor.T", "Tensor.clamp", "Tensor.__getitem__"} \
        <= tensor_bindings()
    assert "Tensor.exp" not in tensor_bindings()   # the same function as ops.exp


def test_every_op_has_a_property_test():
    missing = sorted(all_ops() - set(COVERAGE))
    assert not missing, f"ops without a property test (add them to COVERAGE): {missing}"


def test_every_mapping_entry_is_an_existing_op():
    stale = sorted(set(COVERAGE) - all_ops())
    assert not stale, f"COVERAGE names ops that no longer exist: {stale}"


@pytest.mark.parametrize("op", sorted(COVERAGE))
def test_mapping_points_at_an_existing_test(op):
    refs = COVERAGE[op]
    problems = [p for r in ([refs] if isinstance(refs, str) else refs) if (p := _resolve(r))]
    assert not problems, problems

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

from .test_inplace_ops import TWINS

EW, RED, SHP = "test_elementwise.py", "test_reduce.py", "test_shape.py"
ACT = "test_activations.py::test_activation"
MM = "test_matmul.py::test_matmul"
MATH = "test_math.py"
LOGIC = "test_logic.py"
STATS = "test_stats.py"
MV, IX, SRT = "test_movement.py::test_movement", "test_index.py", "test_sort.py"
FAM, EIN = "test_matmul.py::test_matmul_family", "test_matmul.py::test_einsum"
IP = "test_inplace_ops.py"

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
    "Clip": [f"{EW}::test_clip[clip]", f"{MATH}::test_clamp_tensor_bounds[clamp(x, lo, hi)]"],
    "Where": f"{EW}::test_where",
    "Sum": f"{RED}::test_reduction[sum]",
    "Max": f"{SRT}::test_full_reduction[max()]",
    "Min": f"{SRT}::test_full_reduction[min()]",
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
    "Gelu": [f"{ACT}[gelu]", f"{ACT}[gelu(tanh)]"],
    "NormalCdf": f"{ACT}[gelu]",  # GELU's gate: gradgradcheck of gelu differentiates it
    "_Gated": [f"{ACT}[silu]", f"{ACT}[mish]", f"{ACT}[hardswish]", f"{ACT}[gelu]"],  # base
    "Silu": f"{ACT}[silu]",
    "Mish": f"{ACT}[mish]",
    "Hardswish": f"{ACT}[hardswish]",
    "Elu": [f"{ACT}[elu]", f"{ACT}[elu(0.3)]", f"{ACT}[celu(0.5)]", f"{ACT}[selu]"],
    "Hardtanh": [f"{ACT}[hardtanh]", f"{ACT}[relu6]", f"{ACT}[hardsigmoid]"],
    "Softsign": f"{ACT}[softsign]",
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
    "max": [f"{SRT}::test_full_reduction[max()]", f"{SRT}::test_selection_values[max(dim)]",
            f"{SRT}::test_selection_indices_with_ties[max(dim)]",
            f"{SRT}::test_max_with_a_tensor_is_maximum_and_other_forms_are_refused"],
    "min": [f"{SRT}::test_full_reduction[min()]", f"{SRT}::test_selection_values[min(dim)]",
            f"{SRT}::test_selection_indices_with_ties[min(dim)]"],
    "argmax": [f"{RED}::test_arg_reduction[argmax]",
               f"{SRT}::test_argmax_argmin_as_pytorch[argmax]"],
    "argmin": [f"{RED}::test_arg_reduction[argmin]",
               f"{SRT}::test_argmax_argmin_as_pytorch[argmin]"],
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
    "gelu": [f"{ACT}[gelu]", f"{ACT}[gelu(tanh)]"],
    "silu": f"{ACT}[silu]",
    "mish": f"{ACT}[mish]",
    "hardswish": f"{ACT}[hardswish]",
    "elu": [f"{ACT}[elu]", f"{ACT}[elu(0.3)]"],
    "celu": f"{ACT}[celu(0.5)]",
    "selu": f"{ACT}[selu]",
    "hardtanh": [f"{ACT}[hardtanh]", f"{ACT}[hardtanh(-0.5, 2)]"],
    "softsign": f"{ACT}[softsign]",
    "eq": f"{EW}::test_comparison[eq]",
    "ne": f"{EW}::test_comparison[ne]",
    "lt": f"{EW}::test_comparison[lt]",
    "le": f"{EW}::test_comparison[le]",
    "gt": f"{EW}::test_comparison[gt]",
    "ge": f"{EW}::test_comparison[ge]",
    # ------------------------------------------------------------ movement helper's ops
    "Flip": f"{MV}[flip]",
    "Roll": f"{MV}[roll]",
    "Gather": [f"{IX}::test_gather", f"{SRT}::test_selection_values[max(dim)]"],
    # Gather's backward and scatter_add's op: gradgradcheck of gather differentiates it
    "ScatterAddDim": [f"{IX}::test_scatter_add[scatter_add]", f"{IX}::test_gather"],
    "Scatter": [f"{IX}::test_scatter", f"{IX}::test_scatter_value"],
    "Median": f"{SRT}::test_full_reduction[median()]",
    "Einsum": f"{EIN}",
    "flip": f"{MV}[flip]",
    "roll": f"{MV}[roll]",
    "repeat": f"{MV}[repeat]",
    "tile": f"{MV}[tile]",
    "repeat_interleave": [f"{MV}[repeat_interleave]", f"{MV}[repeat_interleave(tensor)]",
                          f"{MV}[repeat_interleave(flat)]"],
    "narrow": f"{MV}[narrow]",
    "split": [f"{MV}[split]", f"{MV}[split(sections)]"],
    "chunk": f"{MV}[chunk]",
    "unbind": f"{MV}[unbind]",
    "movedim": f"{MV}[movedim]",
    "moveaxis": f"{MV}[moveaxis]",
    "contiguous": f"{MV}[contiguous]",
    "is_contiguous": "test_movement.py::test_contiguous_returns_the_tensor_itself_when_"
                     "already_contiguous",
    "view_as": f"{MV}[view_as]",
    "reshape_as": f"{MV}[reshape_as]",
    "expand_as": f"{MV}[expand_as]",
    "gather": f"{IX}::test_gather",
    "scatter": [f"{IX}::test_scatter", f"{IX}::test_scatter_value",
                f"{IX}::test_scatter_add[scatter(reduce='add')]",
                f"{IX}::test_scatter_multiply_is_forward_only"],
    "scatter_add": f"{IX}::test_scatter_add[scatter_add]",
    "index_select": f"{IX}::test_index_select",
    "index_add": f"{IX}::test_index_add",
    "index_copy": [f"{IX}::test_index_copy",
                   f"{IX}::test_index_copy_overwrites_nan_and_repeated_index_keeps_one_value"],
    "aminmax": f"{SRT}::test_aminmax",
    "masked_fill": [f"{IX}::test_masked_fill[number]", f"{IX}::test_masked_fill[0-d tensor]"],
    "masked_select": f"{IX}::test_masked_select",
    "take_along_dim": [f"{IX}::test_take_along_dim[dim]",
                       f"{IX}::test_take_along_dim[flattened]"],
    "nonzero": f"{IX}::test_nonzero",
    "sort": [f"{SRT}::test_sort_values", f"{SRT}::test_sort_and_argsort_indices_with_ties_are_"
             f"stable"],
    "argsort": f"{SRT}::test_sort_and_argsort_indices_with_ties_are_stable",
    "topk": [f"{SRT}::test_topk_values", f"{SRT}::test_topk_indices_with_ties"],
    "median": [f"{SRT}::test_full_reduction[median()]",
               f"{SRT}::test_selection_values[median(dim)]",
               f"{SRT}::test_selection_indices_with_ties[median(dim)]"],
    "mode": [f"{SRT}::test_selection_values[mode]",
             f"{SRT}::test_selection_indices_with_ties[mode]"],
    "kthvalue": [f"{SRT}::test_selection_values[kthvalue]",
                 f"{SRT}::test_selection_indices_with_ties[kthvalue]"],
    "mm": [f"{FAM}[mm]", f"{FAM}[x.mm]"],
    "bmm": f"{FAM}[bmm]",
    "mv": f"{FAM}[mv]",
    "dot": f"{FAM}[dot]",
    "outer": f"{FAM}[outer]",
    "ger": f"{FAM}[ger]",
    "addmm": [f"{FAM}[addmm]", "test_matmul.py::test_addmm_with_beta_0_ignores_input_nan_"
              "included"],
    "einsum": f"{EIN}",
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
    "Tensor.view": f"{SHP}::test_view[x.view]",
    "Tensor.T": f"{SHP}::test_view[x.T]",
    "Tensor.mT": f"{SHP}::test_view[x.mT]",
    "Tensor.float": f"{SHP}::test_cast[x.float()]",
    "Tensor.double": ["test_float32.py::test_double_of_float32_gives_float64_and_float32_grad",
                      f"{SHP}::test_cast_to_same_dtype_is_the_tensor_itself"],
    # ------------------------------------------------------------ maths (issue 13)
    "Unary": f"{MATH}::test_math_unary",
    "PiecewiseConstant": f"{MATH}::test_math_unary[floor]",
    "Sin": f"{MATH}::test_math_unary[sin]",
    "sin": f"{MATH}::test_math_unary[sin]",
    "Cos": f"{MATH}::test_math_unary[cos]",
    "cos": f"{MATH}::test_math_unary[cos]",
    "Tan": f"{MATH}::test_math_unary[tan]",
    "tan": f"{MATH}::test_math_unary[tan]",
    "Asin": f"{MATH}::test_math_unary[asin]",
    "asin": f"{MATH}::test_math_unary[asin]",
    "Acos": f"{MATH}::test_math_unary[acos]",
    "acos": f"{MATH}::test_math_unary[acos]",
    "Atan": f"{MATH}::test_math_unary[atan]",
    "atan": f"{MATH}::test_math_unary[atan]",
    "Sinh": f"{MATH}::test_math_unary[sinh]",
    "sinh": f"{MATH}::test_math_unary[sinh]",
    "Cosh": f"{MATH}::test_math_unary[cosh]",
    "cosh": f"{MATH}::test_math_unary[cosh]",
    "Asinh": f"{MATH}::test_math_unary[asinh]",
    "asinh": f"{MATH}::test_math_unary[asinh]",
    "Acosh": f"{MATH}::test_math_unary[acosh]",
    "acosh": f"{MATH}::test_math_unary[acosh]",
    "Atanh": f"{MATH}::test_math_unary[atanh]",
    "atanh": f"{MATH}::test_math_unary[atanh]",
    "Erf": f"{MATH}::test_math_unary[erf]",
    "erf": f"{MATH}::test_math_unary[erf]",
    "Erfc": f"{MATH}::test_math_unary[erfc]",
    "erfc": f"{MATH}::test_math_unary[erfc]",
    "Exp2": f"{MATH}::test_math_unary[exp2]",
    "exp2": f"{MATH}::test_math_unary[exp2]",
    "Expm1": f"{MATH}::test_math_unary[expm1]",
    "expm1": f"{MATH}::test_math_unary[expm1]",
    "Log2": f"{MATH}::test_math_unary[log2]",
    "log2": f"{MATH}::test_math_unary[log2]",
    "Log10": f"{MATH}::test_math_unary[log10]",
    "log10": f"{MATH}::test_math_unary[log10]",
    "Log1p": f"{MATH}::test_math_unary[log1p]",
    "log1p": f"{MATH}::test_math_unary[log1p]",
    "Rsqrt": f"{MATH}::test_math_unary[rsqrt]",
    "rsqrt": f"{MATH}::test_math_unary[rsqrt]",
    "Reciprocal": f"{MATH}::test_math_unary[reciprocal]",
    "reciprocal": f"{MATH}::test_math_unary[reciprocal]",
    "Square": f"{MATH}::test_math_unary[square]",
    "square": f"{MATH}::test_math_unary[square]",
    "Sign": f"{MATH}::test_math_unary[sign]",
    "sign": f"{MATH}::test_math_unary[sign]",
    "Floor": f"{MATH}::test_math_unary[floor]",
    "floor": f"{MATH}::test_math_unary[floor]",
    "Ceil": f"{MATH}::test_math_unary[ceil]",
    "ceil": f"{MATH}::test_math_unary[ceil]",
    "Trunc": f"{MATH}::test_math_unary[trunc]",
    "trunc": f"{MATH}::test_math_unary[trunc]",
    "Frac": f"{MATH}::test_math_unary[frac]",
    "frac": f"{MATH}::test_math_unary[frac]",
    "Round": [f"{MATH}::test_math_unary[round]", f"{MATH}::test_math_unary[round(decimals=1)]"],
    "round": [f"{MATH}::test_math_unary[round]", f"{MATH}::test_math_unary[round(decimals=1)]"],
    "NanToNum": f"{MATH}::test_math_unary[nan_to_num]",
    "nan_to_num": f"{MATH}::test_math_unary[nan_to_num]",
    "Atan2": f"{MATH}::test_math_binary[atan2]",
    "atan2": f"{MATH}::test_math_binary[atan2]",
    "Hypot": f"{MATH}::test_math_binary[hypot]",
    "hypot": f"{MATH}::test_math_binary[hypot]",
    "Copysign": f"{MATH}::test_math_binary[copysign]",
    "copysign": f"{MATH}::test_math_binary[copysign]",
    "LogAddExp": f"{MATH}::test_math_binary[logaddexp]",
    "logaddexp": f"{MATH}::test_math_binary[logaddexp]",
    "Lerp": [f"{MATH}::test_lerp", f"{MATH}::test_lerp_scalar_weight"],
    "lerp": [f"{MATH}::test_lerp", f"{MATH}::test_lerp_scalar_weight"],
    "clamp": [f"{MATH}::test_clamp_tensor_bounds[clamp(x, lo, hi)]",
              f"{MATH}::test_clamp_tensor_bounds[x.clamp(min=lo, max=hi)]",
              f"{EW}::test_clip[x.clamp]"],
    "clamp_min": [f"{MATH}::test_clamp_one_tensor_bound[min]",
                  f"{MATH}::test_math_unary[x.clamp_min(0.5)]"],
    "clamp_max": [f"{MATH}::test_clamp_one_tensor_bound[max]",
                  f"{MATH}::test_math_unary[x.clamp_max(-0.5)]"],
    # ------------------------------------------------------------ logic (issue 13)
    "isnan": f"{LOGIC}::test_unary_test[isnan]",
    "isinf": f"{LOGIC}::test_unary_test[isinf]",
    "isfinite": f"{LOGIC}::test_unary_test[isfinite]",
    "isposinf": f"{LOGIC}::test_unary_test[isposinf]",
    "isneginf": f"{LOGIC}::test_unary_test[isneginf]",
    "logical_not": f"{LOGIC}::test_unary_test[logical_not]",
    "logical_and": f"{LOGIC}::test_binary_test[logical_and]",
    "logical_or": f"{LOGIC}::test_binary_test[logical_or]",
    "logical_xor": f"{LOGIC}::test_binary_test[logical_xor]",
    "isclose": f"{LOGIC}::test_binary_test[isclose]",
    "greater": f"{LOGIC}::test_binary_test[greater]",
    "greater_equal": f"{LOGIC}::test_binary_test[greater_equal]",
    "less": f"{LOGIC}::test_binary_test[less]",
    "less_equal": f"{LOGIC}::test_binary_test[less_equal]",
    "not_equal": f"{LOGIC}::test_binary_test[not_equal]",
    "any": f"{LOGIC}::test_any_all[any]",
    "all": f"{LOGIC}::test_any_all[all]",
    "allclose": f"{LOGIC}::test_allclose_and_equal",
    "equal": f"{LOGIC}::test_allclose_and_equal",
    # ------------------------------------------------------------ reductions (issue 13)
    "Prod": [f"{STATS}::test_prod", f"{STATS}::test_prod_and_cumprod_gradients_with_zeros"],
    "prod": [f"{STATS}::test_prod", f"{STATS}::test_prod_and_cumprod_gradients_with_zeros"],
    "Amax": f"{STATS}::test_amax_amin[amax]",
    "amax": f"{STATS}::test_amax_amin[amax]",
    "Amin": f"{STATS}::test_amax_amin[amin]",
    "amin": f"{STATS}::test_amax_amin[amin]",
    "Cumsum": f"{STATS}::test_cumsum_cumprod[cumsum]",
    "cumsum": f"{STATS}::test_cumsum_cumprod[cumsum]",
    "Cumprod": [f"{STATS}::test_cumsum_cumprod[cumprod]",
                f"{STATS}::test_prod_and_cumprod_gradients_with_zeros"],
    "cumprod": f"{STATS}::test_cumsum_cumprod[cumprod]",
    "norm": f"{STATS}::test_vector_norms",
    "vector_norm": f"{STATS}::test_vector_norms",
    "matrix_norm": f"{STATS}::test_matrix_norm",
    "var_mean": f"{STATS}::test_var_mean_std_mean[var_mean]",
    "std_mean": f"{STATS}::test_var_mean_std_mean[std_mean]",
    # ------------------------------------------------------------ pooling and padding
    "MaxPool2d": "test_pool.py::test_max_pool2d",
    "WindowSum": "test_pool.py::test_avg_pool2d",
    # WindowSum's backward: gradgradcheck of avg_pool2d differentiates it
    "WindowSpread": "test_pool.py::test_avg_pool2d",
    "ConstantPad": "test_pool.py::test_pad[constant]",
    # ------------------------------------------------------------ convolutions (test_conv.py)
    # conv1d/conv2d/conv_transpose2d go through both: unfold's backward is fold and back
    "Unfold": ["test_conv.py::test_unfold", "test_conv.py::test_conv2d[bias]",
               "test_conv.py::test_conv1d"],
    "Fold": ["test_conv.py::test_fold", "test_conv.py::test_conv_transpose2d"],
    # ------------------------------------------------------------ in-place (test_inplace_ops.py)
    "SetItem": [f"{IP}::test_setitem[basic]", f"{IP}::test_setitem[bool mask]"],
    "Tensor.__setitem__": f"{IP}::test_setitem[basic]",
    **{f"Tensor.{name}": f"{IP}::test_twin[{name}]" for name in TWINS},
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
    assert {"Tensor.__radd__", "Tensor.T", "Tensor.view", "Tensor.__getitem__"} \
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

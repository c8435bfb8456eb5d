"""Gradient-check experiments as plain data: the engine of ``tinygrad-edu`` (``tools/cli.py``).

A `Target` is a function of some tensors (the ones that require grad are checked) plus what
is known about it.  Two builders make them:

* `op_target` -- any public op of ``tinygrad_edu.ops`` (or ``"module:function"``, e.g. a
  custom `Function`'s ``apply``) at given shapes, inputs drawn in a safe domain for that op
  (positive for ``log``/``sqrt``, away from the kinks of ``relu``/``abs``/``clip``, distinct
  values for ``max``/``maximum`` ...);
* `article_target` -- the cost of one of the five articles' networks (``reference/``) at
  small sizes, its parameters in the framework's ``Linear`` layout, with the article's
  hand-derived gradient formulas (as written, and corrected where the article is wrong).

`check` compares autograd's Jacobian, entry by entry, with central differences
(f(x + eps) - f(x - eps)) / (2 eps), error O(eps^2) + O(u/eps), with forward differences
(f(x + eps) - f(x)) / eps, error O(eps) + O(u/eps), and with each formula; `second_order`
turns a target into its first derivative (x, v) -> v . df/dx so the same check tests
second derivatives; `eps_sweep` measures the finite-difference error for eps = 1e-1 ...
1e-12 in float32 and float64 (the V-curve).  Everything returns dataclasses and lists.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import numpy as np

from .. import ops
from ..autograd import Function, grad
from ..reference import catvnoncat_004, digits_001, mnist_002, ng_003, semeion_000
from ..tensor import Tensor
from .gradcheck import analytical_jacobian, numerical_jacobian

EPS_DECADES: tuple[float, ...] = tuple(10.0 ** -k for k in range(1, 13))
ATOL, RTOL = 1e-5, 1e-3  # the gradcheck defaults: entry ok when |a - b| <= ATOL + RTOL |b|

# ----------------------------------------------------------------------------- targets


@dataclass
class Formula:
    """A hand-derived gradient: ``grads()`` gives one array per checked input.

    ``article`` is True for an article's own formula (a difference is a finding about the
    article) and False for the project's corrected one (a difference is a bug).
    """

    label: str
    grads: Callable[[], list[np.ndarray]]
    article: bool


@dataclass
class Target:
    """``fn(*inputs)`` -> Tensor(s); the inputs with ``requires_grad`` are checked.

    ``names`` label the checked inputs, ``outputs`` the outputs; ``formulas`` are
    hand-derived gradients of a scalar output; ``value_check`` is (autograd forward,
    reference forward) when a reference value exists; ``notes`` are shown under the table.
    """

    title: str
    fn: Callable[..., Any]
    inputs: tuple[Any, ...]
    names: tuple[str, ...]
    outputs: tuple[str, ...] = ("out",)
    formulas: tuple[Formula, ...] = ()
    value_check: tuple[float, float] | None = None
    details: str = ""
    notes: tuple[str, ...] = ()

    @property
    def checked(self) -> list[Tensor]:
        """The inputs that require grad, in order (one per name)."""
        return [x for x in self.inputs if isinstance(x, Tensor) and x.requires_grad]


Shape = tuple[int, ...]
Kw = Mapping[str, Any]
Sampler = Callable[[np.random.Generator, Shape, Kw], np.ndarray]


def _normal(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """N(0, 1): any real input."""
    return rng.standard_normal(shape)


def _positive(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """U[0.5, 2]: inside the domain of log, sqrt, a real power."""
    return rng.uniform(0.5, 2.0, shape)


def _nonzero(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """+-U[0.5, 2]: a divisor well away from 0."""
    return _positive(rng, shape, kw) * rng.choice([-1.0, 1.0], shape)


def _away_from(x: np.ndarray, points: Sequence[float] | np.ndarray, gap: float = 0.1
               ) -> np.ndarray:
    """Push every entry at least ``gap`` away from each kink point."""
    for p in points:
        d = x - p
        x = np.where(np.abs(d) < gap, p + np.copysign(gap + np.abs(d), d), x)
    return x


def _off_zero(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """N(0, 1) pushed 0.1 away from the kink at 0 (relu, abs, leaky_relu)."""
    return _away_from(rng.standard_normal(shape), [0.0])


def _off_bounds(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """N(0, 1) pushed 0.1 away from clip's bounds."""
    return _away_from(rng.standard_normal(shape),
                      [kw[k] for k in ("min", "max") if kw.get(k) is not None])


def _inside_one(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """U[-0.9, 0.9]: inside the domain of asin, acos, atanh (and away from tan's poles)."""
    return rng.uniform(-0.9, 0.9, shape)


def _above_one(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """U[1.1, 3]: inside the domain of acosh."""
    return rng.uniform(1.1, 3.0, shape)


def _off_steps(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """2 N(0, 1) pushed 0.1 away from the integers and halves (floor, round ... jump there)."""
    return _away_from(2 * rng.standard_normal(shape), np.arange(-12, 12.5, 0.5))


def _distinct(rng: np.random.Generator, shape: Shape, kw: Kw) -> np.ndarray:
    """Distinct values 4/n apart in [-2, 2], shuffled: no ties for max/min/maximum/minimum
    (inputs with this domain share one draw, see `_draw`)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * (4.0 / n) - 2.0 + 1.0 / n).reshape(shape)


def _checkerboard_where(a: Tensor, b: Tensor) -> Tensor:
    """where(checkerboard, a, b): a fixed condition of the broadcast shape."""
    shape = np.broadcast_shapes(a.shape, b.shape)
    return ops.where(np.indices(shape).sum(axis=0) % 2 == 0, a, b)


@dataclass(frozen=True)
class OpSpec:
    """How to check an op: default input shapes, a sampler per input (the last one repeats),
    default keyword arguments, and how to call it (default: the op itself)."""

    shapes: tuple[tuple[int, ...], ...] = ((3, 4),)
    domains: tuple[Sampler, ...] = (_normal,)
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    call: Callable[..., Tensor] | None = None
    variadic: bool = False


_PAIR = ((3, 4), (3, 4))
OP_SPECS: dict[str, OpSpec] = {
    "add": OpSpec(((3, 4), (4,))),
    "sub": OpSpec(((3, 4), (3, 1))),
    "mul": OpSpec(_PAIR),
    "div": OpSpec(_PAIR, (_normal, _nonzero)),
    "pow": OpSpec(_PAIR, (_positive, _normal)),
    "matmul": OpSpec(((3, 4), (4, 2))),
    "log": OpSpec(domains=(_positive,)),
    "sqrt": OpSpec(domains=(_positive,)),
    "abs": OpSpec(domains=(_off_zero,)),
    "relu": OpSpec(domains=(_off_zero,)),
    "leaky_relu": OpSpec(domains=(_off_zero,), kwargs={"negative_slope": 0.01}),
    "maximum": OpSpec(_PAIR, (_distinct,)),
    "minimum": OpSpec(_PAIR, (_distinct,)),
    "max": OpSpec(domains=(_distinct,)),
    "min": OpSpec(domains=(_distinct,)),
    "clip": OpSpec(domains=(_off_bounds,), kwargs={"min": -0.5, "max": 0.5}),
    "where": OpSpec(_PAIR, call=_checkerboard_where),
    "reshape": OpSpec(kwargs={"shape": (2, -1)}, call=lambda x, shape: ops.reshape(x, shape)),
    "permute": OpSpec(((2, 3, 4),), kwargs={"dims": (2, 0, 1)},
                      call=lambda x, dims: ops.permute(x, dims)),
    "swapaxes": OpSpec(((2, 3, 4),), kwargs={"axis0": 0, "axis1": 2}),
    "transpose": OpSpec(((2, 3, 4),), kwargs={"axes": ()},
                        call=lambda x, axes: ops.transpose(x, *axes)),
    "broadcast_to": OpSpec(((3, 1),), kwargs={"shape": (2, 3, 4)},
                           call=lambda x, shape: ops.broadcast_to(x, shape)),
    "expand": OpSpec(((3, 1),), kwargs={"sizes": (2, -1, 4)},
                     call=lambda x, sizes: ops.expand(x, sizes)),
    "squeeze": OpSpec(((3, 1, 4),)),
    "unsqueeze": OpSpec(kwargs={"axis": 1}),
    "flatten": OpSpec(((2, 3, 2),)),
    "getitem": OpSpec(kwargs={"index": [0, 2, 2]}),  # a repeated index: gradients add up
    "cat": OpSpec(((2, 3), (1, 3)), variadic=True, call=lambda *xs, **kw: ops.cat(xs, **kw)),
    "stack": OpSpec(_PAIR, variadic=True, call=lambda *xs, **kw: ops.stack(xs, **kw)),
    # a widening cast exercises Cast (on platforms where longdouble is double it is identity)
    "astype": OpSpec(kwargs={"dtype": "longdouble"}),
    # maths (issue 13); the ops smooth on the whole line take the defaults
    "clamp": OpSpec(domains=(_off_bounds,), kwargs={"min": -0.5, "max": 0.5}),
    "clamp_min": OpSpec(domains=(_off_bounds,), kwargs={"min": -0.5}),
    "clamp_max": OpSpec(domains=(_off_bounds,), kwargs={"max": 0.5}),
    **dict.fromkeys(["asin", "acos", "atanh", "tan"], OpSpec(domains=(_inside_one,))),
    "acosh": OpSpec(domains=(_above_one,)),
    **dict.fromkeys(["log2", "log10", "log1p", "rsqrt"], OpSpec(domains=(_positive,))),
    "reciprocal": OpSpec(domains=(_nonzero,)),
    "sign": OpSpec(domains=(_off_zero,)),
    **dict.fromkeys(["floor", "ceil", "trunc", "frac", "round"], OpSpec(domains=(_off_steps,))),
    **dict.fromkeys(["atan2", "hypot", "copysign"], OpSpec(_PAIR, (_nonzero,))),
    "logaddexp": OpSpec(_PAIR),
    "lerp": OpSpec(((3, 4), (3, 4), (4,))),
    "cumsum": OpSpec(kwargs={"dim": 1}),
    "cumprod": OpSpec(kwargs={"dim": 1}),
    "var_mean": OpSpec(kwargs={"dim": 1}, call=lambda x, dim: ops.stack(ops.var_mean(x, dim))),
    "std_mean": OpSpec(kwargs={"dim": 1}, call=lambda x, dim: ops.stack(ops.std_mean(x, dim))),
}
NOT_DIFFERENTIABLE = frozenset({"argmax", "argmin", "eq", "ne", "lt", "le", "gt", "ge",
                                "greater", "greater_equal", "less", "less_equal", "not_equal"})


def op_names() -> list[str]:
    """The public ops of ``tinygrad_edu.ops`` that have gradients, sorted."""
    return sorted(name for name, fn in vars(ops).items()
                  if inspect.isfunction(fn) and fn.__module__ == ops.__name__
                  and not name.startswith("_") and name not in NOT_DIFFERENTIABLE)


def _positional(fn: Callable[..., Any], skip_self: bool = False) -> list[str]:
    """Names of the positional parameters without a default ([] if there is no signature)."""
    try:
        params = list(inspect.signature(fn).parameters.values())[int(skip_self):]
    except (TypeError, ValueError):
        return []
    return [p.name for p in params
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _resolve_op(op: str | Callable[..., Tensor]
                ) -> tuple[str, Callable[..., Tensor], OpSpec, list[str]]:
    """(display name, callable, spec, input names) for an op name, "module:attr" or a callable."""
    if isinstance(op, str) and ":" in op:
        module, _, attr = op.partition(":")
        return _resolve_op(getattr(importlib.import_module(module), attr))
    if isinstance(op, str):
        if op in NOT_DIFFERENTIABLE:
            raise ValueError(f"{op} is not differentiable (it returns integers or booleans)")
        if op not in op_names():
            raise ValueError(f"unknown op {op!r}; the ops are: {', '.join(op_names())} "
                             f"(or give 'module:function' for your own)")
        fn = getattr(ops, op)
        spec = OP_SPECS.get(fn.__name__, OpSpec())
        return op, spec.call or fn, spec, _positional(spec.call or fn)
    if isinstance(op, type) and issubclass(op, Function):
        names = _positional(op.forward, skip_self=True)
        return op.__name__, op.apply, OpSpec(((3, 4),) * max(len(names), 1)), names
    fn = cast("Callable[..., Tensor]", op)  # a callable that is not a Function class
    names = _positional(fn)
    return getattr(fn, "__name__", repr(fn)), fn, OpSpec(((3, 4),) * max(len(names), 1)), names


def _draw(rng: np.random.Generator, shapes: Sequence[Shape],
          domains: Sequence[Sampler], kw: Mapping[str, Any]) -> list[np.ndarray]:
    """One float64 array per shape; the inputs with the `_distinct` domain share one draw,
    so no value repeats across them either."""
    pick = [domains[min(i, len(domains) - 1)] for i in range(len(shapes))]
    arrays = [None if d is _distinct else d(rng, s, kw) for s, d in zip(shapes, pick)]
    sizes = [int(np.prod(s)) for s, d in zip(shapes, pick) if d is _distinct]
    pool = iter(np.split(_distinct(rng, (sum(sizes),), kw), np.cumsum(sizes)[:-1])
                if sizes else ())  # drawn after the others, as the values always were
    return [next(pool).reshape(s) if a is None else a for a, s in zip(arrays, shapes)]


def op_target(op: str | Callable[..., Tensor], shapes: Sequence[Sequence[int]] | None = None,
              *, dtype: Any = np.float64, kwargs: Mapping[str, Any] | None = None,
              seed: int = 0) -> Target:
    """An op at the given input shapes (default: the op's own), inputs in its safe domain.

    ``op`` is a name from `op_names`, ``"module:function"`` or a callable (a `Function`
    subclass is called through ``apply``).  One shape for a two-input op is used for both.
    ``kwargs`` override the op's default keyword arguments (``axis``, ``min`` ...).
    """
    name, call, spec, arg_names = _resolve_op(op)
    in_shapes = [tuple(int(n) for n in s) for s in (shapes or spec.shapes)]
    if not spec.variadic and len(spec.shapes) > 1 and len(in_shapes) == 1:
        in_shapes = in_shapes * len(spec.shapes)
    if not spec.variadic and len(in_shapes) != len(spec.shapes):
        raise ValueError(f"{name} takes {len(spec.shapes)} tensor input(s), got "
                         f"{len(in_shapes)} shapes")
    kw = {**spec.kwargs, **(kwargs or {})}
    rng = np.random.default_rng(seed)
    arrays = _draw(rng, in_shapes, spec.domains, kw)
    inputs = tuple(Tensor(a, dtype=dtype, requires_grad=True) for a in arrays)
    arg_names = (arg_names[:len(inputs)] if len(arg_names) >= len(inputs)
                 else [f"x{i}" for i in range(len(inputs))])

    def run(*xs: Tensor) -> Tensor:
        return call(*xs, **kw)

    opts = "".join(f", {k}={v!r}" for k, v in kw.items())
    shown = ", ".join(str(s) for s in in_shapes)
    return Target(title=f"op {name}", fn=run, inputs=inputs,
                  names=tuple(arg_names),
                  details=f"inputs {shown}{opts}, {np.dtype(dtype).name}, seed {seed}")


# ----------------------------------------------------------------------------- articles


@dataclass(frozen=True)
class ArticleSpec:
    """One article's network as the framework computes it, and its reference module.

    The autograd cost: ``hidden`` after each hidden layer, ``head`` at the output ("bce":
    binary cross-entropy with logits; "softmax": cross-entropy of softmax; "relu_softmax":
    of softmax(relu(z))), summed over the batch (divided by m when ``mean``), plus
    ``penalty(lambda)`` sum(weight^2) / (2m).  ``cost`` names the reference function it
    must equal; ``formulas`` are (label, reference function, the article's own?).
    """

    module: ModuleType
    sizes: tuple[int, ...]
    network: str
    hidden: Callable[[Tensor], Tensor]
    head: str
    mean: bool
    penalty: Callable[[float], float]
    columns: bool
    cost: str
    formulas: tuple[tuple[str, str, bool], ...]
    aliases: tuple[str, str]
    notes: tuple[str, ...]


def _no_penalty(lambd: float) -> float:
    return 0.0


ARTICLES: dict[str, ArticleSpec] = {
    "000": ArticleSpec(
        semeion_000, (8, 6, 5, 4),
        "sigmoid layers, bias column; J = mean-over-samples BCE + lambda/(2m) sum(theta[:, 1:]^2)",
        ops.sigmoid, "bce", True, lambda lambd: lambd, False, "cost",
        (("article text", "backprop_prose", True), ("article code", "backprop", True)),
        ("thetas[{l}][:, 1:]", "thetas[{l}][:, 0]"),
        ("article text: (1/m) Delta + (lambda/m) theta for hidden layers, (1/m) Delta for the "
         "output layer -- adds lambda/m theta[:, 0] to hidden biases and drops lambda/m "
         "theta[:, 1:] from the output weights;",
         "article code: the per-sample loop, correct (the reference's backprop)."),
    ),
    "001": ArticleSpec(
        digits_001, (8, 6, 4),
        "sigmoid hidden, softmax output; L = mean-over-samples cross-entropy",
        ops.sigmoid, "softmax", True, _no_penalty, False, "cost",
        (("article", "backprop_article", True), ("corrected", "backprop", False)),
        ("W{k}.T", "b{k}[0]"),
        ("article: dW = a.T @ (P - Y), db = sum(P - Y) -- the gradient of the *summed* loss, "
         "batch times the gradient of its mean loss (equal when it trains on 1 sample);",
         "corrected: the same formulas started from (P - Y) / N."),
    ),
    "002": ArticleSpec(
        mnist_002, (8, 6, 4),
        "ReLU after every layer (output too), softmax; cost = sum-over-samples cross-entropy",
        ops.relu, "relu_softmax", False, _no_penalty, True, "cost",
        (("article", "backprop", True),),
        ("weights[{l}]", "biases[{l}][:, 0]"),
        ("article: correct for the network as built; its listed relU_prime (z * [z <= 0]) is "
         "wrong but unused; the output ReLU zeroes whole gradient rows where z_L <= 0.",),
    ),
    "003": ArticleSpec(
        ng_003, (8, 6, 4),
        "sigmoid layers, bias row, flat theta; J as coded = mean BCE + sum(theta[1:]^2)/(2m) "
        "(no lambda; only switched on by lambda != 0)",
        ops.sigmoid, "bce", True, lambda lambd: 1.0 if lambd else 0.0, False, "cost_article",
        (("article code", "backprop_article", True), ("corrected", "backprop", False)),
        ("theta_{l}[1:].T", "theta_{l}[0]"),
        ("article code: adds (lambda/m) theta to every row -- bias rows (theta_l[0]) are not "
         "penalised by either cost, and the coded cost's penalty has no lambda, so the weight "
         "rows are off by ((lambda - 1)/m) theta; the jac handed to TNC is not the gradient "
         "of its fun.  With --lambda 1 only the bias rows differ; with --lambda 0 it agrees;",
         "corrected: backprop with the coded cost's effective lambda (1 when lambda != 0)."),
    ),
    "004": ArticleSpec(
        catvnoncat_004, (8, 5, 4, 3, 1),
        "ReLU hidden, sigmoid output; J = mean-over-samples BCE",
        ops.relu, "bce", True, _no_penalty, True, "cost",
        (("article", "backprop", True),),
        ("W{k}", "b{k}[:, 0]"),
        ("article: correct (dZ_L = A_L - Y; 1/m once per layer).",),
    ),
}


def _network_cost(spec: ArticleSpec, params: Sequence[Tensor], X: Tensor, Y: Tensor,
                  lambd: float) -> Tensor:
    """The article's cost in framework ops, parameters as [w1, b1, w2, b2, ...] (Linear)."""
    weights, biases = params[0::2], params[1::2]
    a = X
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w.T + b
        if l < len(weights) - 1:
            a = spec.hidden(z)
    if spec.head == "bce":
        data = (Y * ops.softplus(-z) + (1 - Y) * ops.softplus(z)).sum()
    else:
        logits = ops.relu(z) if spec.head == "relu_softmax" else z
        data = -(Y * ops.log_softmax(logits, axis=1)).sum()
    m = X.shape[0]
    cost = data / m if spec.mean else data
    coef = spec.penalty(lambd)
    if coef:
        cost = cost + coef / (2 * m) * sum((w * w).sum() for w in weights)
    return cost


def _reference_call(spec: ArticleSpec, fname: str, layers: list[tuple[np.ndarray, np.ndarray]],
                    sizes: Sequence[int], X: np.ndarray, Y: np.ndarray, lambd: float) -> Any:
    """Call ``spec.module.<fname>`` on the framework-layout ``layers`` in the article's layout."""
    mod = spec.module
    params = mod.from_linear(layers)
    args = (params, tuple(sizes)) if mod is ng_003 else (params,)
    data = (X.T, Y.T) if spec.columns else (X, Y)
    f = getattr(mod, fname)
    extra = {"lambd": lambd} if "lambd" in inspect.signature(f).parameters else {}
    return f(*args, *data, **extra)


def _to_linear(spec: ArticleSpec, grads: Any, sizes: Sequence[int]) -> list[np.ndarray]:
    """Reference gradients (article layout) as [dw1, db1, dw2, db2, ...] (Linear layout)."""
    layers = (spec.module.to_linear(grads, tuple(sizes)) if spec.module is ng_003
              else spec.module.to_linear(grads))
    return [a for pair in layers for a in pair]


def article_target(article: str, sizes: Sequence[int] | None = None, *, batch: int = 5,
                   lambd: float = 0.1, seed: int = 0, dtype: Any = np.float64) -> Target:
    """The cost of article ``"000"`` ... ``"004"``'s network at ``sizes`` (input, hidden...,
    output), on a random batch, at a generic point.

    Parameters are weights N(0, 1/fan_in) and biases N(0, 1/4) -- non-zero, so that a
    formula that mishandles biases shows -- in the framework's Linear layout (w (out, in),
    b (out,)); inputs are U[0, 1) "pixels", targets one-hot rows (0/1 for one output).
    Formulas are evaluated in float64 by the reference module and mapped with ``to_linear``.
    """
    if article not in ARTICLES:
        raise ValueError(f"unknown article {article!r}; choose one of {', '.join(ARTICLES)}")
    spec = ARTICLES[article]
    sizes = tuple(int(n) for n in (sizes or spec.sizes))
    if len(sizes) < 2 or min(sizes) < 1 or batch < 1:
        raise ValueError(f"article {article}: need at least two positive layer sizes and a "
                         f"positive batch, got sizes {sizes}, batch {batch}")
    rng = np.random.default_rng(seed)
    layers = [(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in),
               0.5 * rng.standard_normal(n_out)) for n_in, n_out in pairwise(sizes)]
    X = rng.uniform(0.0, 1.0, (batch, sizes[0]))
    if sizes[-1] == 1:
        Y = rng.integers(0, 2, (batch, 1)).astype(np.float64)
    else:
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    params = tuple(Tensor(a, dtype=dtype, requires_grad=True) for pair in layers for a in pair)
    Xt, Yt = Tensor(X, dtype=dtype), Tensor(Y, dtype=dtype)

    def cost(*ps: Tensor) -> Tensor:
        return _network_cost(spec, ps, Xt, Yt, lambd)

    def formula(fname: str, article_own: bool) -> Callable[[], list[np.ndarray]]:
        lam = lambd if article_own else spec.penalty(lambd)

        def grads() -> list[np.ndarray]:
            now = [p.data.astype(np.float64) for p in params]
            pairs = list(zip(now[0::2], now[1::2]))
            return _to_linear(spec, _reference_call(spec, fname, pairs, sizes, X, Y, lam), sizes)
        return grads

    names = []
    for l in range(len(sizes) - 1):
        for kind, alias in zip(("weight", "bias"), spec.aliases):
            names.append(f"fc{l + 1}.{kind} = {alias.format(l=l, k=l + 1)}")
    value = float(cost(*params).data)
    ref = float(_reference_call(spec, spec.cost, layers, sizes, X, Y, lambd))
    return Target(
        title=f"article {article}", fn=cost, inputs=params, names=tuple(names),
        outputs=("cost",),
        formulas=tuple(Formula(label, formula(fname, own), own)
                       for label, fname, own in spec.formulas),
        value_check=(value, ref),
        details=(f"sizes {sizes}, batch {batch}, lambda {lambd}, {np.dtype(dtype).name}, "
                 f"seed {seed}\n{spec.network}"),
        notes=spec.notes)


# ----------------------------------------------------------------------------- second order


def _float_outputs(result: Any) -> list[Tensor]:
    items = result if isinstance(result, tuple | list) else (result,)
    return [y for y in items if isinstance(y, Tensor) and y.dtype.kind == "f"]


def second_order(target: Target, seed: int = 0) -> Target:
    """The target's first derivative as a target: (inputs, v) -> v . d fn / d inputs.

    Built with ``create_graph=True``; v (one per output, random, requires grad) is checked
    too, as in ``gradgradcheck``.  Checking this target checks second derivatives.
    """
    rng = np.random.default_rng(seed)
    outs = _float_outputs(target.fn(*target.inputs))
    vs = tuple(Tensor(rng.standard_normal(y.shape), dtype=y.dtype, requires_grad=True)
               for y in outs)
    n = len(target.inputs)

    def first_derivative(*args: Any) -> tuple[Tensor, ...]:
        xs, v = args[:n], args[n:]
        wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        gs = grad(_float_outputs(target.fn(*xs)), wrt, grad_outputs=list(v),
                  create_graph=True, allow_unused=True)
        return tuple(Tensor(np.zeros(x.shape, x.dtype)) if g is None else g
                     for g, x in zip(gs, wrt))

    short = [name.split(" = ")[0] for name in target.names]
    v_names = ("v",) if len(vs) == 1 else tuple(f"v{o}" for o in range(len(vs)))
    return Target(title=f"{target.title} (second order)", fn=first_derivative,
                  inputs=(*target.inputs, *vs), names=(*target.names, *v_names),
                  outputs=tuple(f"grad {s}" for s in short),
                  details=f"{target.details}\nfirst derivative (x, v) -> v . d {target.outputs[0]}"
                          f" / dx, recorded with create_graph=True; v random, checked too")


# ----------------------------------------------------------------------------- checking


@dataclass
class Row:
    """Autograd against one other gradient, for one checked input.

    Over the ``n`` Jacobian entries of that input (its size, for a scalar output):
    ``max_abs`` = max |autograd - other|; ``max_rel`` = max |autograd - other| /
    max(|autograd|, |other|, atol); ``n_differ`` entries fail |autograd - other| <= atol +
    rtol |other| (gradcheck's test); ``entry`` names the worst one, where autograd and the
    other gave ``autograd``/``other``; ``pattern`` says how they differ when it is simple
    (other = c x autograd, or other = autograd + c x parameter: an L2 term).
    """

    parameter: str
    shape: tuple[int, ...]
    versus: str
    kind: str  # "central" | "forward" | "article" | "corrected"
    max_abs: float
    max_rel: float
    entry: str
    autograd: float
    other: float
    n_differ: int
    n: int
    pattern: str = ""
    low_precision: bool = False  # the input is not float64: round-off swamps the differences
    beyond_eps: bool = False  # forward differences off by far more than their O(eps) error

    @property
    def status(self) -> str:
        """"ok", or what a difference means for this kind of comparison."""
        if not self.n_differ:
            return "ok"
        if self.low_precision and self.kind == "central":
            return "round-off? (not float64)"
        if self.kind == "forward":
            return "DIFFERS (far beyond O(eps))" if self.beyond_eps else "inexact (O(eps))"
        return {"central": "FAIL", "article": "article formula differs",
                "corrected": "FAIL (corrected formula)"}[self.kind]


@dataclass
class Report:
    """The rows of one check, and what they add up to."""

    target: Target
    eps: float
    atol: float
    rtol: float
    rows: list[Row]

    @property
    def value_ok(self) -> bool:
        """The autograd network's cost equals the reference module's (or there is none)."""
        if self.target.value_check is None:
            return True
        a, b = self.target.value_check
        return abs(a - b) <= 1e-10 * max(1.0, abs(b))

    @property
    def low_precision(self) -> bool:
        """Some checked input is not float64: central differences carry round-off."""
        return any(x.dtype != np.float64 for x in self.target.checked)

    @property
    def failed(self) -> bool:
        """Autograd disagrees with central differences (in float64), or with a corrected
        formula, or the forward pass disagrees with the reference: a bug in the framework or
        the project.  In low precision central differences are no verdict."""
        judges = ("corrected",) if self.low_precision else ("central", "corrected")
        return not self.value_ok or any(r.n_differ and r.kind in judges for r in self.rows)

    @property
    def article_differs(self) -> bool:
        """Some article formula disagrees with autograd (an expected, documented finding)."""
        return any(r.n_differ and r.kind == "article" for r in self.rows)

    def exit_code(self, strict: bool = False) -> int:
        """1 when `failed` (or, with ``strict``, when an article formula differs), else 0."""
        return int(self.failed or (strict and self.article_differs))


def _index(flat: int, shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(i)) for i in np.unravel_index(flat, shape)) + "]" \
        if shape else "[]"


FORWARD_SLACK = 1e3
"""Forward differences err by about eps |f''| / 2: a difference above FORWARD_SLACK x eps x
max(1, |gradient|) is not that error (a kink, or a wrong gradient: central decides)."""


def _compare(target: Target, ana: list[list[np.ndarray]], other: list[list[np.ndarray]],
             out_shapes: list[tuple[int, ...]], versus: str, kind: str, atol: float,
             rtol: float, eps: float = 0.0) -> list[Row]:
    """One `Row` per checked input: the Jacobian blocks of all outputs stacked."""
    rows = []
    scalar = len(out_shapes) == 1 and int(np.prod(out_shapes[0])) == 1
    starts = np.cumsum([0] + [int(np.prod(s)) for s in out_shapes])
    for col, (name, x) in enumerate(zip(target.names, target.checked)):
        a = np.concatenate([ana[o][col] for o in range(len(out_shapes))])
        b = np.concatenate([other[o][col] for o in range(len(out_shapes))])
        diff = np.abs(a - b)
        excess = diff - (atol + rtol * np.abs(b))
        bad = ~(excess <= 0)  # NaN counts as a difference
        score = np.where(bad, np.nan_to_num(excess, nan=np.inf), -np.inf) if bad.any() \
            else np.nan_to_num(diff, nan=np.inf)
        r, c = np.unravel_index(int(np.argmax(score)), a.shape) if a.size else (0, 0)
        if scalar:
            entry = _index(int(c), x.shape)
        else:
            o = int(np.searchsorted(starts, r, side="right") - 1)
            entry = (f"d {target.outputs[o]}{_index(r - starts[o], out_shapes[o])}"
                     f" / d {name.split(' = ')[0]}{_index(int(c), x.shape)}")
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), atol)
        max_abs = float(np.max(diff, initial=0.0))
        beyond = kind == "forward" and not max_abs <= FORWARD_SLACK * eps * float(
            np.max(np.abs(b), initial=1.0))
        rows.append(Row(name, tuple(x.shape), versus, kind, max_abs,
                        float(np.max(diff / scale, initial=0.0)),
                        entry, float(a[r, c]) if a.size else 0.0,
                        float(b[r, c]) if a.size else 0.0, int(bad.sum()), int(a.size),
                        _pattern(a, b, x.data.reshape(1, -1)) if bad.any() else "",
                        x.dtype != np.float64, beyond))
    return rows


def _constant(num: np.ndarray, den: np.ndarray) -> float | None:
    """c when num = c * den in every entry (to 1e-6 relative, entries with den = 0 having
    num = 0), else None."""
    nz = np.abs(den) > 1e-12
    if not nz.any() or np.any(np.abs(num[~nz]) > 1e-12):
        return None
    ratio = num[nz] / den[nz]
    return float(ratio[0]) if np.allclose(ratio, ratio[0], rtol=1e-6, atol=1e-12) else None


def _pattern(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> str:
    """How ``b`` differs from autograd's ``a``, when one number says it (else "")."""
    factor = _constant(b, a)
    if factor is not None:
        return f"other = {factor:.6g} x autograd"
    shift = _constant(b - a, np.broadcast_to(x, a.shape))
    if shift is None:
        return ""
    return f"other = autograd {'-' if shift < 0 else '+'} {abs(shift):.6g} x parameter"


def check(target: Target, eps: float = 1e-6, atol: float = ATOL, rtol: float = RTOL,
          order: int = 1) -> Report:
    """Compare autograd's Jacobian with central and forward differences and each formula.

    Rows come grouped by checked input: central, forward, then the formulas in order.
    ``order=2`` checks the `second_order` target instead (second derivatives, no formulas).
    """
    if order not in (1, 2):
        raise ValueError(f"check: order must be 1 or 2, got {order}")
    if order == 2:
        target = second_order(target)
    out_shapes = [tuple(y.shape) for y in _float_outputs(target.fn(*target.inputs))]
    ana = analytical_jacobian(target.fn, target.inputs)
    groups: list[list[Row]] = []
    for method in ("central", "forward"):
        num = numerical_jacobian(target.fn, target.inputs, eps, method=method)
        groups.append(_compare(target, ana, num, out_shapes, f"{method} differences", method,
                               atol, rtol, eps))
    for f in target.formulas:
        formula = [[g.reshape(1, -1) for g in f.grads()]]
        groups.append(_compare(target, ana, formula, out_shapes, f.label,
                               "article" if f.article else "corrected", atol, rtol))
    rows = [row for per_input in zip(*groups) for row in per_input]
    return Report(target, eps, atol, rtol, rows)


def check_op(op: str | Callable[..., Tensor], shapes: Sequence[Sequence[int]] | None = None,
             *, dtype: Any = np.float64, kwargs: Mapping[str, Any] | None = None,
             seed: int = 0, eps: float = 1e-6, atol: float = ATOL, rtol: float = RTOL,
             order: int = 1) -> Report:
    """`check` of `op_target` (``order=2``: of its `second_order` target)."""
    return check(op_target(op, shapes, dtype=dtype, kwargs=kwargs, seed=seed), eps, atol, rtol,
                 order)


def check_article(article: str, sizes: Sequence[int] | None = None, *, batch: int = 5,
                  lambd: float = 0.1, seed: int = 0, eps: float = 1e-6, atol: float = ATOL,
                  rtol: float = RTOL, order: int = 1) -> Report:
    """`check` of `article_target` (``order=2``: of its `second_order` target, no formulas)."""
    return check(article_target(article, sizes, batch=batch, lambd=lambd, seed=seed), eps,
                 atol, rtol, order)


# ----------------------------------------------------------------------------- eps sweep


@dataclass
class SweepRow:
    """max |finite difference - autograd (float64)| over every Jacobian entry, at one eps."""

    dtype: str
    method: str
    eps: float
    error: float
    best: bool = False


def eps_sweep(make: Callable[..., Target], eps_values: Sequence[float] = EPS_DECADES,
              dtypes: Sequence[Any] = (np.float32, np.float64)) -> list[SweepRow]:
    """Finite-difference error against float64 autograd for each eps, dtype and method.

    ``make(dtype=...)`` builds the target (e.g. ``functools.partial(op_target, "tanh")``);
    the same seed gives the same point, rounded for float32.  Central differences err by
    ~ eps^2 |f'''| / 6 + u |f| / eps (best eps ~ u^(1/3)), forward ones by ~ eps |f''| / 2
    + 2 u |f| / eps (best ~ u^(1/2)); u = 6e-8 (float32), 1.1e-16 (float64).  The best eps
    of each curve is marked.
    """
    exact64 = make(dtype=np.float64)
    exact = np.concatenate([b.ravel() for blocks in
                            analytical_jacobian(exact64.fn, exact64.inputs) for b in blocks])
    rows = []
    for dtype in dtypes:
        target = make(dtype=np.dtype(dtype))
        for method in ("forward", "central"):
            curve = []
            for eps in eps_values:
                num = numerical_jacobian(target.fn, target.inputs, eps, method=method)
                flat = np.concatenate([b.ravel() for blocks in num for b in blocks])
                curve.append(SweepRow(np.dtype(dtype).name, method, float(eps),
                                      float(np.max(np.abs(flat - exact)))))
            min(curve, key=lambda row: row.error).best = True
            rows.extend(curve)
    return rows


def save_sweep_png(rows: Sequence[SweepRow], path: str | Path, title: str = "") -> Path:
    """Draw the sweep: error against eps, log-log, one curve per (dtype, method), the best
    eps of each curve circled.  Needs matplotlib (raises ImportError without it)."""
    from .plots import _figure, _save

    fig = _figure(6.4, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    curves: dict[tuple[str, str], list[SweepRow]] = {}
    for row in rows:
        curves.setdefault((row.dtype, row.method), []).append(row)
    dtypes = list(dict.fromkeys(dtype for dtype, _ in curves))
    for (dtype, method), curve in curves.items():
        eps = np.array([r.eps for r in curve])
        err = np.array([r.error for r in curve])
        err = np.where(err > 0, err, np.nan)  # an exact 0 has no place on a log axis
        line, = ax.plot(eps, err, marker="o", markersize=3, color=f"C{dtypes.index(dtype)}",
                        linestyle="-" if method == "central" else "--",
                        label=f"{dtype} {method}")
        best = next(r for r in curve if r.best)
        if best.error > 0:
            ax.plot([best.eps], [best.error], marker="o", markersize=11, fillstyle="none",
                    color=line.get_color())
            ax.annotate(f"{best.eps:.0e}", (best.eps, best.error), textcoords="offset points",
                        xytext=(0, -16), ha="center", fontsize=7, color=line.get_color())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("eps (step)")
    ax.set_ylabel("max |finite difference - autograd|")
    ax.set_title(title or "finite differences: round-off (small eps) vs truncation (large eps)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)

"""A `Trace` turned into Python source: one NumPy line per array operation.

`generate` runs these passes over the trace's instructions, each keeping the eager call's
numbers bit for bit:

1. *keep*: walking backwards from the results, keep an instruction if a result needs its
   output, or if it changes an array that lives on after the call (a parameter, an
   optimizer buffer) or that a kept instruction reads later, or if it draws random numbers
   (the stream must advance as in the eager call).  Gradients nobody reads are dropped.
   Then the rewrites of single lines: views of constants folded, the engine's defensive
   copies dropped (`_elide_copies`), SGD's scratch ``lr * g`` computed in the dying
   gradient (`_scratch_in_place`), small in-place chains written as expressions
   (`_functional`), and the guards placed before the first state change (`_check_guards`).
2. *inline*: an elementwise result read once, by the next elementwise expression, with no
   in-place write in between, is written inside its reader: ``a * (1 - a)`` rather than
   two lines.
3. *buffers*: a result that stays inside the call (not returned, not stored) and comes
   from a ufunc (``+ * exp @`` ...) is written with ``out=`` into a buffer allocated once;
   a buffer is reused by a later result of the same shape and dtype once every reader of
   its previous content has run.
4. *names*: inputs keep the function's argument names, state the module paths
   (``fc1_weight``), results the name of the op that made them (``sigmoid1``, and
   ``d_sigmoid1`` for a value of its backward).  Writing the lines, an ``(n, 1) * (1, m)``
   product goes through ``np.dot`` and the max or sum of one element is read, not reduced.
"""

from __future__ import annotations

import keyword
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .trace import GuardFailed, Instr, Scalar, Sym

BINARY = {np.add: "+", np.subtract: "-", np.multiply: "*", np.true_divide: "/",
          np.power: "**", np.matmul: "@", np.floor_divide: "//", np.remainder: "%",
          np.greater: ">", np.greater_equal: ">=", np.less: "<", np.less_equal: "<=",
          np.equal: "==", np.not_equal: "!=", np.bitwise_and: "&", np.bitwise_or: "|",
          np.bitwise_xor: "^"}
UNARY = {np.negative: "-", np.positive: "+", np.invert: "~"}
# Python's binding strength of each operator (higher binds tighter)
PRECEDENCE = {"**": 7, "unary": 6, "@": 5, "*": 5, "/": 5, "//": 5, "%": 5, "+": 4, "-": 4,
              "&": 3, "^": 2, "|": 1, ">": 0, ">=": 0, "<": 0, "<=": 0, "==": 0, "!=": 0}
ATOM = 9
PURE_METHODS = {"reshape", "transpose", "swapaxes", "astype", "copy", "__getitem__", "view",
                "ravel", "flatten", "squeeze", "argmax", "argmin", "take", "repeat", "sum",
                "mean", "max", "min", "prod", "any", "all", "std", "var", "cumsum", "cumprod",
                "dot", "clip", "round", "nonzero", "argsort", "diagonal", "trace", "conj",
                "searchsorted", "compress", "choose"}


@dataclass
class Program:
    """The generated source and what it needs to run."""

    source: str
    namespace: dict[str, Any]
    function_name: str
    inputs: list[int] = field(default_factory=list)  # the inputs it takes, by position
    written_inputs: list[int] = field(default_factory=list)  # of those, changed in place
    mutated: list[np.ndarray] = field(default_factory=list)  # state arrays changed in place
    lines: int = 0
    baked: list[str] = field(default_factory=list)  # branches the program cannot check
    rewinds: bool = False           # whether a guard follows random draws (rewind them)


@dataclass(eq=False)
class _Expr:
    text: str
    precedence: int


def _elementwise(instr: Instr) -> bool:
    kind, what = instr.op
    return (kind == "ufunc" and what[1] == "__call__" and what[0] is not np.matmul
            and "out" not in instr.kwargs and not instr.writes)


def _uses(value: Any) -> list[Sym]:
    """The Syms an argument refers to (through tuples, lists, slices and Scalars)."""
    out: list[Sym] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Sym):
            out.append(v)
        elif isinstance(v, Scalar):
            out.append(v.sym)
        elif isinstance(v, tuple | list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, slice):
            stack.extend((v.start, v.stop, v.step))
    return out


def _outs(instr: Instr) -> list[Sym]:
    if isinstance(instr.out, tuple):
        return [o for o in instr.out if o is not None]
    return [] if instr.out is None else [instr.out]


def _reads(instr: Instr) -> list[Sym]:
    return _uses(instr.args) + _uses({k: v for k, v in instr.kwargs.items() if k != "out"})


def identifier(text: str) -> str:
    """A Python name for ``text``: ``fc1.weight`` -> ``fc1_weight``, Sequential's
    ``0.weight`` -> ``layer0_weight``."""
    text = re.sub(r"(^|[._])(\d)", r"\1layer\2", text)
    name = re.sub(r"\W+", "_", text).strip("_") or "t"
    return name + "_" if keyword.iskeyword(name) else name


class _Namer:
    """Unique identifiers: the first ``x`` is ``x``; later ones ``x1, x2``... for op results
    (``sigmoid1``), so that names count what they are."""

    def __init__(self) -> None:
        self.taken: set[str] = {"np"}
        self.counts: dict[str, int] = {}

    def fixed(self, hint: str) -> str:
        base = identifier(hint)
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def numbered(self, hint: str) -> str:
        base = identifier(hint)
        while True:
            n = self.counts.get(base, 0) + 1
            self.counts[base] = n
            name = f"{base}{n}"
            if name not in self.taken:
                self.taken.add(name)
                return name


def generate(instrs: Sequence[Instr], inputs: Sequence[Sym], scalars: Sequence[Sym],
             captured: dict[Sym, np.ndarray], persistent: set[Sym], results: Sequence[Sym],
             names: dict[Sym, str], *, function_name: str = "step",
             min_buffer: int = 0, scratch: frozenset[Sym] = frozenset()) -> Program:
    """Python source computing ``results`` from ``inputs`` (arguments), ``scalars`` (more
    arguments) and ``captured`` arrays (module-level names; those in ``persistent`` are
    state, shared with the caller, the others constants of the call, copied fresh when the
    program writes into them; those in ``scratch`` are state nobody reads after the call).
    ``names`` gives preferred names (parameters, gradients); results of at least
    ``min_buffer`` elements get preallocated buffers."""
    names = dict(names)
    order = [instrs[i] for i in _keep(instrs, persistent | set(inputs), set(results))]
    order = _fold_constant_views(order, captured, persistent)
    order, results = _elide_copies(order, results, names)
    order = _scratch_in_place(order, scratch, results)
    order = _functional(order, results, min_buffer)
    order, baked, rewinds = _check_guards(order, persistent | set(inputs))
    result_set = set(results)
    uses: dict[Sym, int] = {}
    for instr in order:
        for s in _reads(instr) + list(instr.writes):
            uses[s] = uses.get(s, 0) + 1
    viewed = {s.owner for instr in order for s in _outs(instr) if s.root is not None}
    inline, position = _inline(order, uses, result_set, viewed)
    last = _last_use(order, position, result_set)
    escaping = {r.owner for r in results}
    buffers, specs = _buffers(order, inline, escaping, last, position, min_buffer)

    namer = _Namer()
    namespace: dict[str, Any] = {"np": np, "GuardFailed": GuardFailed}
    text: dict[Sym, _Expr] = {}
    taken = [i for i, s in enumerate(inputs) if s in uses or s in result_set]
    params = [namer.fixed(names.get(s, s.name)) for s in (*[inputs[i] for i in taken], *scalars)]
    for s, name in zip((*[inputs[i] for i in taken], *scalars), params):
        text[s] = _Expr(name, ATOM)
    written = {w.owner for instr in order for w in instr.writes}
    uniform = _uniform(captured, persistent, written)
    header: list[str] = []
    body: list[str] = []
    rebound: set[str] = set()
    mutated: list[np.ndarray] = []
    for s in uniform:
        uses.pop(s, None)
    for instr in order:  # a uniform constant still read elsewhere keeps its name
        if not _elementwise(instr):
            for s in _reads(instr):
                if s in uniform:
                    uses[s] = 1
    defined = {instr.out for instr in order if instr.op[0] == "view"}  # made by a line
    for s, array in captured.items():
        if (s not in uses and s not in result_set) or s in defined:
            continue
        name = namer.fixed(names.get(s, s.name if s.name != "const"
                                     else "state" if s in written else "const"))
        namespace[name] = array
        text[s] = _Expr(name, ATOM)
        if s in persistent:
            header.append(f"#   {name}: {_describe(array)}")
            if s in written:
                mutated.append(array)
        elif s in written:  # the eager call made it afresh: so does each replay
            namespace[name + "_init"] = array
            body.append(f"{name} = {name}_init.copy()")
            header.append(f"#   {name}: {_describe(array)}, made afresh each call")
        else:
            header.append(f"#   {name}: {_describe(array)}, a constant"
                          + (f" = {_literal(array)}" if array.size <= 6 else ""))
    buffer_names = [namer.fixed(f"buf{i}") for i in range(len(specs))]
    for name, (shape, dtype, order_) in zip(buffer_names, specs):
        namespace[name] = np.empty(shape, dtype, order=order_)

    for instr in order:
        outs = _outs(instr)
        for o in outs:
            if o not in inline and o not in text:
                text[o] = _Expr(namer.fixed(names.get(o, o.name)), ATOM)
        new = outs and outs[0] in buffers and not instr.writes  # not an out= of its own
        expr = _render(_scalars_for_uniform(instr, uniform), text, namespace, namer,
                       buffer_names[buffers[outs[0]]] if new else None)
        if len(outs) == 1 and outs[0] in inline:
            text[outs[0]] = expr
        else:
            line = _statement(instr, expr, text)
            body.append(line)
            target = line.split(" ", 1)[0]
            if line.startswith(target + " ") and line[len(target) + 1:len(target) + 2] in \
                    "+-*/@%&|^" and target in namespace:
                rebound.add(target)  # ``state -= ...``: the module-level array, in place

    returned = ", ".join(text[s].text for s in results)
    head = f"def {function_name}("
    lines = textwrap.wrap(", ".join(params) + "):", 96, initial_indent=head,
                          subsequent_indent=" " * len(head), break_on_hyphens=False,
                          break_long_words=False) or [head + "):"]
    taken_syms = [inputs[i] for i in taken]
    if taken_syms:
        lines.append("    # arguments (each call's arrays):")
        lines += [f"    #   {text[s].text}: {s.shape} {s.dtype}" for s in taken_syms]
    if header:
        lines.append("    # state and constants (module-level names):")
        lines += ["    " + h for h in header]
    if buffer_names:
        lines.append(f"    # buffers allocated once: {', '.join(buffer_names)}")
    if rebound:
        lines.append("    # changed in place by augmented assignments:")
        lines += [ln.rstrip(",") for ln in textwrap.wrap(
            ", ".join(sorted(rebound, key=_natural)), 96, initial_indent="    global ",
            subsequent_indent="    global ", break_on_hyphens=False)]
    lines += ["    " + b for b in body]
    lines.append(f"    return ({returned}{',' if len(results) == 1 else ''})")
    return Program("\n".join(lines) + "\n", namespace, function_name, taken,
                   [k for k, i in enumerate(taken) if inputs[i] in written], mutated,
                   len(body), baked, rewinds)


# --------------------------------------------------------------------------- passes
def _keep(instrs: Sequence[Instr], state: set[Sym], results: set[Sym]) -> list[int]:
    """Indices of the instructions the results and the state's changes need (pass 1)."""
    needed = set(results)
    needed_owners = {s.owner for s in results}
    kept: list[int] = []
    for i in range(len(instrs) - 1, -1, -1):
        instr = instrs[i]
        outs = _outs(instr)
        keep = (instr.op[0] in ("draw", "guard") or any(o in needed for o in outs)
                or any(w.owner in state or w.owner in needed_owners for w in instr.writes))
        if not keep:
            continue
        kept.append(i)
        for s in _reads(instr) + list(instr.writes) + outs:
            if s.root is not None:
                needed.add(s.root)
                needed_owners.add(s.root)
        for s in _reads(instr) + list(instr.writes):
            needed.add(s)
            needed_owners.add(s.owner)
    kept.reverse()
    return kept


def _map(value: Any, subst: dict[Sym, Sym]) -> Any:
    """``value`` with every Sym replaced as ``subst`` says."""
    if isinstance(value, Sym):
        return subst.get(value, value)
    if isinstance(value, tuple | list):
        return type(value)(_map(v, subst) for v in value)
    if isinstance(value, dict):
        return {k: _map(v, subst) for k, v in value.items()}
    if isinstance(value, slice):
        return slice(_map(value.start, subst), _map(value.stop, subst), _map(value.step, subst))
    return value


def _remap(instr: Instr, subst: dict[Sym, Sym]) -> Instr:
    """``instr`` with every Sym it reads, writes or makes replaced as ``subst`` says."""
    if not subst:
        return instr
    return replace(instr, args=_map(instr.args, subst), kwargs=_map(instr.kwargs, subst),
                   out=_map(instr.out, subst), writes=_map(instr.writes, subst))


def _scalars_for_uniform(instr: Instr, uniform: dict[Sym, Any]) -> Instr:
    """In an elementwise op whose other operand has the result's shape, a uniform
    constant array is written as its number: ``0.0025 * w`` (the same bits: NumPy
    broadcasts the number, and the dtype is the array's)."""
    if not uniform or not _elementwise(instr) or not isinstance(instr.out, Sym):
        return instr
    shape = instr.out.shape
    args = list(instr.args)
    all_float64 = all(b.dtype == np.float64 for b in args if isinstance(b, Sym))
    for i, a in enumerate(args):
        if a in uniform and any(isinstance(b, Sym) and b.shape == shape and b not in uniform
                                for j, b in enumerate(args) if j != i):
            # a Python float takes the array's dtype: the same as a float64 array only
            # when everything is float64; otherwise the number keeps its NumPy type
            args[i] = float(uniform[a]) if all_float64 else uniform[a]
    return replace(instr, args=tuple(args))


def _fold_constant_views(order: Sequence[Instr], captured: dict[Sym, np.ndarray],
                         persistent: set[Sym]) -> list[Instr]:
    """A view of a constant of the call is a constant itself (np.broadcast_to of the
    backward's seed gradient): drop the line that would rebuild it."""
    written = {w.owner for instr in order for w in instr.writes}
    return [instr for instr in order
            if not (instr.op[0] == "view" and instr.out in captured
                    and instr.args[0] not in persistent and instr.args[0] not in written)]


def _uniform(captured: dict[Sym, np.ndarray], persistent: set[Sym],
             written: set[Sym]) -> dict[Sym, Any]:
    """Constants of the call whose elements are all one number (a broadcast 1/m): the
    number, in the array's dtype."""
    out: dict[Sym, Any] = {}
    for s, a in captured.items():
        if (s not in persistent and s not in written and a.size > 1 and a.dtype.kind == "f"
                and np.all(a == a.flat[0])):
            out[s] = a.dtype.type(a.flat[0])
    return out


def _elide_copies(order: Sequence[Instr], results: Sequence[Sym], names: dict[Sym, str]
                  ) -> tuple[list[Instr], list[Sym]]:
    """Drop instructions whose result may simply *be* their operand ``a``:

    * ``a.astype(a.dtype, copy=False)`` (NumPy returns ``a`` itself);
    * ``a.astype(a.dtype)``, ``a.copy()``, ``a * 1``, ``a / 1`` when nothing else reads
      ``a`` and nothing writes its memory later: the engine copies a gradient it cannot
      prove it owns, and divides a loss by a batch size of 1; in a program the proof is
      the use count.  A view (``g.reshape(n)``) qualifies if it is the only result
      living in its array's memory.
    """
    last_touch: dict[Sym, float] = {}  # the last instruction reading or writing a memory
    for pos, instr in enumerate(order):
        for s in _reads(instr) + list(instr.writes):
            last_touch[s.owner] = pos
    for s in results:
        last_touch[s.owner] = float("inf")
    owners_of_results = {r.owner for r in results}
    subst: dict[Sym, Sym] = {}
    kept: list[Instr] = []
    for pos, instr in enumerate(order):
        instr = _remap(instr, subst)
        src, out = (instr.args[0] if instr.args else None), instr.out
        kind, what = instr.op
        same_object = (kind == "method" and what == "astype"
                       and instr.kwargs.get("copy", True) is False)
        if not (isinstance(src, Sym) and isinstance(out, Sym)
                and (out.root is None or (same_object and out.root is src.owner))
                and src.dtype == out.dtype and src.shape == out.shape):
            kept.append(instr)
            continue
        copying = ((kind == "method" and what in ("astype", "copy") and not same_object)
                   or (kind == "ufunc" and what[0] in (np.multiply, np.true_divide)
                       and what[1] == "__call__" and not instr.kwargs
                       and len(instr.args) == 2 and type(instr.args[1]) in (int, float)
                       and instr.args[1] == 1))
        owner = src.owner
        sole = (last_touch.get(owner) == pos and owner.kind == "op"
                and owner.order == out.order and owner not in owners_of_results)
        if same_object or (copying and sole):
            subst[out] = src
            owners_of_results.add(owner)
            if out in names:
                names[src] = names.pop(out)
            continue
        kept.append(instr)
    for instr in kept:  # views of a dropped result view its operand's memory
        for o in _outs(instr):
            if o.root in subst:
                o.root = subst[o.root].owner
    return kept, [subst.get(r, r) for r in results]


def _scratch_in_place(order: Sequence[Instr], scratch: frozenset[Sym],
                      results: Sequence[Sym]) -> list[Instr]:
    """A scratch array written once by an elementwise op (SGD's ``lr * g`` with
    ``out=``) takes the place of an operand nothing reads afterwards: ``g *= lr`` then
    ``p -= g``.  The same numbers; one array fewer to stream through the cache."""
    if not scratch:
        return list(order)
    last_touch: dict[Sym, int] = {}
    writes: dict[Sym, int] = {}
    for pos, instr in enumerate(order):
        for s in _reads(instr) + list(instr.writes):
            last_touch[s.owner] = pos
        for w in instr.writes:
            writes[w] = writes.get(w, 0) + 1
    kept_alive = {r.owner for r in results}
    touched: set[Sym] = set()
    subst: dict[Sym, Sym] = {}
    out: list[Instr] = []
    for pos, instr in enumerate(order):
        instr = _remap(instr, subst)
        s = instr.writes[0] if len(instr.writes) == 1 else None
        if (s in scratch and s not in touched and writes[s] == 1 and _elementwise_into(instr)
                and instr.kwargs == {"out": (s,)}):
            # an op's result, or a view of all of it (g.reshape(n)), that dies here
            dead = [a for a in instr.args if isinstance(a, Sym) and a.owner.kind == "op"
                    and math.prod(a.shape) == math.prod(a.owner.shape)
                    and a.owner not in kept_alive and last_touch.get(a.owner) == pos
                    and (a.shape, a.dtype, a.order) == (s.shape, s.dtype, s.order)]
            if dead:
                subst[s] = g = dead[0]
                instr = replace(instr, kwargs={"out": (g,)}, out=g, writes=(g,))
        touched.update(x.owner for x in _reads(instr) + list(instr.writes))
        out.append(instr)
    return out


_ALLOCATIONS = {("func", f) for f in (np.empty_like, np.zeros_like, np.ones_like, np.full_like)}


def _functional(order: Sequence[Instr], results: Sequence[Sym], min_size: int) -> list[Instr]:
    """In-place ufunc calls on a small temporary (the engine's ``np.exp(t, out=t)``, which
    saves an allocation per op on big arrays) as plain expressions, each value a name of
    its own: under ``min_size`` elements a fresh array costs less than ``out=``, and the
    expressions inline (pass 2) -- ``1 / (np.exp(np.minimum(-z, 709.78)) + 1)``.  The same
    numbers: the same ufuncs on the same values, in the dtype the ``out=`` had.  A
    temporary written any other way (through a view, by an index assignment) or viewed
    before a write stays as it is."""
    owners_of_results = {r.owner for r in results}
    writes: dict[Sym, list[int]] = {}
    blocked: set[Sym] = set(owners_of_results)
    for pos, instr in enumerate(order):
        for w in instr.writes:
            if w.root is not None or not _in_place_ufunc(instr, w):
                blocked.add(w.owner)
            writes.setdefault(w, []).append(pos)
    for pos, instr in enumerate(order):  # a view taken before a later write sees it
        for o in _outs(instr):
            if o.root is not None and any(p > pos for p in writes.get(o.root, ())):
                blocked.add(o.root)
    chosen = {t for t in writes if t not in blocked and t.kind == "op" and t.root is None
              and math.prod(t.shape) < min_size}
    if not chosen:
        return list(order)
    subst: dict[Sym, Sym] = {}
    out: list[Instr] = []
    for instr in order:
        w = instr.writes[0] if instr.writes else None
        if w in chosen:
            value = Sym(w.name, w.shape, w.dtype, "op", w.order)
            out.append(replace(instr, args=_map(instr.args, subst), kwargs={}, out=value,
                               writes=()))
            subst[w] = value
            continue
        for o in _outs(instr):
            if o.root in subst:  # a view of the value as it is now
                o.root = subst[o.root]
        out.append(_remap(instr, subst))
    read = {s.owner for instr in out for s in _reads(instr)} | owners_of_results
    return [instr for instr in out  # an allocation for an out= that is gone
            if not (instr.op in _ALLOCATIONS and instr.out not in read)]


def _in_place_ufunc(instr: Instr, w: Sym) -> bool:
    """``ufunc(..., out=w)``, elementwise, whose result without ``out=`` would have
    ``w``'s dtype (NumPy scalars of another dtype promote; Python numbers do not)."""
    if not _elementwise_into(instr) or instr.kwargs != {"out": (w,)}:
        return False
    probes = [np.zeros(1, a.dtype) if isinstance(a, Sym) else 1.0 if isinstance(a, Scalar)
              else a for a in instr.args]
    try:
        with np.errstate(all="ignore"):
            natural = instr.op[1][0](*probes)
    except (TypeError, ValueError):
        return False
    return isinstance(natural, np.ndarray) and natural.dtype == w.dtype


def _elementwise_into(instr: Instr) -> bool:
    """An elementwise ufunc call (written with ``out=``)."""
    kind, what = instr.op
    return kind == "ufunc" and what[1] == "__call__" and what[0] is not np.matmul


def _check_guards(order: Sequence[Instr], state: set[Sym]
                  ) -> tuple[list[Instr], list[str], bool]:
    """Guards can send a call back to eager mode only before the program changes any
    state.  A guard after a state change whose condition is computed from values that no
    line between there and the guard changes (a check of the targets or of the logits)
    moves up before it with the lines it needs; any other is dropped (the branch is
    baked in) and reported.  Random draws count as a change too, except for a guard that
    cannot move above them (it reads a dropout mask): it stays, and the program's caller
    rewinds the generators when it fails (the third value returned: whether to).
    State changes that can wait until after the last guard are moved there first."""
    def writes_state(instr: Instr) -> bool:
        return any(w.owner in state for w in instr.writes)

    order = _sink_state_changes(order, state)
    first = next((i for i, instr in enumerate(order)
                  if instr.op[0] == "draw" or writes_state(instr)), len(order))
    first_write = next((i for i, instr in enumerate(order) if writes_state(instr)), len(order))
    written_at: dict[Sym, list[int]] = {}
    producer: dict[Sym, int] = {}  # the line that makes each value (not one writing into it)
    for pos, instr in enumerate(order):
        for w in instr.writes:
            written_at.setdefault(w.owner, []).append(pos)
        for o in _outs(instr):
            if o.kind == "op":
                producer.setdefault(o, pos)

    def changed_before(s: Sym, j: int) -> bool:
        """Whether a line from ``first`` up to line ``j`` writes ``s``'s memory."""
        return any(first <= w < j for w in written_at.get(s.owner, ()))
    moved: set[int] = set()
    early: list[int] = []
    baked: list[str] = []
    rewinds = False
    for g in range(first, len(order)):
        if order[g].op[0] != "guard":
            continue
        needed, stack, pure = {g}, [g], True
        while stack and pure:
            j = stack.pop()
            for s in _reads(order[j]):
                i = producer.get(s.owner if s.owner in producer else s)
                if changed_before(s, j):
                    pure = False
                elif i is not None and i not in needed:
                    pure = pure and not order[i].writes and order[i].op[0] != "draw"
                    needed.add(i)
                    stack.append(i)
        if pure:
            early += sorted(i for i in needed if i >= first and i not in moved)
            moved.update(needed)
        elif g < first_write:  # after draws only: it stays, the draws are rewound
            rewinds = True
        else:
            moved.add(g)
            baked.append(order[g].hint or "the function")
    dropped = moved - set(early)
    kept = ([order[i] for i in range(first)] + [order[i] for i in early]
            + [order[i] for i in range(first, len(order)) if i not in moved])
    assert not dropped or all(order[i].op[0] == "guard" for i in dropped)
    seen: set[tuple[Any, bool]] = set()  # a value read twice is checked once
    unique = []
    for instr in kept:
        if instr.op[0] == "guard":
            key = (instr.args[0], instr.op[1])
            if key in seen:
                continue
            seen.add(key)
        unique.append(instr)
    return unique, baked, rewinds


def _sink_state_changes(order: Sequence[Instr], state: set[Sym]) -> list[Instr]:
    """State changes that nothing up to the last guard touches again (BatchNorm's running
    statistics, updated in the forward pass) move below it, so that the guards come
    before every change and can still send the call back to eager mode.  Random draws
    stay where they are (the stream's order)."""
    guards = [i for i, instr in enumerate(order) if instr.op[0] == "guard"]
    if not guards:
        return list(order)
    last = guards[-1]
    sunk: set[int] = set()
    for i in range(last - 1, -1, -1):
        instr = order[i]
        if instr.op[0] == "draw" or not any(w.owner in state for w in instr.writes):
            continue
        writes = {w.owner for w in instr.writes}
        reads = {s.owner for s in _reads(instr)}
        for k in range(i + 1, last + 1):
            if k in sunk:
                continue
            written = {w.owner for w in order[k].writes}
            if writes & (written | {s.owner for s in _reads(order[k])}) or reads & written:
                break
        else:
            sunk.add(i)
    moved = [order[i] for i in sorted(sunk)]
    return ([instr for i, instr in enumerate(order[:last + 1]) if i not in sunk] + moved
            + list(order[last + 1:]))


def _inline(order: Sequence[Instr], uses: dict[Sym, int], results: set[Sym],
            viewed: set[Sym]) -> tuple[set[Sym], list[int]]:
    """Results written inside their one reader's expression (pass 2), and the position
    of the line each instruction ends up in (its own, or its reader's)."""
    inline: set[Sym] = set()
    reader: dict[int, int] = {}
    pending: dict[Sym, int] = {}  # elementwise results not yet read -> their position
    for pos, instr in enumerate(order):
        if instr.writes or instr.op[0] == "draw":
            pending.clear()  # an in-place write: later readers must see values from before
        if _elementwise(instr) or instr.op[0] == "guard":
            for s in _reads(instr):
                if s in pending:
                    inline.add(s)
                    reader[pending.pop(s)] = pos
            for o in _outs(instr):
                if uses.get(o, 0) == 1 and o not in results and o not in viewed:
                    pending[o] = pos
        else:
            for s in _reads(instr):
                pending.pop(s, None)
    position = list(range(len(order)))
    for pos in range(len(order) - 1, -1, -1):
        if pos in reader:
            position[pos] = position[reader[pos]]
    return inline, position


def _last_use(order: Sequence[Instr], position: list[int],
              results: set[Sym]) -> dict[Sym, float]:
    """The line that last reads each Sym's memory (its owner's, through views)."""
    last: dict[Sym, float] = {}
    for pos, instr in enumerate(order):
        at = position[pos]
        for s in _reads(instr) + list(instr.writes):
            last[s.owner] = max(last.get(s.owner, at), at)
    for s in results:
        last[s.owner] = float("inf")
    return last


def _buffers(order: Sequence[Instr], inline: set[Sym], escaping: set[Sym],
             last: dict[Sym, float], position: list[int],
             min_size: int) -> tuple[dict[Sym, int], list[tuple]]:
    """Which results are written into which preallocated buffer (pass 3), and each
    buffer's (shape, dtype, order)."""
    assigned: dict[Sym, int] = {}
    specs: list[tuple] = []
    free: dict[tuple, list[int]] = {}
    busy: list[tuple[float, tuple, int]] = []
    for pos, instr in enumerate(order):
        if position[pos] != pos:
            continue  # inlined: part of a later line
        still = []
        for end, spec, b in busy:
            if end < pos:
                free.setdefault(spec, []).append(b)
            else:
                still.append((end, spec, b))
        busy = still
        kind, what = instr.op
        outs = _outs(instr)
        fresh = kind == "func" and what is np.empty_like  # a buffer serves as well
        if (not fresh and (kind != "ufunc" or what[1] != "__call__")) or "out" in instr.kwargs \
                or len(outs) != 1:
            continue
        o = outs[0]
        if (o in inline or o in escaping or o.root is not None or o.order == "A"
                or int(np.prod(o.shape)) < max(min_size, 1)):
            continue
        spec = (o.shape, o.dtype, o.order)
        pool = free.get(spec)
        if pool:
            b = pool.pop()
        else:
            b = len(specs)
            specs.append(spec)
        assigned[o] = b
        busy.append((last.get(o, pos), spec, b))
    return assigned, specs


# --------------------------------------------------------------------------- rendering
def _describe(a: np.ndarray) -> str:
    return f"{tuple(a.shape)} {a.dtype}"


def _literal(a: np.ndarray) -> str:
    return f"np.array({a.tolist()!r}, {a.dtype.name})"


def _value(v: Any, text: dict[Sym, _Expr], namespace: dict[str, Any], namer: _Namer,
           in_index: bool = False) -> _Expr:
    """The expression for one argument."""
    if isinstance(v, Sym):
        return text[v]
    if isinstance(v, Scalar):
        return text[v.sym]
    if isinstance(v, tuple):
        items = [_value(x, text, namespace, namer, in_index).text for x in v]
        if in_index:
            return _Expr(", ".join(items) if items else "()", 0)
        return _Expr("(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", ATOM)
    if isinstance(v, list):
        return _Expr("[" + ", ".join(_value(x, text, namespace, namer).text for x in v) + "]",
                     ATOM)
    if isinstance(v, slice):
        parts = [("" if p is None else _value(p, text, namespace, namer).text)
                 for p in (v.start, v.stop, v.step)]
        if in_index:
            return _Expr(":".join(parts[:2]) + (":" + parts[2] if v.step is not None else ""),
                         0)
        return _Expr(f"slice({', '.join(p or 'None' for p in parts)})", ATOM)
    if v is Ellipsis:
        return _Expr("...", ATOM)
    if isinstance(v, bool | int | str) or v is None:
        return _Expr(repr(v), ATOM if not (isinstance(v, int) and v < 0) else PRECEDENCE["unary"])
    if isinstance(v, float | np.floating):
        body = repr(float(v)) if np.isfinite(v) else f"float('{float(v)}')"
        if isinstance(v, np.floating) and type(v) is not float:
            body = f"np.{type(v).__name__}({body})"
            return _Expr(body, ATOM)
        return _Expr(body, PRECEDENCE["unary"] if v < 0 else ATOM)
    if isinstance(v, np.generic):
        return _Expr(f"np.{type(v).__name__}({v.item()!r})", ATOM)
    if isinstance(v, np.dtype):
        return _Expr(f"np.{v.name}" if hasattr(np, v.name) else f"np.dtype({v.str!r})", ATOM)
    if v in (object, float, int, bool, complex):  # Python's types (dtype=object)
        return _Expr(v.__name__, ATOM)
    name = getattr(v, "__name__", None)
    if isinstance(name, str) and getattr(np, name, None) is v:
        return _Expr(f"np.{name}", ATOM)
    label = namer.fixed(name if isinstance(name, str) else type(v).__name__)
    namespace[label] = v
    return _Expr(label, ATOM)


def _wrap(e: _Expr, at_least: int) -> str:
    return e.text if e.precedence >= at_least else f"({e.text})"


def _call(head: str, args: Sequence[str], kwargs: dict[str, str]) -> str:
    return f"{head}({', '.join([*args, *(f'{k}={v}' for k, v in kwargs.items())])})"


def _outer_product(instr: Instr) -> bool:
    """``a * b`` with shapes (n, 1) and (1, m), one float dtype: an outer product."""
    kind, what = instr.op
    if kind != "ufunc" or what != (np.multiply, "__call__") or len(instr.args) != 2:
        return False
    a, b = instr.args
    if not (isinstance(a, Sym) and isinstance(b, Sym) and a.dtype == b.dtype
            and a.dtype.kind == "f" and len(a.shape) == len(b.shape) == 2):
        return False
    return (a.shape[1] == 1 and b.shape[0] == 1) or (a.shape[0] == 1 and b.shape[1] == 1)


_REDUCTIONS = {("ufunc", (np.maximum, "reduce")): "max", ("ufunc", (np.minimum, "reduce")): "min",
               ("ufunc", (np.add, "reduce")): "sum", ("func", np.max): "max",
               ("func", np.min): "min", ("func", np.sum): "sum", ("method", "max"): "max",
               ("method", "min"): "min", ("method", "sum"): "sum"}


def _single_element_reduce(instr: Instr) -> str | None:
    """"max", "min" or "sum" for such a reduction of all of a one-element array whose
    result keeps its dtype (a float for the sum: NumPy sums small integers in int64)."""
    what = _REDUCTIONS.get(instr.op)
    a, out = instr.args[0] if instr.args else None, instr.out
    if (what is None or not isinstance(a, Sym) or not isinstance(out, Sym)
            or len(instr.args) != 1 or instr.kwargs.get("axis") is not None
            or not set(instr.kwargs.items()) <= {("axis", None), ("keepdims", False)}):
        return None
    ok = (math.prod(a.shape) == 1 and out.shape == () and out.dtype == a.dtype
          and (what != "sum" or a.dtype.kind == "f"))
    return what if ok else None


def _render(instr: Instr, text: dict[Sym, _Expr], namespace: dict[str, Any], namer: _Namer,
            buffer: str | None) -> _Expr:
    """The expression of one instruction (a statement for those that return nothing)."""
    kind, what = instr.op

    def val(v: Any) -> _Expr:
        return _value(v, text, namespace, namer)

    args = [val(a) for a in instr.args]
    kwargs = {k: (val(v[0] if isinstance(v, tuple) and len(v) == 1 else v).text)
              for k, v in instr.kwargs.items()}
    if buffer is not None:
        kwargs["out"] = buffer
    reduction = _single_element_reduce(instr)
    if reduction is not None and buffer is None:
        # the max (min, sum) of one number: the number (added to 0.0 as the sum is, so
        # that -0.0 becomes 0.0), without the reduction's machinery
        pick = f"{_wrap(args[0], ATOM)}[{', '.join(['0'] * len(instr.args[0].shape)) or '()'}]"
        return _Expr(f"{pick} + 0.0", PRECEDENCE["+"]) if reduction == "sum" else \
            _Expr(pick, ATOM)
    if kind == "ufunc":
        ufunc, method = what
        if _outer_product(instr) and set(kwargs) <= {"out"}:
            # (n, 1) * (1, m): np.dot computes the same products (one each, nothing summed)
            # through BLAS, several times faster than broadcasting on small vectors
            a, b = instr.args if instr.args[0].shape[1] == 1 else instr.args[::-1]
            return _Expr(_call("np.dot", [val(a).text, val(b).text], kwargs), ATOM)
        if method == "__call__" and not kwargs:
            if ufunc in BINARY and len(args) == 2:
                op = BINARY[ufunc]
                p = PRECEDENCE[op]
                left_min, right_min = (p + 1, p) if op == "**" else (p, p + 1)
                return _Expr(f"{_wrap(args[0], left_min)} {op} {_wrap(args[1], right_min)}", p)
            if ufunc in UNARY and len(args) == 1:
                p = PRECEDENCE["unary"]
                return _Expr(f"{UNARY[ufunc]}{_wrap(args[0], p)}", p)
        head = val(ufunc).text + ("" if method == "__call__" else f".{method}")
        return _Expr(_call(head, [a.text for a in args], kwargs), ATOM)
    if kind == "func":
        if what is np.empty_like and buffer is not None:
            return _Expr(buffer, ATOM)  # allocated once, before the first call
        return _Expr(_call(val(what).text, [a.text for a in args], kwargs), ATOM)
    if kind == "attr":
        return _Expr(f"{_wrap(args[0], ATOM)}.{what}", ATOM)
    if kind == "view":
        return _Expr(_view(args[0].text, instr.args[0], *what), ATOM)
    if kind == "guard":
        # the program raises when the condition is not what the trace saw (``what``)
        cond = _wrap(args[0], PRECEDENCE["unary"]) if what else args[0].text
        return _Expr(f"if {'not ' if what else ''}{cond}: raise GuardFailed("
                     f"{instr.hint or 'branch'!r})", -1)
    if kind == "draw":
        rng = val(instr.target).text
        return _Expr(_call(f"{rng}.{what}", [a.text for a in args], kwargs), ATOM)
    receiver = _wrap(args[0], ATOM)
    if what in ("__getitem__", "__setitem__"):
        key = _value(instr.args[1], text, namespace, namer, in_index=True).text
        if what == "__getitem__":
            return _Expr(f"{receiver}[{key}]", ATOM)
        return _Expr(f"{receiver}[{key}] = {args[2].text}", -1)
    return _Expr(_call(f"{receiver}.{what}", [a.text for a in args[1:]], kwargs), ATOM)


def _view(owner: str, base: Sym, shape: tuple[int, ...], strides: tuple[int, ...],
          offset: int) -> str:
    """The expression for a view of ``base`` (named ``owner``): ``.T``, a reshape, or in
    general an ndarray over its memory."""
    itemsize = base.dtype.itemsize
    c_strides = tuple(int(np.prod(shape[i + 1:])) * itemsize for i in range(len(shape)))
    own_c = tuple(int(np.prod(base.shape[i + 1:])) * itemsize for i in range(len(base.shape)))
    if offset == 0 and base.order == "C":
        if shape == base.shape[::-1] and strides == own_c[::-1]:
            return f"{owner}.T"
        if strides == c_strides or math.prod(shape) == 0:
            return f"{owner}.reshape({shape})"
    return (f"np.ndarray({shape}, {owner}.dtype, buffer={owner}, offset={offset}, "
            f"strides={strides})")


def _statement(instr: Instr, expr: _Expr, text: dict[Sym, _Expr]) -> str:
    """``name = expr``, an augmented assignment for ``a op= b``, or the bare call."""
    kind, what = instr.op
    outs = _outs(instr)
    out = instr.kwargs.get("out")
    if (kind == "ufunc" and what[1] == "__call__" and what[0] in BINARY and out is not None
            and len(instr.args) == 2 and len(out) == 1 and out[0] is instr.args[0]
            and set(instr.kwargs) == {"out"}):
        return f"{text[out[0]].text} {BINARY[what[0]]}= {text[instr.args[1]].text}" \
            if isinstance(instr.args[1], Sym) else \
            f"{text[out[0]].text} {BINARY[what[0]]}= {_plain_text(instr.args[1], text)}"
    if expr.precedence < 0 or not outs or all(o in text and _is_written(o, instr)
                                               for o in outs):
        return expr.text
    targets = ", ".join(text[o].text for o in outs)
    return f"{targets} = {expr.text}"


def _plain_text(v: Any, text: dict[Sym, _Expr]) -> str:
    if isinstance(v, Scalar):
        return text[v.sym].text
    return repr(v)


def _is_written(o: Sym, instr: Instr) -> bool:
    """Whether ``o`` is an array the instruction wrote into (out=), not a new result."""
    return any(o is w for w in instr.writes)


def _natural(name: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))

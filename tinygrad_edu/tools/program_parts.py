"""Which lines of a compiled step compute what: a small dataflow reading of `step.source`.

`compile` writes a training step as one Python function of NumPy lines
(``tinygrad_edu.compiler``).  To put an article's formulas beside it, `parts` sorts the
lines by what they compute, from the program's text alone -- no guess from the names of
temporaries, which the code generator is free to change:

* the **loss** (forward) lines are those the returned loss depends on;
* the gradient of parameter ``p`` is the last line that assigns ``d_<p>``; the lines it
  depends on (minus the forward ones) are its backward;
* an **update** line writes a parameter in place (with the lines only it reads);
* forward lines are assigned to the layer of the highest-numbered parameter they depend
  on (when they depend on the input too), and split at the line that adds the layer's
  bias: up to it ``("z", l)``, after it ``("a", l)`` (``("loss",)`` for the last layer);
* backward lines, from the last layer down: those both ``d_<weight>`` and ``d_<bias>``
  of layer ``l`` depend on are its ``("delta", l)``, the rest ``("dW", l)`` / ``("db", l)``.

Dependencies follow memory, not only names: a name bound to a view (``a = b.T``,
``b.reshape(...)``, ``b[i]``) or to a buffer (``a = np.add(x, y, out=buf)``) shares ``b``'s
memory, and a line reading it depends on the last line that wrote any of that memory.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

VIEW_METHODS = {"reshape", "view", "transpose", "swapaxes", "ravel", "squeeze", "T"}


@dataclass
class _Line:
    """One statement of the program: where it is, the names it binds, reads and writes."""

    first: int                      # line numbers in the source, 1-based
    last: int
    binds: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)   # memory written (out=, +=, a[i] = ...)
    alias: str | None = None        # the name whose memory a bound name shares
    sum_only: bool = False          # its value is a sum (``a + b``, ``np.add``), nothing more
    deps: set[int] = field(default_factory=set)     # indices of the lines it depends on


def _basic_index(node: ast.expr) -> bool:
    """An index of constants and slices only: NumPy returns a view (an array index: a copy)."""
    return all(isinstance(n, ast.Constant | ast.Slice | ast.Tuple | ast.UnaryOp | ast.unaryop
                          | ast.expr_context)
               for n in ast.walk(node))


def _method(node: ast.expr) -> str | None:
    """``"reshape"`` for ``b.reshape(...)``, None for anything else than a method call."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _no_copy(call: ast.Call) -> bool:
    return any(kw.arg == "copy" and isinstance(kw.value, ast.Constant) and kw.value.value is False
               for kw in call.keywords)


def _view_of(node: ast.expr) -> str | None:
    """``b`` for ``b``, ``b.T``, ``b[0]``, ``b.reshape(...)``, ``b.astype(t, copy=False)``
    (memory ``b`` may share), else None."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        method = _method(node)
        attribute = isinstance(node, ast.Attribute) and node.attr in VIEW_METHODS
        if attribute or (isinstance(node, ast.Subscript) and _basic_index(node.slice)):
            node = node.value  # type: ignore[attr-defined]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                method in VIEW_METHODS or (method == "astype" and _no_copy(node))):
            node = node.func.value
        else:
            return None


def _written(node: ast.expr) -> str | None:
    """The array an assignment target ``a``, ``a[i]``, ``a.T[i]`` ... writes into."""
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _out(node: ast.AST) -> str | None:
    """The ``out=`` name of a call, if any."""
    if isinstance(node, ast.Call):
        for kw in node.keywords:
            if kw.arg == "out" and isinstance(kw.value, ast.Name):
                return kw.value.id
    return None


def _loads(node: ast.AST) -> set[str]:
    """Names read by ``node``, not counting ``out=`` targets (written, not read)."""
    names: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            names.add(n.id)
        elif isinstance(n, ast.keyword) and n.arg == "out":
            continue
        stack.extend(ast.iter_child_nodes(n))
    return names


def _line(stmt: ast.stmt) -> _Line:
    line = _Line(stmt.lineno, stmt.end_lineno or stmt.lineno)
    line.reads = _loads(stmt)
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                line.binds.add(target.id)
            elif (name := _written(target)) is not None:   # a[i] = v: writes a
                line.writes.add(name)
                line.reads.add(name)
        value = stmt.value
        line.sum_only = _method(value) == "add" or (isinstance(value, ast.BinOp)
                                                    and isinstance(value.op, ast.Add))
        out = _out(value)
        if out is not None:
            line.writes.add(out)
            line.alias = out
        else:
            line.alias = _view_of(stmt.value)
    elif isinstance(stmt, ast.AugAssign) and (name := _written(stmt.target)) is not None:
        line.writes.add(name)
        line.reads.add(name)
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        out = _out(stmt.value)
        if out is not None:
            line.writes.add(out)
    return line


class Program:
    """The statements of a generated function, with their dependencies."""

    def __init__(self, source: str) -> None:
        fn = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
        self.lines: list[_Line] = []
        self.returned: list[str] = []
        for stmt in fn.body:
            if isinstance(stmt, ast.Return) and stmt.value is not None:
                values = stmt.value.elts if isinstance(stmt.value, ast.Tuple) else [stmt.value]
                self.returned = [v.id for v in values if isinstance(v, ast.Name)]
            elif not isinstance(stmt, ast.Global | ast.Pass):
                self.lines.append(_line(stmt))
        self._link()

    def memory(self, name: str) -> str:
        """The name that owns the memory ``name`` is bound to (a buffer, a parameter...)."""
        while name in self._parent:
            name = self._parent[name]
        return name

    def _link(self) -> None:
        self._parent: dict[str, str] = {}
        root = self.memory
        for line in self.lines:
            for name in line.binds:
                if line.alias is not None and root(line.alias) != name:
                    self._parent[name] = root(line.alias)
        bound: dict[str, int] = {}
        written: dict[str, int] = {}
        for i, line in enumerate(self.lines):
            for name in line.reads:
                if name in bound:
                    line.deps.add(bound[name])
                if root(name) in written:
                    line.deps.add(written[root(name)])
            for name in line.binds:
                bound[name] = i
                if line.alias is None:      # a new array (a view or out= writes nothing new)
                    written[root(name)] = i
            for name in line.writes:
                written[root(name)] = i

    def last_def(self, name: str) -> int | None:
        """The index of the last line that binds or writes ``name`` itself."""
        found = [i for i, line in enumerate(self.lines) if name in line.binds | line.writes]
        return found[-1] if found else None

    def closure(self, start: Sequence[int]) -> set[int]:
        """``start`` and every line they depend on, transitively."""
        seen: set[int] = set()
        stack = list(start)
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                stack.extend(self.lines[i].deps)
        return seen


def parts(source: str, layers: Sequence[tuple[str, str]], inputs: Sequence[str] = ("x",)
          ) -> dict[tuple, list[int]]:
    """Sort the lines of a compiled training step (``source``) by what they compute.

    ``layers`` are the program's names of each layer's (weight, bias), first layer first;
    ``inputs`` the names of the network's inputs.  Returns part -> source line numbers
    (1-based), parts ``("z", l)``, ``("a", l)``, ``("loss",)``, ``("delta", l)``,
    ``("dW", l)``, ``("db", l)``, ``("update",)``, ``("guard",)``, l counted from 1.  A
    part the program does not have (a parameter whose gradient it does not compute, say)
    is missing from the result.
    """
    prog = Program(source)
    loss_defs = [i for name in prog.returned
                 if not name.startswith("d_") and (i := prog.last_def(name)) is not None]
    forward = prog.closure(loss_defs)
    found = _backward(prog, layers, forward)
    backward = set().union(*found.values())

    # updates: lines writing a parameter, and the lines only they depend on
    roots = {prog.memory(p) for pair in layers for p in pair}
    writers = [i for i, line in enumerate(prog.lines)
               if any(prog.memory(n) in roots for n in line.writes)]
    found[("update",)] = prog.closure(writers) - forward - backward
    checks = [i for i, line in enumerate(prog.lines) if not line.binds and not line.writes
              and i not in forward | backward]      # `if t: raise GuardFailed(...)`
    found[("guard",)] = prog.closure(checks) - forward - backward - found[("update",)]
    for key, lines in _forward(prog, layers, inputs, forward).items():
        found.setdefault(key, set()).update(lines)

    out: dict[tuple, list[int]] = {}
    for key, indices in found.items():
        numbers = sorted({k for i in indices
                          for k in range(prog.lines[i].first, prog.lines[i].last + 1)})
        if numbers:
            out[key] = numbers
    return out


def _backward(prog: Program, layers: Sequence[tuple[str, str]], forward: set[int]
              ) -> dict[tuple, set[int]]:
    """delta / dW / db lines of each layer, from the last layer down (shared lines first)."""
    found: dict[tuple, set[int]] = {}
    taken = set(forward)
    for l in range(len(layers), 0, -1):
        w, b = (prog.closure([i]) - forward if (i := prog.last_def(f"d_{p}")) is not None
                else set() for p in layers[l - 1])
        for key, lines in ((("delta", l), (w & b) - taken), (("dW", l), w - taken - (w & b)),
                           (("db", l), b - taken - (w & b))):
            found[key] = lines
            taken |= lines
    return found


def _forward(prog: Program, layers: Sequence[tuple[str, str]], inputs: Sequence[str],
             forward: set[int]) -> dict[tuple, set[int]]:
    """z / a lines of each layer and the loss lines: a line fed by the input belongs to the
    highest layer whose parameters it depends on, split at that layer's bias add; a line
    not fed by the input (``w.T``, a penalty's ``w * w``) goes with its first reader."""
    layer_of: dict[int, int] = {}
    fed: dict[int, bool] = {}
    for i in sorted(forward):
        line = prog.lines[i]
        direct = [l for l, pair in enumerate(layers, 1) if line.reads & set(pair)]
        upstream = [layer_of[d] for d in line.deps if d in layer_of]
        fed[i] = bool(line.reads & set(inputs)) or any(fed.get(d, False) for d in line.deps)
        layer_of[i] = max(direct + upstream, default=1)
    found: dict[tuple, set[int]] = {}
    group: dict[int, tuple] = {}
    n = len(layers)
    for l in range(1, n + 1):
        mine = sorted(i for i in forward if fed[i] and layer_of[i] == l)
        adds = [i for i in mine if layers[l - 1][1] in prog.lines[i].reads]
        cut = adds[-1] if adds else (mine[-1] if mine else -1)
        after = ("a", l) if l < n else ("loss",)
        for i in mine:
            group[i] = ("z", l) if i <= cut else after
        if cut >= 0 and not prog.lines[cut].sum_only:
            found.setdefault(after, set()).add(cut)     # z and g(z) on one line
    for i in sorted(forward, reverse=True):
        if i not in group:
            readers = sorted(j for j in forward if i in prog.lines[j].deps and j in group)
            group[i] = group[readers[0]] if readers else ("loss",)
    for i, key in group.items():
        found.setdefault(key, set()).add(i)
    return found


def ranges(numbers: Sequence[int]) -> str:
    """[3, 4, 5, 9] -> "3-5, 9"."""
    spans: list[list[int]] = []
    for k in sorted(numbers):
        if spans and k == spans[-1][1] + 1:
            spans[-1][1] = k
        else:
            spans.append([k, k])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)

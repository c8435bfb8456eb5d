"""Write ``tinygrad_edu/_tensor_methods.pyi``: the Tensor's run-time bound methods, for
type checkers.

`Tensor`'s ops are attached at run time (``ops/__init__.py``'s ``_bind``, ``ops/inplace.py``,
``interop.py``), which no checker can see.  ``tensor.py`` gives `Tensor` the base class
``TensorMethods`` from that stub when type checking (``object`` at run time), so mypy,
Pyright and Pylance know ``a + 2.0``, ``a.exp()`` and ``a.max(1)``.  This tool writes the
stub from the runtime table itself: every attribute the ops add to `Tensor`, with the bound
function's signature (first parameter as ``self``, annotations and overloads as written,
docstring).  Run it after adding or renaming a bound op::

    python -m tinygrad_edu.tools.stubgen           # rewrite the stub
    python -m tinygrad_edu.tools.stubgen --check   # exit 1 if it is out of date

``tests/typing/test_stub.py`` fails while the stub is out of date.  A bound function must be
annotated (every parameter after the first, and the return): a lambda or an unannotated
function is refused with its name, since checkers would see it as ``Any``.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import functools
import inspect
import sys
import textwrap
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tinygrad_edu  # noqa: F401  (binds everything)
from tinygrad_edu.tensor import Tensor

STUB = Path(__file__).resolve().parent.parent / "_tensor_methods.pyi"
CLASS = "TensorMethods"
WIDTH = 100
_IMPLICIT = {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__",
             "__annotations__", "__static_attributes__", "__firstlineno__",
             "__slotnames__"}  # the last: copyreg's cache, set by copy/pickle of a Tensor
_OVERRIDES_OBJECT = {"__eq__", "__ne__"}  # return a Tensor, as PyTorch's (not a bool)


class StubError(Exception):
    """A bound attribute the stub cannot describe (it names the attribute and the fix)."""


def class_body_names() -> set[str]:
    """Names `Tensor`'s class body in ``tensor.py`` defines (the rest are bound later)."""
    tree = ast.parse(Path(inspect.getfile(Tensor)).read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    names: set[str] = set()
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def bound_attributes() -> dict[str, Any]:
    """The attributes the ops attach to `Tensor` at run time, sorted by name."""
    own = class_body_names() | _IMPLICIT
    return {k: v for k, v in sorted(vars(Tensor).items()) if k not in own}


@functools.cache
def _assigned(module: str) -> frozenset[str]:
    """The names ``module``'s source assigns at the top level (defines, not imports)."""
    try:
        tree = ast.parse(inspect.getsource(sys.modules[module]))
    except (OSError, TypeError, KeyError):
        return frozenset()
    names: set[str] = set()
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, ast.AnnAssign) else [])
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(names)


def _defining_module(name: str, obj: Any, seen_in: str) -> str:
    """The module that defines the alias ``name`` (``Operand = Tensor | ...``), which the
    module ``seen_in`` may have imported: the stub imports it from there (a name a module
    only imports is not re-exported to checkers)."""
    top = seen_in.partition(".")[0]
    for module in [seen_in, *sorted(m for m in sys.modules if m.partition(".")[0] == top)]:
        if getattr(sys.modules.get(module), name, None) is obj and name in _assigned(module):
            return module
    return seen_in


class _Imports:
    """The stub's imports: each object an annotation names gets one local name that no
    Tensor member shadows (builtins shadowed by a method, like ``float``, become
    ``builtins.float``)."""

    def __init__(self, members: set[str]) -> None:
        self.members = members
        self.local: dict[tuple[str, str], str] = {}   # (module, attribute or "") -> local name
        self.used: set[str] = set(members) | {CLASS, "builtins", "overload"}

    def _claim(self, key: tuple[str, str], want: str) -> str:
        if key not in self.local:
            name = want
            while name in self.used:
                name = "_" + name
            self.local[key] = name
            self.used.add(name)
        return self.local[key]

    def name_for(self, name: str, scope: dict[str, Any], where: str) -> str:
        """The stub's spelling of ``name`` as the function's module (``scope``) sees it."""
        if name not in scope:
            if hasattr(builtins, name):
                if name not in self.members:
                    return name
                self.local[("builtins", "")] = "builtins"
                return f"builtins.{name}"
            raise StubError(f"{where}: the annotation name {name!r} is not a global of the "
                            f"function's module (imported under TYPE_CHECKING only?); import "
                            f"it at run time")
        obj = scope[name]
        if isinstance(obj, types.ModuleType):
            return self._claim((obj.__name__, ""), name)
        mod, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if (isinstance(mod, str) and isinstance(qual, str) and "." not in qual
                and getattr(sys.modules.get(mod), qual, None) is obj):
            return self._claim((mod, qual), qual)
        return self._claim((_defining_module(name, obj, scope["__name__"]), name), name)

    def lines(self) -> list[str]:
        """isort's order: stdlib, third party, this package; plain imports first."""
        sections: dict[int, tuple[list[str], dict[str, list[str]]]] = {}
        for (mod, attr), local in self.local.items():
            top = mod.partition(".")[0]
            sec = 0 if top in sys.stdlib_module_names else 2 if top == "tinygrad_edu" else 1
            plain, froms = sections.setdefault(sec, ([], {}))
            if not attr:
                plain.append(f"import {mod}" + ("" if local == mod else f" as {local}"))
            else:
                froms.setdefault(mod, []).append(attr if local == attr else
                                                 f"{attr} as {local}")
        out: list[str] = []
        for sec in sorted(sections):
            plain, froms = sections[sec]
            out += sorted(plain, key=lambda s: s.split()[1])
            for mod in sorted(froms):
                names = ", ".join(sorted(froms[mod], key=_isort_key))
                out.append(f"from {mod} import {names}")
            out.append("")
        return out


def _isort_key(name: str) -> tuple[int, str]:
    name = name.split(" as ")[0]
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


def _annotation(text: Any, scope: dict[str, Any], imports: _Imports, where: str) -> str:
    """Rewrite an annotation's names to the stub's imports."""
    if not isinstance(text, str):  # `from __future__ import annotations` is everywhere
        raise StubError(f"{where}: annotation {text!r} is not a string; the module needs "
                        f"`from __future__ import annotations`")
    tree = ast.parse(text, mode="eval")

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.copy_location(
                ast.parse(imports.name_for(node.id, scope, where), mode="eval").body, node)

    return ast.unparse(Rename().visit(tree))


def _default(value: Any) -> str:
    """A literal default as written (None, numbers, strings, tuples of them), else ``...``."""
    text = repr(value)
    try:
        ok = ast.literal_eval(text) == value and type(ast.literal_eval(text)) is type(value)
    except (ValueError, SyntaxError):
        ok = False
    return text if ok and len(text) <= 30 else "..."


def _signature(name: str, fn: Callable[..., Any], imports: _Imports, where: str) -> str:
    sig = inspect.signature(fn)
    scope = inspect.unwrap(fn).__globals__
    params = list(sig.parameters.values())
    if not params or params[0].kind not in (params[0].POSITIONAL_ONLY,
                                            params[0].POSITIONAL_OR_KEYWORD):
        raise StubError(f"{where}: the bound function needs the tensor as its first "
                        f"positional parameter")
    missing = [p.name for p in params[1:] if p.annotation is p.empty]
    if missing or sig.return_annotation is sig.empty:
        raise StubError(f"{where}: annotate the bound function (parameters {missing}, "
                        f"return {'missing' if sig.return_annotation is sig.empty else 'ok'}); "
                        f"a lambda is seen as Any by type checkers: use a def")
    parts, star_done, slash = ["self"], False, params[0].kind is params[0].POSITIONAL_ONLY
    for p in params[1:]:
        if slash and p.kind is not p.POSITIONAL_ONLY:
            parts.append("/")
            slash = False
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        ann = _annotation(p.annotation, scope, imports, where)
        prefix = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
        star_done = star_done or p.kind is p.VAR_POSITIONAL
        text = f"{prefix}{p.name}: {ann}"
        if p.default is not p.empty:
            text += f" = {_default(p.default)}"
        parts.append(text)
    if slash:
        parts.append("/")
    ret = _annotation(sig.return_annotation, scope, imports, where)
    ignore = "  # type: ignore[override]" if name in _OVERRIDES_OBJECT else ""
    head = f"    def {name}("
    one = f"{head}{', '.join(parts)}) -> {ret}:"
    if len(one) + len(ignore) <= WIDTH:
        return one + ignore
    body = "".join(f"        {part},\n" for part in parts)
    return f"{head}{ignore}\n{body}    ) -> {ret}:"


def _docstring(fn: Any) -> list[str]:
    doc = inspect.getdoc(fn)
    if not doc:
        return ["        ..."]
    lines: list[str] = []
    for line in doc.replace('"""', "'''").splitlines():
        if len(line) + 8 + 6 > WIDTH:  # room for the quotes
            indent = " " * (len(line) - len(line.lstrip()))
            lines += textwrap.wrap(line, WIDTH - 8 - 6, subsequent_indent=indent)
        else:
            lines.append(line)
    prefix = 'r"""' if "\\" in doc else '"""'
    text = [prefix + lines[0], *lines[1:]]
    text[-1] += '"""'
    return [("        " + line).rstrip() if line else "" for line in text]


def _function(name: str, fn: Callable[..., Any], imports: _Imports) -> list[str]:
    where = (f"Tensor.{name} (bound from {getattr(fn, '__module__', '?')}."
             f"{getattr(fn, '__qualname__', '?')})")
    if not hasattr(typing, "get_overloads"):
        raise StubError("the stub generator needs Python 3.11 or newer (typing.get_overloads)")
    overloads = typing.get_overloads(inspect.unwrap(fn))
    if not overloads:
        return [_signature(name, fn, imports, where), *_docstring(fn)]
    imports.local[("typing", "overload")] = "overload"
    out: list[str] = []
    for i, variant in enumerate(overloads):  # a stub declares the overloads only
        sig = _signature(name, variant, imports, where)
        out += ["    @overload", *([sig, *_docstring(fn)] if i == 0 else [sig + " ..."])]
    return out


def _member(name: str, value: Any, imports: _Imports) -> list[str]:
    if isinstance(value, property):
        if value.fget is None:
            raise StubError(f"Tensor.{name}: a property without a getter")
        sig = _signature(name, value.fget, imports, f"Tensor.{name} (property)")
        return ["    @property", sig, *_docstring(value.fget)]
    if isinstance(value, types.FunctionType):
        return _function(name, value, imports)
    if isinstance(value, builtins.bool | builtins.int | builtins.float | builtins.str):
        return [f"    {name}: {imports.name_for(type(value).__name__, {}, name)}"]
    raise StubError(f"Tensor.{name}: cannot describe a {type(value).__name__} (bind a "
                    f"function, a property or a number)")


def render() -> str:
    """The stub's text."""
    attrs = bound_attributes()
    imports = _Imports(set(attrs) | set(vars(Tensor)))
    body: list[str] = []
    errors: list[str] = []
    for name, value in attrs.items():
        try:
            body += ["", *_member(name, value, imports)]
        except StubError as e:
            errors.append(str(e))
    if errors:
        raise StubError("\n".join(errors))
    head = [f'"""Generated by ``python -m {__spec__.name if __spec__ else __name__}`` from the '
            f"runtime binding table: do not",
            'edit.  The methods and operators that tinygrad_edu.ops attaches to Tensor."""',
            ""]
    return "\n".join([*head, *imports.lines(), f"class {CLASS}:", *body[1:], ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu.tools.stubgen",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 (and say so) if the stub is out of date; write nothing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if STUB.exists() and STUB.read_text() == text:
            return 0
        print(f"{STUB} is out of date: run python -m tinygrad_edu.tools.stubgen",
              file=sys.stderr)
        return 1
    STUB.write_text(text)
    print(f"wrote {STUB} ({len(bound_attributes())} Tensor attributes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

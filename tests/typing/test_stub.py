"""The stub that declares the Tensor's run-time bound methods for type checkers
(``tinygrad_edu/_tensor_methods.pyi``) matches the runtime table.

Binding a new op (``ops/__init__.py``'s ``_bind``, ``inplace_twins``, ``interop.py``) without
regenerating the stub fails here: run ``python -m tinygrad_edu.tools.stubgen``.
"""

from __future__ import annotations

import ast
import sys

import pytest

from tinygrad_edu.tensor import Tensor

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11),
                                reason="the generator reads overloads (Python 3.11)")

stubgen = pytest.importorskip("tinygrad_edu.tools.stubgen")


def test_the_stub_is_up_to_date():
    assert stubgen.STUB.read_text() == stubgen.render(), (
        "tinygrad_edu/_tensor_methods.pyi is out of date: run "
        "`python -m tinygrad_edu.tools.stubgen`")


def test_the_stub_declares_every_bound_attribute_and_nothing_else():
    tree = ast.parse(stubgen.STUB.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == stubgen.CLASS)
    declared = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    declared |= {n.target.id for n in cls.body
                 if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    bound = set(stubgen.bound_attributes())
    assert declared == bound
    assert {"__add__", "__radd__", "exp", "max", "add_", "__iadd__", "T", "float"} <= bound
    assert not bound & stubgen.class_body_names()  # tensor.py's own are not repeated


def test_a_new_bound_op_shows_up_and_check_mode_notices(monkeypatch, capsys):
    def cube(x: Tensor, scale: float = 1.0) -> Tensor:
        """scale * x^3."""
        return x * x * x * scale

    monkeypatch.setattr(Tensor, "cube", cube, raising=False)
    text = stubgen.render()
    assert "    def cube(self, scale: builtins.float = 1.0) -> Tensor:" in text
    assert stubgen.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err


def test_copying_a_tensor_changes_nothing():
    """copy/pickle leave ``__slotnames__`` on the class: not a bound op."""
    import copy
    copy.deepcopy(Tensor([1.0]))
    assert stubgen.STUB.read_text() == stubgen.render()


def test_an_unannotated_binding_is_refused_by_name(monkeypatch):
    monkeypatch.setattr(Tensor, "twice", lambda self, k: self * 2 * k, raising=False)
    with pytest.raises(stubgen.StubError, match=r"Tensor\.twice .*annotate"):
        stubgen.render()


def test_builtins_shadowed_by_methods_are_qualified():
    """``Tensor.float``/``int``/``bool`` exist, so the stub writes ``builtins.float``."""
    text = stubgen.STUB.read_text()
    assert "def float(self) -> Tensor:" in text
    assert "def item(" not in text  # tensor.py declares it
    assert ": float" not in text and "-> float" not in text

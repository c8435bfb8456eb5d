"""Type checkers see the Tensor's run-time bound operators and methods.

``mypy --strict`` on ``user_script.py`` (the README's training, as a user writes it) and on
``operators.py`` (``assert_type`` of each operator and method: an ``Any`` or a wrong type
is an error) must be clean.  The package is checked as an installed one is (its own
errors silenced, ``--strict``'s no-implicit-reexport applied), so this is what a user of
mypy or Pylance sees.  Skipped when mypy is not installed (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import os
import pydoc
import sys
import types
from pathlib import Path

import pytest

import tinygrad_edu

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

CONFIG = """\
[mypy]
strict = True
# as for an installed package: its own errors are not the user's
[mypy-tinygrad_edu.*]
follow_imports = silent
"""


@pytest.fixture(scope="module")
def mypy_strict(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    if sys.version_info < (3, 11):
        pytest.skip("operators.py uses typing.assert_type (Python 3.11)")
    api = pytest.importorskip("mypy.api")
    tmp = tmp_path_factory.mktemp("mypy")
    (tmp / "mypy.ini").write_text(CONFIG)
    cwd = os.getcwd()
    os.chdir(ROOT)  # the checkout's tinygrad_edu, as the tests import it
    try:
        out, err, status = api.run(["--config-file", str(tmp / "mypy.ini"), "--cache-dir",
                                    str(tmp / "cache"), "--no-error-summary",
                                    str(HERE / "user_script.py"), str(HERE / "operators.py")])
    finally:
        os.chdir(cwd)
    return out + err, status


def _errors(report: str, name: str) -> list[str]:
    return [line for line in report.splitlines() if name in line and ": error:" in line]


def test_the_readme_training_script_is_clean_under_mypy_strict(mypy_strict):
    report, _ = mypy_strict
    assert _errors(report, "user_script.py") == []


def test_operators_and_methods_have_their_types_not_any(mypy_strict):
    report, status = mypy_strict
    assert _errors(report, "operators.py") == []
    assert status == 0, report


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.assert_type: Python 3.11")
def test_the_fixtures_run():
    """The fixtures are real programs: assert_type is a no-op at run time."""
    import runpy
    runpy.run_path(str(HERE / "operators.py"))


def test_all_lists_the_public_api():
    """``__all__`` holds every public name of the package (so ``help()`` lists them and
    checkers see them as exported) and nothing that is not there."""
    public = {name for name, value in vars(tinygrad_edu).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)}
    assert public - set(tinygrad_edu.__all__) == set()
    assert [n for n in tinygrad_edu.__all__ if not hasattr(tinygrad_edu, n)] == []
    assert len(set(tinygrad_edu.__all__)) == len(tinygrad_edu.__all__)
    for module in ("nn", "optim", "autograd", "linalg"):
        assert module in tinygrad_edu.__all__


def test_help_lists_functions_defined_in_submodules():
    text = pydoc.render_doc(tinygrad_edu, renderer=pydoc.plaintext)
    for shown in ("randn(", "manual_seed(", "no_grad", "gradcheck(", "class Tensor",
                  "save("):
        assert shown in text, shown


def test_the_wheel_ships_the_typing_marker_and_the_stub():
    assert (ROOT / "tinygrad_edu" / "py.typed").is_file()
    assert (ROOT / "tinygrad_edu" / "_tensor_methods.pyi").is_file()
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as f:
        data = tomllib.load(f)["tool"]["setuptools"]["package-data"]["tinygrad_edu"]
    assert "py.typed" in data and "*.pyi" in data

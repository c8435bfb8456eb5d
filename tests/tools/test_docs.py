"""The guides in docs/ run as written: every ```python block, and every tinygrad-edu command."""

from __future__ import annotations

import linecache
import re
import shlex
from pathlib import Path

import pytest

from tinygrad_edu.tools import cli

DOCS = sorted((Path(__file__).resolve().parents[2] / "docs").glob("*.md"))


def blocks(language: str) -> list[tuple[str, str]]:
    """(id, code) of every fenced block in that language, over all docs."""
    found = []
    for doc in DOCS:
        for i, code in enumerate(re.findall(rf"```{language}\n(.*?)```", doc.read_text(),
                                            flags=re.S)):
            found.append((f"{doc.stem}-{i}", code))
    return found


PYTHON = blocks("python")
COMMANDS = [(f"{i}-{n}", line) for i, code in blocks("bash")
            for n, line in enumerate(code.splitlines()) if line.startswith("tinygrad-edu ")]


def test_the_guide_exists_and_has_examples():
    assert any(doc.name == "gradient_checking.md" for doc in DOCS)
    assert len(PYTHON) >= 8 and len(COMMANDS) >= 5


@pytest.mark.parametrize(("name", "code"), PYTHON, ids=[i for i, _ in PYTHON])
def test_python_block_runs(name, code, capsys):
    filename = f"<docs {name}>"
    # register the source, so tracebacks (and detect_anomaly's messages) can quote lines
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), {"__name__": "docs"})


@pytest.mark.parametrize("line", [c for _, c in COMMANDS], ids=[i for i, _ in COMMANDS])
def test_command_runs(line, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # eps-sweep writes its PNG into the current folder
    assert cli.main(shlex.split(line)[1:]) == 0

"""Every ```python block of the README and docs/ also pastes into the interactive interpreter.

Pasted into ``python`` (or a notebook's console), a blank line inside an indented block ends
the block early, and the next indented line is an IndentationError; a block written as a
script can hide that.  Each block is fed line by line to `code.InteractiveConsole`, as a
paste is, and any syntax error or exception fails the test.
"""

from __future__ import annotations

import code
import linecache
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [(f"{path.stem}-{i}", block) for path in SOURCES
          for i, block in enumerate(re.findall(r"```python\n(.*?)```", path.read_text(),
                                               flags=re.S))]


class _Console(code.InteractiveConsole):
    """An interpreter that records what it would have printed as an error, and keeps each
    input's source for tracebacks (as Python 3.13's REPL does: anomaly messages quote it)."""

    def __init__(self) -> None:
        super().__init__({"__name__": "__console__"})
        self.errors: list[str] = []
        self.inputs = 0

    def runsource(self, source: str, filename: str = "<input>", symbol: str = "single"):
        self.inputs += 1
        filename = f"<console-{self.inputs}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        return super().runsource(source, filename, symbol)

    def showsyntaxerror(self, filename=None, **kwargs) -> None:
        self.errors.append("syntax error")
        super().showsyntaxerror(filename, **kwargs)

    def showtraceback(self) -> None:
        self.errors.append("exception")
        super().showtraceback()


def test_there_are_blocks_to_paste():
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize(("name", "block"), BLOCKS, ids=[n for n, _ in BLOCKS])
def test_block_pastes_into_the_interactive_interpreter(name, block, tmp_path, monkeypatch,
                                                       capsys):
    monkeypatch.chdir(tmp_path)  # blocks may write files
    console = _Console()
    for line in block.splitlines():
        console.push(line)
    console.push("")  # the paste's final Enter closes an open block
    assert not console.errors, f"{name}: {console.errors}\n{capsys.readouterr().err}"

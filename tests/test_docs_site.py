"""The documentation site's sources hang together (the build itself, which executes the
tutorials, is CI's `mkdocs build --strict`): every README section a page includes is marked in
the README, every tutorial is in the nav and is a jupytext notebook, every nav page exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
MKDOCS = (ROOT / "mkdocs.yml").read_text()
PAGES = sorted((ROOT / "docs").rglob("*.md"))
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.py"))


def included_sections() -> set[str]:
    return {name for page in PAGES
            for name in re.findall(r'^--8<-- "README.md:([\w-]+)"$', page.read_text(), re.M)}


def test_every_included_readme_section_is_marked_once():
    names = included_sections()
    assert {"intro", "start", "semantics", "gradcheck", "articles", "benchmarks"} <= names
    for name in names:
        for edge in ("start", "end"):
            assert README.count(f"<!-- --8<-- [{edge}:{name}] -->") == 1, (name, edge)


def test_every_readme_section_marker_is_used():
    marked = set(re.findall(r"<!-- --8<-- \[start:([\w-]+)\] -->", README))
    assert marked == included_sections()


def test_nav_pages_exist_and_tutorials_are_listed():
    nav = re.findall(r"^\s+- (?:.*: )?([\w/.-]+\.(?:md|py))$", MKDOCS, re.M)
    missing = [p for p in nav if not (ROOT / "docs" / p).is_file()]
    assert not missing
    assert len(TUTORIALS) >= 6
    for tutorial in TUTORIALS:
        assert f"tutorials/{tutorial.name}" in nav, tutorial.name


def test_tutorials_are_jupytext_percent_notebooks_with_a_title():
    for tutorial in TUTORIALS:
        text = tutorial.read_text()
        assert "format_name: percent" in text and "name: python3" in text, tutorial.name
        assert re.search(r"^# %% \[markdown\]\n# # \S", text, re.M), tutorial.name


def test_the_build_executes_the_tutorials_and_fails_on_errors():
    plugin = MKDOCS.split("- mkdocs-jupyter:")[1].split("\n  - ")[0]
    assert re.search(r"execute: true", plugin) and re.search(r"allow_errors: false", plugin)
    assert re.search(r"^strict: true$", MKDOCS, re.M)
    assert "mkdocs build --strict" in (ROOT / ".ci" / "run").read_text()


def test_included_readme_sections_link_nothing_under_docs():
    """The site renders these sections from docs/, where a README link `](docs/x.md)` points
    nowhere and fails the strict build: such links stay outside the marked sections."""
    for name in included_sections():
        section = README.split(f"<!-- --8<-- [start:{name}] -->")[1].split(
            f"<!-- --8<-- [end:{name}] -->")[0]
        assert not re.findall(r"\]\((?:\./)?docs/", section), name

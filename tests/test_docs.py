"""The documentation cannot rot: every code block of README.md and docs/ is taken from a file the
test suite runs, or names only options, ini keys and extras that exist."""

from __future__ import annotations

import re
from importlib.metadata import metadata
from pathlib import Path

import pytest
from _pytest.config.argparsing import Parser

from pytest_fakebatch import plugin

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SNIPPET = re.compile(r'^--8<-- "([^"]+)"$')


def _blocks(kind: str) -> list[tuple[str, str]]:
    return [
        (f"{page.relative_to(ROOT)}", body)
        for page in PAGES
        for lang, body in FENCE.findall(page.read_text(encoding="utf-8"))
        if lang == kind
    ]


def _parser() -> Parser:
    parser = Parser(_ispytest=True)
    plugin.pytest_addoption(parser)
    return parser


def test_the_pages_have_code_blocks() -> None:
    assert len(_blocks("python")) >= 7
    assert _blocks("bash")


@pytest.mark.parametrize(("page", "body"), _blocks("python"))
def test_python_blocks_come_from_tested_files(page: str, body: str) -> None:
    """A Python block is a snippet of an example or test module (which the suite runs); the
    README, which GitHub shows without the snippet extension, holds such a file's text."""
    match = SNIPPET.match(body.strip())
    if page == "README.md":
        sources = [p for p in (ROOT / "examples").rglob("test_*.py") if p.read_text() == body]
        assert sources, f"{page}: a Python block that is no example file's text:\n{body[:200]}"
        return
    assert match, f'{page}: a Python block must be --8<-- "<tested file>", not inline code:\n{body[:200]}'
    source = ROOT / match.group(1)
    assert source.is_file(), f"{page}: {match.group(1)} does not exist"
    # every file under examples/ runs in CI (the examples command, or a recipe's tox env)
    tested = source.name.startswith("test_") or source.is_relative_to(ROOT / "examples")
    assert tested, f"{page}: {match.group(1)} is not a file the suite runs"


@pytest.mark.parametrize(("page", "body"), _blocks("bash"))
def test_commands_name_real_options_and_extras(page: str, body: str) -> None:
    options = {name for group in _parser()._groups for option in group.options for name in option.names()}
    extras = set(metadata("pytest-fakebatch").get_all("Provides-Extra") or ())
    for option in re.findall(r"(--fakebatch-[\w-]+)", body):
        assert option in options, f"{page}: {option} is not an option of the plugin"
    for extra in re.findall(r'pytest-fakebatch\[([\w,]+)\]|-e "\.\[([\w,]+)\]"', body):
        for name in ",".join(extra).strip(",").split(","):
            assert name in extras, f"{page}: the extra [{name}] is not in pyproject.toml"


def test_ini_blocks_and_inline_keys_name_real_keys() -> None:
    """Every `fakebatch_*` key a page names, in an ini block or in the text, exists."""
    keys = set(_parser()._inidict)
    for page in PAGES:
        for key in set(re.findall(r"\b(fakebatch_[a-z_]+)\b", page.read_text(encoding="utf-8"))):
            assert key in keys, f"{page.relative_to(ROOT)}: {key} is not an ini key of the plugin"


def test_the_readme_links_to_every_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[\w/.-]+\.md)", readme))
    pages = {str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")}
    assert pages <= linked, f"pages the README does not link to: {sorted(pages - linked)}"
    assert linked <= pages, f"README links to pages that do not exist: {sorted(linked - pages)}"

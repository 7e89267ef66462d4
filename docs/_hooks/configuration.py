"""MkDocs hook: the configuration reference, generated from the plugin's own definitions.

``<!-- fakebatch:options -->``, ``<!-- fakebatch:ini -->`` and ``<!-- fakebatch:marker -->`` in a
page are replaced by tables of the command-line options, ini keys and marker arguments exactly
as ``pytest_fakebatch.plugin`` declares them, so the page cannot fall behind the code.
"""

from __future__ import annotations

from typing import Any

from _pytest.config.argparsing import Parser

from pytest_fakebatch import plugin


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _tables() -> dict[str, str]:
    parser = Parser(_ispytest=True)  # built outside a run, as pytest itself does
    plugin.pytest_addoption(parser)
    options = ["| option | what it does |", "| --- | --- |"]
    for group in parser._groups:
        for option in group.options:
            attrs = option.attrs()
            metavar = f" {attrs['metavar']}" if attrs.get("metavar") else ""
            names = ", ".join(f"`{name}{metavar}`" for name in option.names())
            options.append(f"| {names} | {_cell(attrs.get('help', ''))} |")
    ini = ["| ini key | type | default | what it does |", "| --- | --- | --- | --- |"]
    for name, (help_text, kind, default) in sorted(parser._inidict.items()):
        shown = "" if default in ("", [], None) else f"`{str(default).lower()}`"
        ini.append(f"| `{name}` | {kind or 'string'} | {shown} | {_cell(help_text)} |")
    marker = ["| argument | what it does |", "| --- | --- |"]
    for name, what in plugin.MARKER_ARGUMENTS.items():
        marker.append(f"| `{name}=` | {_cell(what)} |")
    return {
        "<!-- fakebatch:options -->": "\n".join(options),
        "<!-- fakebatch:ini -->": "\n".join(ini),
        "<!-- fakebatch:marker -->": "\n".join(marker),
    }


def on_page_markdown(markdown: str, **_: Any) -> str:
    if "<!-- fakebatch:" not in markdown:
        return markdown
    for placeholder, table in _tables().items():
        markdown = markdown.replace(placeholder, table)
    return markdown

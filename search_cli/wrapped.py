"""Report lines (crawl summary, status) wrapped to the terminal's width, continuation lines indented.

The width is the terminal's (or `COLUMNS`), 80 when the output is not a
terminal; URLs and other long words are never broken, so they stay
copyable.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable

import click


def width() -> int:
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def wrap(line: str, columns: int | None = None) -> str:
    """One report line wrapped; continuations indented two more than the line itself."""
    columns = columns or width()
    if len(line) <= columns:
        return line
    indent = " " * (len(line) - len(line.lstrip(" ")))
    return textwrap.fill(line.strip(), columns, initial_indent=indent, subsequent_indent=indent + "    ",
                         break_long_words=False, break_on_hyphens=False)


def echo(lines: Iterable[str] | str, err: bool = False) -> None:
    columns = width()
    if isinstance(lines, str):
        lines = lines.split("\n")
    click.echo("\n".join(wrap(line, columns) for line in lines), err=err)

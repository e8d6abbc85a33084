"""Report lines (crawl summary, status) wrapped to the terminal's width, continuation lines indented.

Only on a terminal (its width, or `COLUMNS`): piped or redirected, each item
stays on one line for grep and scripts. URLs and other long words are never
broken, so they stay copyable.
"""

from __future__ import annotations

import shutil
import sys
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


def _is_terminal(err: bool) -> bool:
    try:
        return (sys.stderr if err else sys.stdout).isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def echo(lines: Iterable[str] | str, err: bool = False) -> None:
    if isinstance(lines, str):
        lines = lines.split("\n")
    if _is_terminal(err):
        columns = width()
        lines = [wrap(line, columns) for line in lines]
    click.echo("\n".join(lines), err=err)

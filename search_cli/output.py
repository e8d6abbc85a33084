"""Output shared by commands that print listings: formats, the `output_options` decorator, tables.

`output_options` is the one reusable decorator (`--format`, `-o/--output`);
`resolve_format` picks the table only when stdout is a terminal and nothing
else was asked for, and otherwise the format `-o FILE`'s extension names;
`write_output` writes text to stdout or, atomically, to a file
(search_cli.writers.atomic: a temporary file beside it, fsynced, then
`os.replace`), so a reader never sees a half-written file. The file formats
themselves live in search_cli.writers; rich is imported only to draw a table.
"""

from __future__ import annotations

import functools
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from search_cli.options import OutputFile

FORMATS = ("table", "json", "jsonl", "csv")
TABLE_WIDTH = 80  # when the table does not go to a terminal


def output_options(fn=None, *, formats: Sequence[str] = FORMATS):
    """Add `--format` (one of `formats`) and `-o/--output FILE` (params `fmt`, `output`)."""

    def decorate(fn):
        @click.option(
            "--format",
            "fmt",
            type=click.Choice(tuple(formats)),
            default=None,
            help="Output format (default: table on a terminal, else the -o file's extension, else json).",
        )
        @click.option(
            "-o",
            "--output",
            type=OutputFile(),
            default=None,
            help="Write to FILE (atomically) instead of stdout.",
        )
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)

        return wrapper

    return decorate(fn) if fn is not None else decorate


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False


def to_stdout(output: Path | str | None) -> bool:
    return output is None or str(output) == "-"


def resolve_format(fmt: str | None, output: Path | None, formats: Sequence[str] = FORMATS, *, strict: bool = False) -> str:
    """`fmt` if given; the table on a terminal; the format of `output`'s extension; else json.

    With `strict`, an `output` whose extension names none of `formats` is a usage error.
    """
    if fmt:
        return fmt
    if to_stdout(output):
        return "table" if "table" in formats and stdout_is_terminal() else "json"
    from search_cli.writers import FORMATS as FILE_FORMATS
    from search_cli.writers import extension_format

    found = extension_format(output)
    if found is not None and found.name in formats:
        return found.name
    if strict:
        known = ", ".join(f"{f.name} ({', '.join(f.extensions)})" for f in FILE_FORMATS.values() if f.name in formats)
        raise click.UsageError(f"Cannot tell the format of '{output}' from its extension: "
                               f"name it with one of these extensions or pass --format: {known}.")
    return "json"


def write_output(text: str, output: Path | None) -> None:
    """Print `text`, or replace `output` with it atomically."""
    if to_stdout(output):
        click.echo(text, nl=False)
        return
    from search_cli.writers.atomic import atomic_text_file

    with atomic_text_file(output) as fh:
        fh.write(text)


def to_json(payload: Any) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def to_jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """One header row of `columns`; lists joined with "; ", booleans true/false, None empty,
    text cells neutralised against formula injection (search_cli.writers.csv_rows)."""
    from search_cli.writers.csv_rows import write_rows

    buf = io.StringIO()
    write_rows(buf, rows, columns)
    return buf.getvalue()


def render_table(build, width: int | None = None) -> str:
    """Render what `build(console)` prints with rich; plain text unless stdout is a terminal."""
    from rich.console import Console

    terminal = width is None and stdout_is_terminal()
    console = Console(
        file=io.StringIO(),
        width=(console_width() if terminal else (width or TABLE_WIDTH)),
        force_terminal=terminal,
        color_system="auto" if terminal else None,
        highlight=False,
        emoji=False,
    )
    build(console)
    return console.file.getvalue()


def console_width() -> int:
    import shutil

    return max(60, shutil.get_terminal_size((TABLE_WIDTH, 24)).columns)


def phone_display(phone: str | None) -> str:
    """+18605550142 -> 860-555-0142 (other numbers as stored)."""
    from search_cli.writers.display import phone as display_phone

    return display_phone(phone)


def echo_err(message: str) -> None:
    click.echo(message, err=True)


__all__ = [
    "FORMATS",
    "output_options",
    "resolve_format",
    "write_output",
    "to_json",
    "to_jsonl",
    "to_csv",
    "to_stdout",
    "render_table",
    "phone_display",
    "echo_err",
]

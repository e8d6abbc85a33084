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
TABLE_WIDTH = 80  # when the table does not go to a terminal and COLUMNS is not set
MIN_WIDTH = 40  # narrower than this, nothing knead prints reads well


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
    """Render what `build(console)` prints with rich; plain text unless stdout is a terminal.

    The width is `width`, else `COLUMNS` (honoured when piped too), else the
    terminal's, else 80. Plain text has no trailing spaces.
    """
    from rich.console import Console

    terminal = width is None and stdout_is_terminal()
    console = Console(
        file=io.StringIO(),
        width=width or console_width(terminal),
        force_terminal=terminal,
        color_system="auto" if terminal else None,
        highlight=False,
        emoji=False,
    )
    build(console)
    text = console.file.getvalue()
    if terminal:
        return text
    return "".join(line.rstrip(" ") + "\n" for line in text.splitlines())


def columns_env() -> int | None:
    """`COLUMNS` when it is set to a positive number, else None."""
    import os

    value = os.environ.get("COLUMNS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def console_width(terminal: bool = True) -> int:
    """`COLUMNS` if set; the terminal's width on a terminal; else 80. Never under MIN_WIDTH."""
    import shutil

    columns = columns_env()
    if columns is None:
        columns = shutil.get_terminal_size((TABLE_WIDTH, 24)).columns if terminal else TABLE_WIDTH
    return max(MIN_WIDTH, columns)


def wrap_words(text: str, width: int, indent: str = "") -> str:
    """`text` wrapped at `width` between words only (hyphenated ids and paths stay whole),
    continuation lines indented by `indent`; existing line breaks are kept."""
    import textwrap

    wrapper = textwrap.TextWrapper(width=width, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False, replace_whitespace=False)
    return "\n".join(wrapper.fill(line) if line.strip() else line for line in text.split("\n"))


def wrap_entries(prefix: str, entries: Sequence[str], width: int) -> str:
    """"Techniques: a 3, b 2, ..." wrapped between entries, never inside one, with a hanging indent."""
    # textwrap splits at ASCII whitespace only: a no-break space keeps an entry in one piece.
    text = prefix + ", ".join(entry.replace(" ", "\u00a0") for entry in entries)
    return wrap_words(text, width, " " * min(len(prefix), width // 4)).replace("\u00a0", " ")


def phone_display(phone: str | None) -> str:
    """+18605550142 -> 860-555-0142 (other numbers as stored)."""
    from search_cli.writers.display import phone as display_phone

    return display_phone(phone)


def stderr_width() -> int | None:
    """The width to wrap messages at: `COLUMNS` if set, the terminal's when stderr is one;
    None (no wrapping, one line per message for logs and grep) otherwise."""
    if columns_env() is not None:
        return console_width()
    try:
        terminal = sys.stderr.isatty()
    except (AttributeError, ValueError):
        terminal = False
    return console_width() if terminal else None


def echo_err(message: str) -> None:
    width = stderr_width()
    click.echo(wrap_words(message, width, "  ") if width else message, err=True)


__all__ = [
    "FORMATS",
    "console_width",
    "echo_err",
    "output_options",
    "phone_display",
    "render_table",
    "resolve_format",
    "to_csv",
    "to_json",
    "to_jsonl",
    "to_stdout",
    "wrap_entries",
    "wrap_words",
    "write_output",
]

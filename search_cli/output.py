"""Output formats shared by commands that print listings: table, json, jsonl, csv.

`output_options` is the one reusable decorator (`--format`, `-o/--output`);
`resolve_format` picks the table only when stdout is a terminal and nothing
else was asked for; `write_output` writes to stdout or, atomically, to a file
(a temporary file beside it, fsynced, then `os.replace`), so a reader never
sees a half-written export. rich is imported only to draw a table.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

FORMATS = ("table", "json", "jsonl", "csv")
TABLE_WIDTH = 80  # when the table does not go to a terminal


def output_options(fn):
    """Add `--format table|json|jsonl|csv` and `-o/--output FILE` (params `fmt`, `output`)."""

    @click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: table on a terminal, json otherwise).",
    )
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        default=None,
        help="Write to FILE (atomically) instead of stdout.",
    )
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False


def resolve_format(fmt: str | None, output: Path | None) -> str:
    if fmt:
        return fmt
    return "table" if output is None and stdout_is_terminal() else "json"


def write_output(text: str, output: Path | None) -> None:
    """Print `text`, or replace `output` with it atomically."""
    if output is None:
        click.echo(text, nl=False)
        return
    output = Path(output)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_json(payload: Any) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def to_jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(value)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """One header row of `columns`; lists joined with "; ", booleans true/false, None empty."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
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
    if phone and phone.startswith("+1") and len(phone) == 12 and phone[1:].isdigit():
        return f"{phone[2:5]}-{phone[5:8]}-{phone[8:]}"
    return phone or ""


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
    "render_table",
    "phone_display",
    "echo_err",
]

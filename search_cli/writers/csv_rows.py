"""CSV: a header row, one row per listing, safe to open in a spreadsheet.

Lists are joined with "; " (a licence as "CT 012345 (nppes)", a merged result's
sources and practices by their ids), a merged result's `field_sources` and
`alternatives` are compact JSON, booleans are `true`/`false`, missing values are
empty. CSV injection (OWASP): a text cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return would be run as a formula by Excel, LibreOffice
or Google Sheets, so it gets a leading single quote (`'=HYPERLINK(...)`, and
phone numbers such as `'+18605550142`). Numbers knead itself writes
(coordinates, score, distance) are left as numbers: a number cannot carry a
formula. Quotes, commas and new lines inside a cell are quoted by the csv
module as RFC 4180 says.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from index.model.listing import license_label

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "


def neutralise(text: str) -> str:
    """Prefix a single quote when a spreadsheet would read `text` as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _record(value: Mapping[str, Any]) -> str:
    """A licence as people read it; a merged result's source or practice by its id."""
    if "number" in value:
        return license_label(dict(value))
    return str(value.get("id") or "")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return neutralise(LIST_SEPARATOR.join(
            "" if v is None else _record(v) if isinstance(v, Mapping) else str(v) for v in value))
    if isinstance(value, Mapping):  # field_sources, alternatives: nested, so compact JSON
        return neutralise(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return neutralise(str(value))


def write_rows(out: TextIO, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])


def write(export, out: TextIO) -> list[str]:
    write_rows(out, export.results, export.columns)
    return []

"""The columns a person reads in the Markdown and HTML tables, as plain text.

One place decides what a human-facing table shows and how each value reads
(phones as 860-555-0142, lists joined with ", ", distance to 0.1 mile, the
date a listing was first seen); the writers only escape and lay it out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from index.model.hours import readable


def phone(value: str | None) -> str:
    """+18605550142 -> 860-555-0142 (other numbers as stored)."""
    if value and value.startswith("+1") and len(value) == 12 and value[1:].isdigit():
        return f"{value[2:5]}-{value[5:8]}-{value[8:]}"
    return value or ""


def joined(values: Any) -> str:
    return ", ".join(str(v) for v in values or [])


def address(row: dict[str, Any]) -> str:
    """"12 Main St, Hartford, CT 06103"."""
    region = " ".join(filter(None, (row.get("state"), row.get("zip"))))
    return ", ".join(filter(None, (row.get("street"), row.get("city"), region)))


def distance(row: dict[str, Any]) -> str:
    d = row.get("distance_miles")
    return "" if d is None else f"{d:.1f}"


Column = tuple[str, Callable[[dict[str, Any]], str]]

BASE_COLUMNS: tuple[Column, ...] = (
    ("Name", lambda r: r.get("name") or ""),
    ("Credentials", lambda r: joined(r.get("credentials"))),
    ("Business", lambda r: r.get("business") or ""),
    ("Address", address),
    ("Phone", lambda r: phone(r.get("phone"))),
    ("Email", lambda r: r.get("email") or ""),
    ("Website", lambda r: r.get("website") or ""),
    ("Techniques", lambda r: joined(r.get("techniques"))),
    ("Insurance", lambda r: joined(r.get("insurance"))),
    ("Hours", lambda r: "; ".join((readable(r.get("hours")) or "").splitlines())),
)
DISTANCE_COLUMN: Column = ("Miles", distance)
FIRST_SEEN_COLUMN: Column = ("First seen", lambda r: (r.get("first_seen") or "")[:10])


ID_COLUMN: Column = ("Id", lambda r: r.get("id") or "")  # what `knead show ID` takes


def columns(with_distance: bool, with_id: bool = False) -> list[Column]:
    return [*BASE_COLUMNS, *([DISTANCE_COLUMN] if with_distance else []), FIRST_SEEN_COLUMN,
            *([ID_COLUMN] if with_id else [])]


def caption(export) -> str:
    """"12 listings for “low back pain” · within 25 miles of 06103 · exported 2025-06-01 14:03 UTC"."""
    what = f"{export.total} listing{'s' if export.total != 1 else ''}"
    if export.query:
        what += f" for \u201c{export.query}\u201d"
    return " \u00b7 ".join([what, *export.filters, f"exported {export.created:%Y-%m-%d %H:%M} UTC"])

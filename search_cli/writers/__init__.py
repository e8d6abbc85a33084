"""Export writers: one module per file format, all fed the same `Export`.

A writer is a function `write(export, out) -> list[str]` that writes one
format to the text stream `out` and returns notes for stderr (the GeoJSON
writer counts the listings it had to leave out). `FORMATS` names each format,
its file extensions and its writer; `format_for` picks one from `--format` or
the file name; `write_export` sends an export to stdout or, atomically, to a
file (see `atomic`). Writers import only the standard library (the vCard
writer also nameparser, when it runs),
so they load fast and never pull in Scrapy.

    json     json_docs    the `knead search --format json` object, with the filters
    jsonl    json_docs    one listing per line, each with the query and filters
    csv      csv_rows     a spreadsheet, cells neutralised against formula injection
    geojson  geojson      a FeatureCollection of Points, for map tools
    vcf      vcard        vCard 4.0, for phones and address books
    md       markdown     a Markdown table, for notes and tickets
    html     html_page    one self-contained page: heading, SVG map, table
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from index.model.listing import FIELD_NAMES

SEEN_FIELDS = ("first_seen", "last_seen")  # added by the store of record
RESULT_FIELDS = ("score", "distance_miles")  # added by the search


@dataclass
class Export:
    """What every writer gets: the matching listings and how they were found."""

    results: list[dict[str, Any]]
    total: int | None = None  # matches in all; None: len(results)
    query: str | None = None
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)  # in words, for headings
    filter_values: dict[str, Any] = field(default_factory=dict)  # as values, for JSON ("filters")
    relaxed: bool = False  # no listing had every word of the query: words OR'ed
    unmatched: list[str] = field(default_factory=list)  # query words no listing mentions
    without_hours: int | None = None  # with --open: matches left out for giving no weekly hours
    near: tuple[float, float, str] | None = None  # (lat, lon, label) of --near
    radius_miles: float | None = None
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))

    def __post_init__(self) -> None:
        if self.total is None:
            self.total = len(self.results)

    @property
    def columns(self) -> list[str]:
        """Every key of the results, in listing-field order: the CSV header."""
        base = [*FIELD_NAMES, *SEEN_FIELDS]
        seen = set(base) | set(RESULT_FIELDS)
        extra = []  # fields a newer store adds (e.g. stale): kept, after the known ones
        for row in self.results:
            for key in row:
                if key not in seen:
                    seen.add(key)
                    extra.append(key)
        tail = ["score"] + (["distance_miles"] if self.near is not None else [])
        return base + extra + tail


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    module: str
    function: str = "write"
    summary: str = ""

    def writer(self) -> Callable[[Export, TextIO], list[str]]:
        return getattr(importlib.import_module(f"{__name__}.{self.module}"), self.function)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("json", (".json",), "json_docs", summary="the search result object"),
    Format("jsonl", (".jsonl", ".ndjson"), "json_docs", "write_lines", summary="one listing per line"),
    Format("csv", (".csv",), "csv_rows", summary="spreadsheet rows, formula-safe"),
    Format("geojson", (".geojson",), "geojson", summary="map points"),
    Format("vcf", (".vcf", ".vcard"), "vcard", summary="vCard 4.0 contacts"),
    Format("md", (".md", ".markdown"), "markdown", summary="a Markdown table"),
    Format("html", (".html", ".htm"), "html_page", summary="a page with a map and a table"),
)}


def format_names() -> list[str]:
    return list(FORMATS)


def extension_format(path: str | Path) -> Format | None:
    """The format whose extension `path` has (any case), or None."""
    suffix = Path(path).suffix.lower()
    return next((f for f in FORMATS.values() if suffix and suffix in f.extensions), None)


def formats_help() -> str:
    """'csv (.csv), json (.json), ...': for error messages."""
    return ", ".join(f"{f.name} ({', '.join(f.extensions)})" for f in FORMATS.values())


def write_export(export: Export, fmt: str, target: str | Path, *, bom: bool = False) -> list[str]:
    """Write `export` as `fmt` to `target` ("-": stdout); returns the writer's notes.

    UTF-8 always; `bom` adds the byte-order mark Excel needs to read it as UTF-8.
    A file is replaced atomically: complete or not at all.
    """
    from search_cli.writers.atomic import atomic_text_file

    write = FORMATS[fmt].writer()
    encoding = "utf-8-sig" if bom else "utf-8"
    if str(target) == "-":
        return _write_stdout(lambda out: write(export, out), encoding)
    with atomic_text_file(target, encoding=encoding) as out:
        return write(export, out)


def _write_stdout(write: Callable[[TextIO], list[str]], encoding: str) -> list[str]:
    """Write UTF-8 to stdout's bytes whatever the terminal's encoding (a text-only stdout gets text)."""
    import sys

    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    if buffer is None:  # e.g. an io.StringIO put in place by a caller
        text = io.StringIO()
        notes = write(text)
        stdout.write(text.getvalue())
        return notes
    stdout.flush()
    out = io.TextIOWrapper(buffer, encoding=encoding, newline="")
    try:
        notes = write(out)
        out.flush()
    finally:
        try:
            out.detach()  # leave stdout's buffer open for whoever prints next
        except ValueError:
            pass
    return notes

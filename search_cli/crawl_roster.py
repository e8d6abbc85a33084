"""`knead crawl roster`'s options: --board, --url and --file, checked and made a crawl.

A roster is crawled by board, not from a start URL: the board's mapping
(spiders.rosters.boards) names its dataset, whose resource URL (on the
portal, or on the base `--url` gives) is the crawl's one start URL and so its
scope. `--file` reads the board's bulk CSV export instead, through the same
spider and mapping (passed as the `KNEAD_ROSTER_FILE` setting).

After the crawl, `report_lines` adds the roster's own lines to the summary
(rows counted by the portal against rows read) and `check_report` turns a
column the dataset lacks into one clear error, before anything is published.
Imports neither Scrapy nor the spider (the help of `knead crawl` stays fast).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import click

from spiders.rosters.boards import BOARDS

SOURCE = "roster"
TOKEN_ENV = "KNEAD_SOCRATA_TOKEN"  # read by the spider; named here for the help text


class BoardType(click.ParamType):
    """A board knead has a mapping for (spiders.rosters.boards)."""

    name = "BOARD"

    def get_metavar(self, param, ctx):
        return f"[{'|'.join(BOARDS)}]"

    def convert(self, value, param, ctx):
        key = str(value).strip().casefold()
        if key in BOARDS:
            return key
        close = difflib.get_close_matches(key, list(BOARDS), n=1, cutoff=0.3)
        hint = f"; did you mean '{close[0]}'?" if close else f" (boards: {', '.join(BOARDS)})"
        self.fail(f"Unknown board {value!r}{hint}", param, ctx)


def start_urls(source: str | None, board: str | None, url: str | None, file: Path | None,
               given_urls) -> tuple[list[str] | None, dict[str, Any]]:
    """(start URLs, extra Scrapy settings) of a roster crawl; (None, {}) for other sources.
    UsageError for options that cannot go together."""
    if source != SOURCE:
        if board or url or file:
            raise click.UsageError("--board, --url and --file are for `knead crawl roster` "
                                   "(state licence rosters), e.g. `knead crawl roster --board tx`.")
        return None, {}
    if given_urls:
        raise click.UsageError("`knead crawl roster` takes --board (and --url or --file), not --start-url.")
    if not board:
        raise click.UsageError(f"`knead crawl roster` needs a board: --board {'|'.join(BOARDS)}.")
    if url and file:
        raise click.UsageError("--url and --file cannot go together: a roster is read from a portal or from a file.")
    chosen = BOARDS[board]
    extra = {"KNEAD_ROSTER_FILE": str(file)} if file else {}
    return [chosen.resource_url(url)], extra


def report_lines(report) -> list[str]:
    """The roster's lines for the crawl summary (empty for other sources)."""
    stats = report.stats
    if report.source != SOURCE:
        return []
    lines = []
    read, expected = stats.get("roster/rows_read"), stats.get("roster/count_expected")
    read = read or 0
    if expected is not None:
        if not stats.get("roster/count_mismatch"):
            lines.append(f"  roster rows:          {read} read, as the portal counted")
        else:
            lines.append(f"  roster rows:          {read} read, but the portal counted {expected}: the dataset "
                         "changed during the crawl or a page was lost; nothing is marked stale (crawl again)")
    elif "roster/rows_read" in stats:
        lines.append(f"  roster rows:          {read} read")
    if stats.get("roster/verification_only"):
        lines.append(f"  verification only:    {stats['roster/verification_only']} (no address: they confirm "
                     "licences, they are not shown as listings)")
    return lines


def check_report(report) -> None:
    """ClickException (nothing published) when the dataset lacks a column the board's mapping reads."""
    missing = report.stats.get("roster/missing_columns") if report.source == SOURCE else None
    if not missing:
        return
    where = report.stats.get("roster/dataset", "the dataset")
    names = ", ".join(repr(c) for c in missing)
    raise click.ClickException(
        f"The roster at {where} has no column {names}, which the board's mapping reads; nothing was "
        "published. The dataset's columns may have been renamed: check them (`/api/views/<id>/columns.json` "
        "on the portal) and correct the board in spiders/rosters/boards.py.")

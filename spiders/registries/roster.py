"""`roster`: a state board's licence roster from a Socrata (SODA 2.x) dataset, or its bulk CSV.

    scrapy crawl roster -a board=tx                       # data.texas.gov
    scrapy crawl roster -a board=tx -a url=http://127.0.0.1:PORT
    scrapy crawl roster -a board=tx -a file=roster.csv    # the portal's bulk export
    knead crawl roster --board tx [--url URL | --file PATH]

The board (spiders.rosters.boards) comes from `board`, or from the dataset id
in each start URL (`<base>/resource/<4x4>.json`, what `knead crawl` passes),
so the crawl's scope, and with it stale marking, is the datasets it was given
(one board for `knead crawl roster`; the bundled sample's TX and WA together).

API: first `count(*)` under the board's `$where`, then pages of the mapped
columns under a stable `$order`, `$limit`/`$offset`, one after another until a
short page. When the rows read differ from the count, the mismatch is counted
(`roster/count_mismatch`, `roster/count_expected`, `roster/rows_read`) and the
crawl is marked incomplete (`knead/incomplete`): it publishes what it found and
marks nothing stale. `KNEAD_SOCRATA_TOKEN`, when set, is sent as `X-App-Token`.
429 and 5xx go through the retry middleware (Retry-After honoured).

SODA error answers (4xx with `code` or `errorCode` and `message`) are counted
as `knead/source_errors/<code>: <message>` (the URL is failed by the failure log). A column the
mapping expects and the dataset lacks (missing from `X-SODA2-Fields`, or a 400
`no-such-column`) stops the crawl before any row is read: its names are kept
in `roster/missing_columns` and the crawl ends `roster_missing_column`, so
nothing is published. The bulk CSV is checked the same way against its header
(then no row is read).

Rows of one licence that come together (Colorado: one row per discipline
case) become one listing, disciplined when any of them says so.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response

from spiders.directories.base import DirectorySpider
from spiders.items import TherapistListing
from spiders.rosters import rows as maprows
from spiders.rosters import soql
from spiders.rosters.boards import BOARDS, Board, board_for_dataset

TOKEN_ENV = "KNEAD_SOCRATA_TOKEN"
MISSING_COLUMN = "roster_missing_column"  # the finish reason when the dataset lacks a mapped column
_DATASET = re.compile(r"/resource/([a-z0-9]{4}-[a-z0-9]{4})\.json$")
# Answers whose body the spider reads (SODA's error JSON) rather than Scrapy dropping them.
_ERROR_CODES = [400, 401, 403, 404]


def board_of(url: str) -> Board | None:
    match = _DATASET.search(urlsplit(url).path)
    return board_for_dataset(match.group(1)) if match else None


@dataclass
class Dataset:
    """One board's dataset being read, and what its reading has counted so far."""

    board: Board
    url: str  # its resource URL: <base>/resource/<id>.json
    expected: int | None = None  # the portal's count(*)
    rows_read: int = 0
    pending: dict[str, Any] | None = None  # the last row's listing, until the next row's key differs

    @property
    def base(self) -> str:
        return self.url.rsplit("/resource/", 1)[0]

    def data(self) -> dict[str, Any]:
        """The reading's state as its next request carries it (pages are read one after another): plain
        data, so a crawl spread over workers can send it through Redis (spiders.redis.serializer)."""
        return {"url": self.url, "expected": self.expected, "rows_read": self.rows_read, "pending": self.pending}

    @classmethod
    def of(cls, data: dict[str, Any]) -> Dataset:
        """Back from `data()`: the board from knead's own table, by the dataset id in the URL."""
        board = board_of(data["url"])
        if board is None:
            raise ValueError(f"{data['url']!r} is no known board's dataset")
        return cls(board, data["url"], data.get("expected"), int(data.get("rows_read") or 0), data.get("pending"))


class RosterSpider(DirectorySpider):
    name = "roster"

    def __init__(self, board: str | None = None, url: str | None = None, file: str | None = None,
                 start_url: str | None = None, start_urls: Any = None, *args: Any, **kwargs: Any) -> None:
        chosen = BOARDS.get((board or "").strip().lower()) if board else None
        if board and chosen is None:
            raise ValueError(f"unknown board {board!r}: one of {', '.join(BOARDS)}")
        if chosen is not None and not (start_url or start_urls):
            start_url = chosen.resource_url(url)
        super().__init__(start_url, start_urls, *args, **kwargs)
        self.datasets: list[Dataset] = []
        for start in self.start_urls:
            found = board_of(start)
            if found is None:
                raise ValueError(f"start URL {start!r} is no known board's dataset: give -a board=tx, or "
                                 "<portal>/resource/<dataset id>.json of one of " + ", ".join(BOARDS))
            self.datasets.append(Dataset(found, start))
        self.file = file
        if file and len(self.datasets) != 1:
            raise ValueError("a bulk CSV file is one board's roster: name one board")

    # -- requests -------------------------------------------------------------

    def request(self, dataset: Dataset, params: dict[str, str], callback: Any, **cb_kwargs: Any) -> scrapy.Request:
        headers = {"Accept": "application/json"}
        token = os.environ.get(TOKEN_ENV, "").strip()
        if token:
            headers["X-App-Token"] = token
        return scrapy.Request(soql.url(dataset.url, params), callback=callback, headers=headers,
                              cb_kwargs={"dataset": dataset.data(), **cb_kwargs},
                              meta={"handle_httpstatus_list": _ERROR_CODES})

    def page_size(self, dataset: Dataset) -> int:
        """Rows a page asks for: the board's, or `KNEAD_ROSTER_PAGE_SIZE` (tests page small rosters)."""
        return self.settings.getint("KNEAD_ROSTER_PAGE_SIZE") or dataset.board.page_size

    async def start(self) -> AsyncIterator[Any]:
        path = self.file or self.settings.get("KNEAD_ROSTER_FILE")
        if path:
            for item in self.file_listings(self.datasets[0], Path(path)):
                yield item
            return
        for dataset in self.datasets:  # one after another: each board's pages are sequential
            yield self.request(dataset, soql.count_params(dataset.board), self.parse_count)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return iter(())

    def parse_count(self, response: Response, dataset: dict[str, Any]) -> Iterator[Any]:
        dataset = Dataset.of(dataset)
        answer = self.answer(response, dataset)
        if answer is None:
            return
        try:
            dataset.expected = int(answer[0]["n"])
        except (IndexError, KeyError, TypeError, ValueError):
            self.malformed(response, f"count: no count in {response.text[:200]!r}")
        size = self.page_size(dataset)
        yield self.request(dataset, soql.page_params(dataset.board, 0, size), self.parse_page, offset=0)

    def parse_page(self, response: Response, dataset: dict[str, Any], offset: int) -> Iterator[Any]:
        dataset = Dataset.of(dataset)
        if offset == 0:
            self.check_fields(response, dataset)
        answer = self.answer(response, dataset)
        if answer is None:
            self.mark_incomplete()
            return
        self.count("pages/api")
        dataset.rows_read += len(answer)
        self.count("roster/rows_read", len(answer))
        for row in answer:
            yield from self.row_listing(dataset, row)
        size = self.page_size(dataset)
        if len(answer) >= size:
            yield self.request(dataset, soql.page_params(dataset.board, offset + len(answer), size), self.parse_page,
                               offset=offset + len(answer))
            return
        yield from self.flush(dataset)
        self.check_count(dataset)

    # -- answers ----------------------------------------------------------------

    def answer(self, response: Response, dataset: Dataset) -> list[dict[str, Any]] | None:
        """The JSON array of a 200 answer; None after counting an error answer."""
        if response.status >= 400:
            self.soda_error(response, dataset)
            return None
        data = self.parsed(response, "roster", lambda r: json.loads(r.text))
        if not isinstance(data, list):
            if data is not None:
                self.malformed(response, "roster: not a JSON array")
            return None
        return [row for row in data if isinstance(row, dict)]

    def soda_error(self, response: Response, dataset: Dataset) -> None:
        try:
            body = json.loads(response.text)
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        code = str(body.get("errorCode") or body.get("code") or f"HTTP {response.status}")
        message = " ".join(str(body.get("message") or "").split())[:200]
        column = (body.get("data") or {}).get("column") if isinstance(body.get("data"), dict) else None
        description = f"{code}: {message}" if message else code
        # The URL itself is already failed (HTTP 4xx) by the failure log middleware.
        self.count(f"knead/source_errors/{description}")
        self.logger.warning("the portal answered %s for %s (request id %s)", description, response.url,
                            response.headers.get("X-Socrata-RequestId", b"-").decode("latin-1"))
        if code.endswith("no-such-column"):
            named = column or message.rpartition(":")[2].strip()
            self.missing_columns(dataset, [named] if named else [], response)

    def check_fields(self, response: Response, dataset: Dataset) -> None:
        """Close the crawl when X-SODA2-Fields lacks a mapped column (very wide datasets omit the header)."""
        header = response.headers.get("X-SODA2-Fields")
        if response.status != 200 or not header:
            return
        try:
            fields = set(json.loads(header.decode("utf-8")))
        except ValueError:
            return
        missing = [c for c in soql.selected(dataset.board) if not c.startswith(":") and c not in fields]
        if missing:
            self.missing_columns(dataset, missing, response)

    def missing_columns(self, dataset: Dataset, columns: list[str], where: Any) -> None:
        """Record the columns the dataset lacks; from a callback, close the crawl at once."""
        dataset_url = getattr(where, "url", str(where)).split("?")[0]
        self.crawler.stats.set_value("roster/missing_columns", columns)
        self.crawler.stats.set_value("roster/dataset", dataset_url)
        self.logger.error("the %s mapping expects column(s) %s, which %s does not have", dataset.board.key,
                          ", ".join(columns), dataset_url)
        if isinstance(where, Response):
            raise CloseSpider(MISSING_COLUMN)

    def check_count(self, dataset: Dataset) -> None:
        if dataset.expected is None:
            return
        self.count("roster/count_expected", dataset.expected)
        if dataset.expected != dataset.rows_read:
            self.count("roster/count_mismatch")
            self.mark_incomplete()
            self.logger.warning("the portal counted %d rows of %s but %d were read: the dataset may have changed "
                                "during the crawl", dataset.expected, dataset.url, dataset.rows_read)

    def mark_incomplete(self) -> None:
        self.crawler.stats.set_value("knead/incomplete", 1)

    # -- rows -> listings ---------------------------------------------------------

    def row_listing(self, dataset: Dataset, row: dict[str, Any]) -> Iterator[TherapistListing]:
        board = dataset.board
        if not maprows.is_massage(board, row):
            self.count("listings/dropped/not_massage")
            return
        values = maprows.listing_values(board, row, base=dataset.base)
        if values is None:
            self.count("listings/dropped/no_licence_or_name")
            return
        if values.get("verification_only"):
            self.count("roster/verification_only")
        if dataset.pending is not None and dataset.pending["id"] == values["id"]:
            self.count("roster/rows_merged")
            maprows.merge_rows(board, dataset.pending, values)
            return
        yield from self.flush(dataset)
        dataset.pending = values

    def flush(self, dataset: Dataset) -> Iterator[TherapistListing]:
        if dataset.pending is not None:
            values, dataset.pending = dataset.pending, None
            yield TherapistListing(scraped_at=self.now_iso(), **values)

    def file_listings(self, dataset: Dataset, path: Path) -> Iterator[Any]:
        """The board's bulk CSV export: human column names, the same mapping, massage rows only."""
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = {maprows.field_name(h) for h in reader.fieldnames or ()}
            missing = [c for c in soql.selected(dataset.board) if not c.startswith(":") and c not in header]
            if missing:  # nothing is read: the crawl finds no listings, the gate publishes nothing
                self.missing_columns(dataset, missing, str(path))
                return
            for line in reader:
                row = {maprows.field_name(k): v for k, v in line.items() if k is not None and v not in (None, "")}
                self.count("roster/rows_read")
                yield from self.row_listing(dataset, row)
        yield from self.flush(dataset)

"""The store of record: every listing knead has crawled, durably, in one SQLite file.

Crawls write here before the index sees anything, so the index can always be
rebuilt (`knead reindex`) without crawling again, and a killed crawl loses at
most the listings of its last uncommitted batch. SQLite in WAL mode lets a
search-side rebuild read while a crawl writes.

Tables:
- `listings`: one row per listing id; `data` is the listing as JSON, `digest`
  its content hash (so an unchanged listing is not rewritten), `first_seen` /
  `last_seen` the crawl times it was first and last found.
- `crawls`: one row per crawl with its status and final stats.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS listings (
    id         TEXT PRIMARY KEY,
    source     TEXT NOT NULL,
    data       TEXT NOT NULL,
    digest     TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    crawl_id   INTEGER
);
CREATE INDEX IF NOT EXISTS listings_source ON listings (source);
CREATE TABLE IF NOT EXISTS crawls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL DEFAULT 'running',
    stats       TEXT
);
"""

# Fields that change on every crawl without the listing changing.
_VOLATILE = ("scraped_at",)


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def digest(listing: dict[str, Any]) -> str:
    stable = {k: v for k, v in listing.items() if k not in _VOLATILE}
    blob = json.dumps(stable, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RecordStore:
    """Open (creating if needed) the store at `path`. Use as a context manager.

    Writes are batched: `commit_every` upserts or `commit_seconds`, whichever
    comes first, then at `finish_crawl` and `close`.
    """

    def __init__(self, path: str | Path, *, commit_every: int = 200, commit_seconds: float = 2.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed batch survives a power cut, not just a killed process.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._commit_every = commit_every
        self._commit_seconds = commit_seconds
        self._pending = 0
        self._last_commit = time.monotonic()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.commit()
            self._db.close()
            self._db = None  # type: ignore[assignment]

    # -- crawls -------------------------------------------------------------

    def begin_crawl(self, source: str) -> int:
        cur = self._db.execute(
            "INSERT INTO crawls (source, started_at) VALUES (?, ?)", (source, utc_now())
        )
        self._db.commit()
        return int(cur.lastrowid)

    def finish_crawl(self, crawl_id: int, status: str, stats: dict[str, Any]) -> None:
        self._db.execute(
            "UPDATE crawls SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
            (utc_now(), status, json.dumps(stats, default=str, sort_keys=True), crawl_id),
        )
        self._db.commit()
        self._pending = 0

    def crawls(self, source: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, source, started_at, finished_at, status, stats FROM crawls"
        args: tuple[Any, ...] = ()
        if source:
            sql, args = sql + " WHERE source = ?", (source,)
        rows = self._db.execute(sql + " ORDER BY id", args).fetchall()
        keys = ("id", "source", "started_at", "finished_at", "status", "stats")
        out = [dict(zip(keys, row)) for row in rows]
        for row in out:
            row["stats"] = json.loads(row["stats"]) if row["stats"] else {}
        return out

    # -- listings -----------------------------------------------------------

    def upsert(self, listing: dict[str, Any], crawl_id: int | None = None, seen_at: str | None = None) -> str:
        """Store one listing; returns "new", "changed" or "unchanged"."""
        seen_at = seen_at or utc_now()
        new_digest = digest(listing)
        row = self._db.execute("SELECT digest FROM listings WHERE id = ?", (listing["id"],)).fetchone()
        if row is None:
            self._db.execute(
                "INSERT INTO listings (id, source, data, digest, first_seen, last_seen, crawl_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (listing["id"], listing["source"], _dumps(listing), new_digest, seen_at, seen_at, crawl_id),
            )
            outcome = "new"
        elif row[0] == new_digest:
            self._db.execute(
                "UPDATE listings SET last_seen = ?, crawl_id = ? WHERE id = ?", (seen_at, crawl_id, listing["id"])
            )
            outcome = "unchanged"
        else:
            self._db.execute(
                "UPDATE listings SET data = ?, digest = ?, last_seen = ?, crawl_id = ? WHERE id = ?",
                (_dumps(listing), new_digest, seen_at, crawl_id, listing["id"]),
            )
            outcome = "changed"
        self._pending += 1
        if self._pending >= self._commit_every or time.monotonic() - self._last_commit >= self._commit_seconds:
            self.commit()
        return outcome

    def commit(self) -> None:
        self._db.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    def listings(self, source: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored listing as a dict, with `first_seen` and `last_seen` added, ordered by id."""
        sql = "SELECT data, first_seen, last_seen FROM listings"
        args: tuple[Any, ...] = ()
        if source:
            sql, args = sql + " WHERE source = ?", (source,)
        for data, first_seen, last_seen in self._db.execute(sql + " ORDER BY id", args):
            listing = json.loads(data)
            listing["first_seen"] = first_seen
            listing["last_seen"] = last_seen
            yield listing

    def count(self, source: str | None = None) -> int:
        if source:
            return self._db.execute("SELECT COUNT(*) FROM listings WHERE source = ?", (source,)).fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM listings").fetchone()[0]


def _dumps(listing: dict[str, Any]) -> str:
    return json.dumps(listing, ensure_ascii=False, sort_keys=True, default=str)

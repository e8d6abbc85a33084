"""The store of record: every listing knead has crawled, durably, in one SQLite file.

Crawls write here before the index sees anything, so the index can always be
rebuilt (`knead reindex`) without crawling again. SQLite in WAL mode lets a
rebuild read while a crawl writes, and a killed crawl loses at most its last
uncommitted batch.

A crawl does not write the published listings directly. It *stages* what it
finds (`stage`); only a crawl that finished and passed the publish gate is
merged into `listings` (`publish_crawl`), which also marks the source's
listings that the crawl no longer found as stale. A crawl that was
interrupted or held keeps its staged rows, for `--resume` and for inspection,
and the published listings stay as they were.

Tables:
- `listings`: the published listings; `data` is the listing as JSON, `digest`
  its content hash (so an unchanged listing is not rewritten), `first_seen` /
  `last_seen` the crawl times it was first and last found, `stale_since` when
  a complete crawl of its source stopped finding it.
- `staged`: what each crawl found, by crawl id, until it is published.
- `crawls`: one row per crawl: status, pid, stats, counts and gate result.
- `undo` and `history` (index.records.history): what each of the last
  publishes changed, so `undo_publish` can restore it, and the log of
  publishes, rollbacks and reindexes.
- `clusters` (index.records.clusters): the merge's assignment of each listing
  to its result (one therapist or practice across sources), so result ids stay
  stable and any member's id finds its result.

A file that is not a readable SQLite store raises `StoreDamaged`, which
names the file and the way out.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from index.records import clusters, history
from index.records.packed import PackedListings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS listings (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    data        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    crawl_id    INTEGER,
    stale_since TEXT
);
CREATE INDEX IF NOT EXISTS listings_source ON listings (source);
CREATE TABLE IF NOT EXISTS staged (
    crawl_id INTEGER NOT NULL,
    id       TEXT NOT NULL,
    url      TEXT,
    data     TEXT NOT NULL,
    digest   TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (crawl_id, id)
);
CREATE TABLE IF NOT EXISTS crawls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL DEFAULT 'running',
    pid         INTEGER,
    scope       TEXT,
    stats       TEXT,
    counts      TEXT,
    gate        TEXT
);
"""

# Fields that change on every crawl without the listing changing.
_VOLATILE = ("scraped_at", "first_seen", "last_seen", "stale", "stale_since")
_CRAWL_KEYS = ("id", "source", "started_at", "finished_at", "status", "pid", "scope", "stats", "counts", "gate")

# Crawl statuses. LIMITED: stopped at its item limit (`--max-items`), publishable
# but partial, so it marks nothing stale. ROLLED_BACK: published, then undone.
RUNNING, FINISHED, LIMITED, INTERRUPTED, HELD, PUBLISHED = (
    "running", "finished", "limited", "interrupted", "held", "published")
ROLLED_BACK = history.ROLLED_BACK


class StoreDamaged(Exception):
    """The store of record cannot be read (not SQLite, truncated, malformed)."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        super().__init__(
            f"The store of record {path} is damaged ({reason}): restore it from a backup, "
            f"or move it aside and run `knead crawl` to start a new one."
        )


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def crawl_scope(source: str, start_urls: list[str] | tuple[str, ...]) -> str:
    """What a crawl covers: its source and start URLs without scheme or port.

    Stale marking and the publish gate compare a crawl only with earlier
    crawls of the same scope, so crawling one state never marks another
    state's listings gone, and the sample directory (a new port each run)
    keeps one scope.
    """
    parts = []
    for url in start_urls:
        u = urlsplit(url)
        parts.append(f"{(u.hostname or '').lower()}{u.path or '/'}{'?' + u.query if u.query else ''}")
    return f"{source} " + " ".join(sorted(parts))


def digest(listing: dict[str, Any]) -> str:
    """Content hash of a listing: what changes on every crawl is left out, and the profile
    URL counts by its path (the same page reached by another host name or port is no change)."""
    stable = {k: v for k, v in listing.items() if k not in _VOLATILE}
    if stable.get("url"):
        u = urlsplit(stable["url"])
        stable["url"] = u.path + ("?" + u.query if u.query else "")
    blob = json.dumps(stable, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RecordStore:
    """Open (creating if needed) the store at `path`. Use as a context manager.

    Writes are batched: `commit_every` writes or `commit_seconds`, whichever
    comes first, then at `finish_crawl`, `publish_crawl` and `close`.
    """

    def __init__(self, path: str | Path, *, commit_every: int = 200, commit_seconds: float = 2.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed batch survives a power cut, not just a killed process.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA + history.SCHEMA + clusters.SCHEMA)
            # A damaged page is found only when read: check the structure once (~1 ms per MB).
            problem = self._db.execute("PRAGMA quick_check(1)").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreDamaged(self.path, str(exc)) from None
        if problem != "ok":
            self._db.close()
            raise StoreDamaged(self.path, problem)
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

    def commit(self) -> None:
        self._db.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    def _wrote(self) -> None:
        self._pending += 1
        if self._pending >= self._commit_every or time.monotonic() - self._last_commit >= self._commit_seconds:
            self.commit()

    # -- crawls -------------------------------------------------------------

    def begin_crawl(self, source: str, pid: int | None = None, scope: str | None = None,
                    started_at: str | None = None) -> int:
        """A new crawl row; `started_at` (default now): a crawl spread over workers started when it was enqueued."""
        cur = self._db.execute(
            "INSERT INTO crawls (source, started_at, pid, scope) VALUES (?, ?, ?, ?)",
            (source, started_at or utc_now(), pid, scope or source),
        )
        self.commit()
        return int(cur.lastrowid)

    def resume_crawl(self, crawl_id: int, pid: int | None = None) -> None:
        self._db.execute("UPDATE crawls SET status = ?, pid = ?, finished_at = NULL WHERE id = ?", (RUNNING, pid, crawl_id))
        self.commit()

    def finish_crawl(self, crawl_id: int, status: str, stats: dict[str, Any]) -> None:
        self._db.execute(
            "UPDATE crawls SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
            (utc_now(), status, json.dumps(stats, default=str, sort_keys=True), crawl_id),
        )
        self.commit()

    def set_crawl(self, crawl_id: int, *, status: str | None = None, counts: dict | None = None, gate: dict | None = None) -> None:
        for column, value in (("status", status), ("counts", counts), ("gate", gate)):
            if value is not None:
                encoded = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                self._db.execute(f"UPDATE crawls SET {column} = ? WHERE id = ?", (encoded, crawl_id))
        self.commit()

    def crawls(self, source: str | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT {', '.join(_CRAWL_KEYS)} FROM crawls"
        args: tuple[Any, ...] = ()
        if source:
            sql, args = sql + " WHERE source = ?", (source,)
        out = [dict(zip(_CRAWL_KEYS, row)) for row in self._db.execute(sql + " ORDER BY id", args)]
        for row in out:
            for key in ("stats", "counts", "gate"):
                row[key] = json.loads(row[key]) if row[key] else {}
        return out

    def crawl(self, crawl_id: int) -> dict[str, Any] | None:
        return next((c for c in self.crawls() if c["id"] == crawl_id), None)

    def last_crawl(self, source: str, statuses: tuple[str, ...], scope: str | None = None) -> dict[str, Any] | None:
        matching = [
            c for c in self.crawls(source) if c["status"] in statuses and (scope is None or c["scope"] == scope)
        ]
        return matching[-1] if matching else None

    # -- staging and publishing ---------------------------------------------

    def stage(self, listing: dict[str, Any], crawl_id: int, seen_at: str | None = None) -> str:
        """Record what a crawl found; returns "new", "changed" or "unchanged" against the published listing."""
        new_digest = digest(listing)
        self._db.execute(
            "INSERT OR REPLACE INTO staged (crawl_id, id, url, data, digest, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
            (crawl_id, listing["id"], listing.get("url"), _dumps(listing), new_digest, seen_at or utc_now()),
        )
        self._wrote()
        row = self._db.execute("SELECT digest FROM listings WHERE id = ?", (listing["id"],)).fetchone()
        return "new" if row is None else "unchanged" if row[0] == new_digest else "changed"

    def unstage(self, listing_id: str, crawl_id: int) -> None:
        """Take back what a crawl staged for `listing_id` (a bulk file's later, newer row said otherwise)."""
        self._db.execute("DELETE FROM staged WHERE crawl_id = ? AND id = ?", (crawl_id, listing_id))
        self._wrote()

    def staged_ids(self, crawl_id: int) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM staged WHERE crawl_id = ?", (crawl_id,))}

    def staged_listings(self, crawl_id: int) -> Iterator[dict[str, Any]]:
        for (data,) in self._db.execute("SELECT data FROM staged WHERE crawl_id = ? ORDER BY id", (crawl_id,)):
            yield json.loads(data)

    def publish_crawl(self, crawl_id: int, *, complete: bool, stale_days: float | None = None,
                      gone: Collection[str] = ()) -> dict[str, int]:
        """Merge a crawl's staged listings into the published ones, in one transaction.

        With `complete` (the crawl walked the whole directory), listings last
        found by a crawl of the same scope that this one did not find are marked stale, and stale listings older than
        `stale_days` are dropped. Returns the counts: found, new, changed,
        unchanged, gone (newly stale), dropped. `gone`: ids the source itself says are
        gone (a registry's deactivated NPIs), marked stale whatever the crawl's scope.
        """
        self.commit()
        source, scope = self._db.execute("SELECT source, scope FROM crawls WHERE id = ?", (crawl_id,)).fetchone()
        counts = {"found": 0, "new": 0, "changed": 0, "unchanged": 0, "gone": 0, "dropped": 0}
        now = utc_now()
        with self._db:  # one transaction: a kill leaves either all of it or none
            # What this publish is about to change, for `undo_publish` (index.records.history).
            history.record_found(self._db, crawl_id)
            for listing_id, data, new_digest, seen_at, old_digest in self._staged_pages(crawl_id):
                counts["found"] += 1
                counts[self._put(listing_id, source, data, new_digest, old_digest, seen_at, crawl_id)] += 1
            if complete:
                gone = ("source = ? AND stale_since IS NULL AND crawl_id IN (SELECT id FROM crawls WHERE scope = ?)"
                        " AND id NOT IN (SELECT id FROM staged WHERE crawl_id = ?)")
                history.record_where(self._db, crawl_id, gone, (source, scope, crawl_id), with_data=False)
                counts["gone"] = self._db.execute(
                    f"UPDATE listings SET stale_since = ? WHERE {gone}", (now, source, scope, crawl_id),
                ).rowcount
                if stale_days is not None:
                    cutoff = (datetime.now(timezone.utc) - timedelta(days=stale_days)).replace(microsecond=0).isoformat()
                    dropped = "source = ? AND stale_since IS NOT NULL AND stale_since <= ?"
                    history.record_where(self._db, crawl_id, dropped, (source, cutoff), with_data=True)
                    counts["dropped"] = self._db.execute(f"DELETE FROM listings WHERE {dropped}",
                                                         (source, cutoff)).rowcount
            if gone:
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS gone_ids (id TEXT PRIMARY KEY)")
                self._db.execute("DELETE FROM temp.gone_ids")
                self._db.executemany("INSERT OR IGNORE INTO temp.gone_ids VALUES (?)", ((i,) for i in gone))
                said = ("source = ? AND stale_since IS NULL AND id IN (SELECT id FROM temp.gone_ids)"
                        " AND id NOT IN (SELECT id FROM staged WHERE crawl_id = ?)")
                history.record_where(self._db, crawl_id, said, (source, crawl_id), with_data=False)
                counts["gone"] += self._db.execute(f"UPDATE listings SET stale_since = ? WHERE {said}",
                                                   (now, source, crawl_id)).rowcount
            self._db.execute("DELETE FROM staged WHERE crawl_id = ?", (crawl_id,))
            self._db.execute(
                "UPDATE crawls SET status = ?, counts = ? WHERE id = ?",
                (PUBLISHED, json.dumps(counts, sort_keys=True), crawl_id),
            )
            history.trim(self._db, PUBLISHED)
        self._pending = 0
        return counts

    def _staged_pages(self, crawl_id: int, size: int = 1000) -> Iterator[tuple]:
        """A crawl's staged rows beside their published digest, a page at a time (flat memory)."""
        last = ""
        while True:
            rows = self._db.execute(
                "SELECT s.id, s.data, s.digest, s.seen_at, l.digest FROM staged s"
                " LEFT JOIN listings l ON l.id = s.id WHERE s.crawl_id = ? AND s.id > ? ORDER BY s.id LIMIT ?",
                (crawl_id, last, size),
            ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def undo_publish(self, crawl_id: int) -> int:
        """Put the listings back as they were before `crawl_id` was published, in one transaction,
        and mark the crawl rolled back; returns how many listings were restored.

        Only the latest published crawl may be undone (undo goes back one
        publish at a time); raises ValueError otherwise or when its undo rows
        are no longer kept (index.records.history)."""
        self.commit()
        latest = self.last_published()
        if latest is None or latest["id"] != crawl_id:
            raise ValueError(f"crawl {crawl_id} is not the latest published crawl")
        if not history.can_undo(self._db, crawl_id):
            raise ValueError(f"crawl {crawl_id}'s changes are no longer kept")
        with self._db:
            restored = history.restore(self._db, crawl_id)
            self._db.execute("UPDATE crawls SET status = ? WHERE id = ?", (ROLLED_BACK, crawl_id))
        self._pending = 0
        return restored

    def can_undo(self, crawl_id: int) -> bool:
        return history.can_undo(self._db, crawl_id)

    def last_published(self) -> dict[str, Any] | None:
        """The latest published crawl of any source (what the store's listings last changed by)."""
        row = self._db.execute("SELECT id FROM crawls WHERE status = ? ORDER BY id DESC LIMIT 1", (PUBLISHED,)).fetchone()
        return self.crawl(row[0]) if row else None

    def log(self, action: str, crawl_id: int | None = None, generation: int | None = None,
            detail: str | None = None) -> None:
        """Add a line to the history `knead status` shows (index.records.history)."""
        history.log(self._db, utc_now(), action, crawl_id, generation, detail)
        self.commit()

    def history(self, limit: int = 10) -> list[dict[str, Any]]:
        return history.events(self._db, limit)

    # -- published listings -------------------------------------------------

    def upsert(self, listing: dict[str, Any], crawl_id: int | None = None, seen_at: str | None = None) -> str:
        """Write one listing straight into the published set (imports, tests); "new"/"changed"/"unchanged"."""
        row = self._db.execute("SELECT digest FROM listings WHERE id = ?", (listing["id"],)).fetchone()
        outcome = self._put(listing["id"], listing["source"], _dumps(listing), digest(listing),
                            row[0] if row else None, seen_at or utc_now(), crawl_id)
        self._wrote()
        return outcome

    def _put(self, listing_id: str, source: str, data: str, new_digest: str, old_digest: str | None,
             seen_at: str, crawl_id: int | None) -> str:
        """Write one listing as found at `seen_at`: "new", "changed" or "unchanged" (only its
        last sighting is recorded, and it is no longer stale)."""
        if old_digest is None:
            self._db.execute(
                "INSERT INTO listings (id, source, data, digest, first_seen, last_seen, crawl_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (listing_id, source, data, new_digest, seen_at, seen_at, crawl_id),
            )
            return "new"
        if old_digest == new_digest:
            self._db.execute(
                "UPDATE listings SET last_seen = ?, crawl_id = ?, stale_since = NULL WHERE id = ?",
                (seen_at, crawl_id, listing_id),
            )
            return "unchanged"
        self._db.execute(
            "UPDATE listings SET data = ?, digest = ?, last_seen = ?, crawl_id = ?, stale_since = NULL WHERE id = ?",
            (data, new_digest, seen_at, crawl_id, listing_id),
        )
        return "changed"

    def listings(self, source: str | None = None, *, include_stale: bool = True) -> Iterator[dict[str, Any]]:
        """Every published listing as a dict, ordered by id, with `first_seen`, `last_seen`,
        `stale` and `stale_since` added."""
        sql = "SELECT data, first_seen, last_seen, stale_since FROM listings"
        where, args = [], []
        if source:
            where.append("source = ?")
            args.append(source)
        if not include_stale:
            where.append("stale_since IS NULL")
        if where:
            sql += " WHERE " + " AND ".join(where)
        for data, first_seen, last_seen, stale_since in self._db.execute(sql + " ORDER BY id", args):
            listing = orjson.loads(data)
            listing["first_seen"] = first_seen
            listing["last_seen"] = last_seen
            listing["stale"] = stale_since is not None
            listing["stale_since"] = stale_since
            yield listing

    def packed_listings(self) -> PackedListings:
        """Every published listing, as `listings()` gives them, held as its JSON bytes and decoded
        at each access (index.records.packed): what the merge reads, in a fifth of the memory."""
        packed = PackedListings()
        add = packed.append
        for row in self._db.execute(
                "SELECT CAST(data AS BLOB), first_seen, last_seen, stale_since FROM listings ORDER BY id"):
            add(*row)
        return packed

    def count(self, source: str | None = None, *, include_stale: bool = True) -> int:
        sql, args = "SELECT COUNT(*) FROM listings WHERE 1=1", []
        if source:
            sql += " AND source = ?"
            args.append(source)
        if not include_stale:
            sql += " AND stale_since IS NULL"
        return self._db.execute(sql, args).fetchone()[0]

    # -- one listing, for `knead show` ----------------------------------------

    _ONE = "SELECT data, first_seen, last_seen, stale_since FROM listings"

    @staticmethod
    def _with_seen(row: tuple) -> dict[str, Any]:
        data, first_seen, last_seen, stale_since = row
        listing = orjson.loads(data)
        listing.update(first_seen=first_seen, last_seen=last_seen, stale=stale_since is not None,
                       stale_since=stale_since)
        return listing

    def listing(self, listing_id: str) -> dict[str, Any] | None:
        """The published listing `listing_id` as `listings()` gives it, or None."""
        row = self._db.execute(self._ONE + " WHERE id = ?", (listing_id,)).fetchone()
        return self._with_seen(row) if row else None

    def listings_at_url(self, url: str) -> list[dict[str, Any]]:
        """The published listings whose profile URL is `url`, compared by path and query
        (the host and port a page was reached by do not count, as in `digest`)."""
        wanted = urlsplit(url.strip())
        tail = wanted.path + ("?" + wanted.query if wanted.query else "")
        if not tail.strip("/"):
            return []
        pattern = "%" + tail.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.execute(self._ONE + " WHERE json_extract(data, '$.url') LIKE ? ESCAPE '\\' ORDER BY id",
                                (pattern,))
        found = [self._with_seen(row) for row in rows]
        return [x for x in found if (urlsplit(x["url"]).path, urlsplit(x["url"]).query) == (wanted.path, wanted.query)]

    def ids_with_key(self, key: str) -> list[str]:
        """The ids `<source>:<key>` of published listings: an id typed without its source."""
        return [row[0] for row in self._db.execute(
            "SELECT id FROM listings WHERE substr(id, instr(id, ':') + 1) = ? ORDER BY id", (key,))]

    def listing_ids(self) -> list[str]:
        """Every published listing's id (for "did you mean" on an unknown one)."""
        return [row[0] for row in self._db.execute("SELECT id FROM listings ORDER BY id")]

    # -- the merge's assignment (index.records.clusters) -----------------------

    def assignment(self) -> dict[str, str]:
        """Every listing id the last merge saw -> the id of its result."""
        return clusters.assignment(self._db)

    def replace_assignment(self, mapping: dict[str, str]) -> None:
        """Save a merge's whole assignment in one transaction."""
        self.commit()
        with self._db:
            clusters.replace(self._db, mapping)

    def result_of(self, listing_id: str) -> str:
        """The id of the result `listing_id` belongs to (its own id when it was never merged)."""
        return clusters.result_of(self._db, listing_id) or listing_id

    def members(self, result_id: str) -> list[dict[str, Any]]:
        """The published listings of one result, as `listings()` gives them, by id."""
        found = (self.listing(i) for i in clusters.member_ids(self._db, result_id))
        return [x for x in found if x is not None]

    def merged_counts(self) -> dict[str, dict[str, int]]:
        """Per source: current listings, and those merged with another source's into one result."""
        return clusters.merged_counts(self._db)


def _dumps(listing: dict[str, Any]) -> str:
    # orjson, ~8x json.dumps (a bulk import stores 30,000 listings a file); what is not JSON
    # (a date, a dataclass) is written as its str(), as json.dumps(default=str) did.
    return orjson.dumps(listing, default=str, option=_DUMPS_OPTIONS).decode("utf-8")


_DUMPS_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                  | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)

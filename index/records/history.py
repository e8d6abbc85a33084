"""What each publish changed in the store of record, so `knead rollback` can undo it, and a log.

A publish rewrites many listings at once (new, changed, seen again, newly
stale, dropped). Before it does, `record_*` copy the prior state of every row
it is about to touch into `undo`, keyed by the publishing crawl, inside the
same transaction; `restore` puts those rows back, again in one transaction, so
the listings are exactly what they were before that publish. Only the last
`KEEP_PUBLISHES` publishes keep their undo rows (`trim`): undo is for a bad
publish noticed soon, not an archive.

To stay small, a row whose content did not change (seen again, or newly
stale) keeps only its dates and crawl id (`data` NULL); a row that was new
keeps nothing but its id (`digest` NULL: delete it on undo).

`history` is the log `knead status` shows: one line per publish, rollback
and reindex, with the index generation it led to.
"""

from __future__ import annotations

import sqlite3
from typing import Any

KEEP_PUBLISHES = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS undo (
    crawl_id    INTEGER NOT NULL,
    id          TEXT NOT NULL,
    source      TEXT,
    data        TEXT,
    digest      TEXT,
    first_seen  TEXT,
    last_seen   TEXT,
    prior_crawl INTEGER,
    stale_since TEXT,
    PRIMARY KEY (crawl_id, id)
);
CREATE TABLE IF NOT EXISTS history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    action     TEXT NOT NULL,
    crawl_id   INTEGER,
    generation INTEGER,
    detail     TEXT
);
"""

PUBLISHED, ROLLED_BACK, REINDEXED = "published", "rolled back", "reindexed"

_PRIOR = "l.id, l.source, {data}, l.digest, l.first_seen, l.last_seen, l.crawl_id, l.stale_since"
_INSERT = ("INSERT INTO undo (crawl_id, id, source, data, digest, first_seen, last_seen, prior_crawl, stale_since) ")


def record_found(db: sqlite3.Connection, crawl_id: int) -> None:
    """Before a crawl's staged listings are merged: the prior row of each (data only if it changes)."""
    db.execute(
        _INSERT + f"SELECT ?, {_PRIOR.format(data='CASE WHEN l.digest = s.digest THEN NULL ELSE l.data END')}"
        " FROM staged s JOIN listings l ON l.id = s.id WHERE s.crawl_id = ?",
        (crawl_id, crawl_id),
    )
    db.execute(
        _INSERT + "SELECT ?, s.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
        " FROM staged s LEFT JOIN listings l ON l.id = s.id WHERE s.crawl_id = ? AND l.id IS NULL",
        (crawl_id, crawl_id),
    )


def record_where(db: sqlite3.Connection, crawl_id: int, where: str, args: tuple, *, with_data: bool) -> None:
    """Before an UPDATE or DELETE of `listings l WHERE <where>`: the prior rows.

    A row already recorded by this publish keeps its first (true prior)
    state; a DELETE adds the content, which the earlier step did not change."""
    db.execute(
        _INSERT + f"SELECT ?, {_PRIOR.format(data='l.data' if with_data else 'NULL')} FROM listings l WHERE {where}"
        " ON CONFLICT (crawl_id, id) DO UPDATE SET data = COALESCE(undo.data, excluded.data)",
        (crawl_id, *args),
    )


def can_undo(db: sqlite3.Connection, crawl_id: int) -> bool:
    return db.execute("SELECT 1 FROM undo WHERE crawl_id = ? LIMIT 1", (crawl_id,)).fetchone() is not None


def restore(db: sqlite3.Connection, crawl_id: int) -> int:
    """Put back the rows `crawl_id`'s publish touched (call inside a transaction); returns how many."""
    touched = db.execute("SELECT COUNT(*) FROM undo WHERE crawl_id = ?", (crawl_id,)).fetchone()[0]
    db.execute("DELETE FROM listings WHERE id IN (SELECT id FROM undo WHERE crawl_id = ? AND digest IS NULL)",
               (crawl_id,))
    db.execute(
        "UPDATE listings SET first_seen = u.first_seen, last_seen = u.last_seen, crawl_id = u.prior_crawl,"
        " stale_since = u.stale_since FROM undo u"
        " WHERE u.crawl_id = ? AND u.id = listings.id AND u.data IS NULL AND u.digest IS NOT NULL",
        (crawl_id,),
    )
    db.execute(
        "INSERT OR REPLACE INTO listings (id, source, data, digest, first_seen, last_seen, crawl_id, stale_since)"
        " SELECT id, source, data, digest, first_seen, last_seen, prior_crawl, stale_since FROM undo"
        " WHERE crawl_id = ? AND data IS NOT NULL",
        (crawl_id,),
    )
    db.execute("DELETE FROM undo WHERE crawl_id = ?", (crawl_id,))
    return touched


def trim(db: sqlite3.Connection, published_status: str) -> None:
    """Keep undo rows for the last KEEP_PUBLISHES published crawls only."""
    db.execute(
        "DELETE FROM undo WHERE crawl_id NOT IN"
        " (SELECT id FROM crawls WHERE status = ? ORDER BY id DESC LIMIT ?)",
        (published_status, KEEP_PUBLISHES),
    )


def log(db: sqlite3.Connection, at: str, action: str, crawl_id: int | None = None,
        generation: int | None = None, detail: str | None = None) -> None:
    db.execute("INSERT INTO history (at, action, crawl_id, generation, detail) VALUES (?, ?, ?, ?, ?)",
               (at, action, crawl_id, generation, detail))


def events(db: sqlite3.Connection, limit: int = 10) -> list[dict[str, Any]]:
    """The latest `limit` entries of the log, oldest first."""
    keys = ("at", "action", "crawl_id", "generation", "detail")
    rows = db.execute(f"SELECT {', '.join(keys)} FROM history ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [dict(zip(keys, row)) for row in reversed(rows)]

"""Which result each listing belongs to: the merge's assignment, kept in the store of record.

The merge (index.merge, run by index.records.publish) groups listings that are
the same therapist or practice into one result, whose id is one member's id.
The assignment it returns (every listing id -> its result id) is saved here,
whole, in one transaction, and handed back to the next merge as `previous`,
so a recrawl or a new source does not renumber therapists (issue 15).

Readers that never merge use it too: `knead show` resolves any member's id to
its result, `knead export --unmerged` lists a result's members, and
`knead status` counts per source the listings merged with another source's.

Table `clusters`: `id` (a listing id) -> `result_id`. A listing the last merge
did not see (stored later with `--no-index`) has no row: it is its own result.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

SCHEMA = """
CREATE TABLE IF NOT EXISTS clusters (
    id        TEXT PRIMARY KEY,
    result_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clusters_result ON clusters (result_id);
"""

# A listing's source family, as the merge counts sources: "roster:tx" -> "roster".
_FAMILY = "CASE WHEN instr({col}, ':') > 0 THEN substr({col}, 1, instr({col}, ':') - 1) ELSE {col} END"


def assignment(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT id, result_id FROM clusters"))


def replace(db: sqlite3.Connection, mapping: Mapping[str, str]) -> None:
    """Replace the whole assignment (call inside a transaction: readers see the old or the new one)."""
    db.execute("DELETE FROM clusters")
    db.executemany("INSERT INTO clusters (id, result_id) VALUES (?, ?)", mapping.items())


def result_of(db: sqlite3.Connection, listing_id: str) -> str | None:
    row = db.execute("SELECT result_id FROM clusters WHERE id = ?", (listing_id,)).fetchone()
    return row[0] if row else None


def member_ids(db: sqlite3.Connection, result_id: str) -> list[str]:
    """The listing ids of a result (the result's own id alone when the last merge did not see it)."""
    ids = [row[0] for row in db.execute("SELECT id FROM clusters WHERE result_id = ? ORDER BY id", (result_id,))]
    return ids or [result_id]


def merged_counts(db: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Per source (the crawl's, as `knead status` lists them): current listings, and how many of
    them are merged with a listing of another source into one result."""
    family = _FAMILY.format(col="l.source")
    rows = db.execute(
        f"WITH members AS (SELECT l.source AS source, {family} AS family, c.result_id AS result_id"
        "  FROM listings l JOIN clusters c ON c.id = l.id WHERE l.stale_since IS NULL),"
        " shared AS (SELECT result_id FROM members GROUP BY result_id HAVING COUNT(DISTINCT family) > 1)"
        " SELECT source, COUNT(*), SUM(result_id IN (SELECT result_id FROM shared)) FROM members GROUP BY source"
    )
    return {source: {"listings": n, "merged": merged or 0} for source, n, merged in rows}

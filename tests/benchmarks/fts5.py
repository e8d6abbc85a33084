"""The reference: the same listings and query set through SQLite FTS5 (standard library).

A plain, reasonable FTS5 design, not a straw man: one contentless FTS5 table
over exactly the results knead indexes (`indexed_listings`: the served
generation's stored listings, the merged results, in its document order) and
exactly the text knead searches (`index.search.document.to_document`'s text
field plus `document.vocabulary_text`, the spellings of the listing's ids
that knead matches at query time through `index.search.synonyms`; porter stemming,
positions kept for phrases), a `listings` table with the listing JSON and the filter columns (lat/lon indexed for a bounding box),
a `facet` table (kind, value, listing) indexed for filters and facet counts,
and, for `--near`, the same ZIP cache knead's search reads
(`index.geo.ziptable.CachedLookup`). Rows are inserted in knead's name order.

A search does the same work as knead's: every match (total), facet counts
over all matches, exact great-circle distance for `--near`, one page of
listings sorted by relevance (bm25), distance or name.

    python -m tests.benchmarks.fts5 build --data-dir DIR         # from DIR's store of record
    python -m tests.benchmarks.fts5 search --data-dir DIR [QUERY] [--technique T] [--near ZIP] ...

When no listing matches every word, knead shows the listings that match
some ("relaxed", index.search.engine); both references do the same
(`relaxed_expression`), so all three answer the same question.

`search` is the whole-process reference for `knead search` (JSON output).
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import re
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

DB_NAME = "fts5-reference.sqlite3"
EARTH_RADIUS_MILES = 3958.7613
MILES_PER_DEGREE_LAT = 69.0934


def db_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / DB_NAME


def build(data_dir: str | Path) -> dict:
    """Build the reference database from what knead's served index under `data_dir` holds."""
    from index.search import document

    started = time.perf_counter()
    path = db_path(data_dir)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript("""
        PRAGMA journal_mode=OFF;
        PRAGMA synchronous=OFF;
        CREATE TABLE listings (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, data TEXT, lat REAL, lon REAL,
                               state TEXT, accepts INTEGER);
        CREATE VIRTUAL TABLE fts USING fts5(text, content='', tokenize='porter unicode61');
        CREATE TABLE facet (kind TEXT, value TEXT, listing INTEGER);
    """)
    ordered = list(indexed_listings(data_dir))
    with conn:
        for rowid, listing in enumerate(ordered, 1):
            doc = document.to_document(listing)
            conn.execute("INSERT INTO listings VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (rowid, listing["id"], document.dumps(listing).decode(), listing["lat"], listing["lon"], listing["state"],
                          int(doc["accepts_insurance"] == "yes")))
            text = "\n".join(filter(None, (doc["text"], document.vocabulary_text(listing))))
            conn.execute("INSERT INTO fts (rowid, text) VALUES (?, ?)", (rowid, text))
            conn.executemany("INSERT INTO facet VALUES (?, ?, ?)",
                             [("t", t, rowid) for t in listing["techniques"]]
                             + [("i", i, rowid) for i in listing["insurance"]])
        conn.executescript("""
            CREATE INDEX facet_value ON facet (kind, value, listing);
            CREATE INDEX facet_listing ON facet (listing);
            CREATE INDEX listings_lat ON listings (lat, lon);
            CREATE INDEX listings_state ON listings (state);
        """)
        conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    seconds = time.perf_counter() - started
    conn.close()
    return {"docs": len(ordered), "seconds": seconds}


def indexed_listings(data_dir: str | Path):
    """The listings knead's served generation under `data_dir` holds (the merged results, cleaned),
    in its document (name) order, stale ones left out: knead hides them unless asked
    (`--include-stale`, which the harness never asks). Read once, at build, through
    the generation's own reader (index.search.served), so every engine indexes the same results."""
    from index.records.datadir import DataDir
    from index.search.served import open_generation

    generation = open_generation(DataDir.resolve(str(data_dir)).index_root)
    count = generation.meta["doc_count"]
    for start in range(0, count, 5000):
        for listing in generation.listings(range(start, min(start + 5000, count))):
            if not listing.get("stale"):
                yield listing


def match_parts(text: str) -> list[str]:
    """Query text -> its FTS5 parts: quoted phrases kept, every other word quoted."""
    parts = []
    for phrase, word in re.findall(r'"([^"]*)"|(\w+)', text):
        words = re.findall(r"\w+", phrase) if phrase else [word]
        if words and word not in ("AND", "OR", "NOT"):
            parts.append('"' + " ".join(words) + '"')
    return parts


def match_expression(text: str) -> str | None:
    """Query text -> an FTS5 expression, every part AND'ed."""
    return " ".join(match_parts(text)) or None


def relaxed_expression(conn: sqlite3.Connection, text: str | None, fts_table: str = "fts") -> str | None:
    """The OR'ed expression to search when no listing matched every part, as knead relaxes
    (index.search.engine): only for two parts or more, and never when a part matches no
    listing at all (knead then answers nothing, and suggests spellings)."""
    parts = match_parts(text) if text else []
    if len(parts) < 2:
        return None
    for part in parts:
        if conn.execute(f"SELECT 1 FROM {fts_table} WHERE {fts_table} MATCH ? LIMIT 1", (part,)).fetchone() is None:
            return None
    return " OR ".join(parts)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def relaxing(search_expression):
    """A reference's `search(conn, query, ...)` from its `search_expression(conn, expression, ...)`
    (an FTS5 expression or None), relaxed as knead relaxes: when nothing matches every word
    under the filters (the radius aside: knead draws it after matching), the words OR'ed."""

    def search(conn: sqlite3.Connection, query: str | None = None, *args, **kw) -> dict:
        expression = match_expression(query) if query else None
        result = search_expression(conn, expression, *args, **kw)
        if result["total"] or expression is None:
            return result
        relaxed = relaxed_expression(conn, query)
        if relaxed is None:
            return result
        if kw.get("near") is not None and search_expression(conn, expression, *args, **{**kw, "near": None})["total"]:
            return result  # every word matched, only outside the radius: not relaxed
        return {**search_expression(conn, relaxed, *args, **kw), "relaxed": True}

    search.__doc__ = search_expression.__doc__
    return search


def search_expression(conn: sqlite3.Connection, expression: str | None = None, techniques=(), insurance=(),
                      accepts_insurance: bool = False, near: tuple[float, float] | None = None, radius: float = 25.0,
                      state: str | None = None, sort: str | None = None, limit: int = 20) -> dict:
    """Total, facets and one page of listings: the same answer shape as knead's search."""
    select, joins, where, args = ["l.rowid", "l.lat", "l.lon"], [], [], []
    if expression:
        select.append("f.score")
        joins.append("JOIN (SELECT rowid, bm25(fts) AS score FROM fts WHERE fts MATCH ?) f ON f.rowid = l.rowid")
        args.append(expression)
    for kind, values in (("t", techniques), ("i", insurance)):
        if values:
            where.append(f"l.rowid IN (SELECT listing FROM facet WHERE kind = ? AND value IN ({','.join('?' * len(values))}))")
            args += [kind, *values]
    if accepts_insurance:
        where.append("l.accepts = 1")
    if state:
        where.append("l.state = ?")
        args.append(state)
    if near is not None:
        dlat = radius / MILES_PER_DEGREE_LAT
        dlon = radius / (MILES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(abs(near[0]) + dlat))))
        where.append("l.lat BETWEEN ? AND ? AND l.lon BETWEEN ? AND ?")
        args += [near[0] - dlat, near[0] + dlat, near[1] - dlon, near[1] + dlon]
    sql = f"SELECT {', '.join(select)} FROM listings l {' '.join(joins)}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql, args).fetchall()
    distances = {}
    if near is not None:
        kept = []
        for row in rows:
            d = haversine(near[0], near[1], row[1], row[2])
            if d <= radius:
                distances[row[0]] = d
                kept.append(row)
        rows = kept
    sort = sort or ("relevance" if expression else "distance" if near is not None else "name")
    if sort == "relevance":
        page = heapq.nsmallest(limit, rows, key=lambda r: (r[3], r[0]))
    elif sort == "distance":
        page = heapq.nsmallest(limit, rows, key=lambda r: (distances[r[0]], r[0]))
    else:
        page = heapq.nsmallest(limit, rows, key=lambda r: r[0])
    ids = [r[0] for r in page]
    data = dict(conn.execute(f"SELECT rowid, data FROM listings WHERE rowid IN ({','.join('?' * len(ids))})", ids))
    results = []
    for r in page:
        listing = json.loads(data[r[0]])
        listing["score"] = -r[3] if expression else None
        if near is not None:
            listing["distance_miles"] = round(distances[r[0]], 2)
        results.append(listing)
    if expression or where:
        counts = conn.execute("SELECT kind, value, COUNT(*) FROM facet WHERE listing IN"
                              " (SELECT value FROM json_each(?)) GROUP BY kind, value",
                              (json.dumps([r[0] for r in rows]),)).fetchall()
    else:
        counts = conn.execute("SELECT kind, value, COUNT(*) FROM facet GROUP BY kind, value").fetchall()
    facets = {"techniques": Counter(), "insurance": Counter()}
    for kind, value, n in counts:
        facets["techniques" if kind == "t" else "insurance"][value] = n
    return {"total": len(rows), "results": results,
            "facets": {k: dict(c.most_common()) for k, c in facets.items()}}


search = relaxing(search_expression)


def connect(data_dir: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path(data_dir)}?mode=ro", uri=True)


def command_line(doc: str, build, connect, search, extra=None):
    """A reference's command line (`build`, `search`, and `extra`: {command: function of the data dir
    returning JSON-able lines}); the strong reference (tests.benchmarks.sqlite_strong) shares it."""

    def main(argv: list[str] | None = None) -> None:
        parser = argparse.ArgumentParser(description=doc.split("\n")[0])
        sub = parser.add_subparsers(dest="command", required=True)
        for command in ("build", *(extra or {})):
            sub.add_parser(command).add_argument("--data-dir", required=True)
        s = sub.add_parser("search")
        s.add_argument("--data-dir", required=True)
        s.add_argument("query", nargs="?")
        s.add_argument("--technique", action="append", default=[])
        s.add_argument("--insurance", action="append", default=[])
        s.add_argument("--accepts-insurance", action="store_true")
        s.add_argument("--near")
        s.add_argument("--radius", type=float, default=25.0)
        s.add_argument("--state")
        s.add_argument("--sort", choices=("relevance", "distance", "name"))
        args = parser.parse_args(argv)
        if args.command == "build":
            print(json.dumps(build(args.data_dir)))
            return
        if args.command in (extra or {}):
            for entry in extra[args.command](args.data_dir):
                print(json.dumps(entry))
            return
        conn = connect(args.data_dir)
        near = None
        if args.near:
            from index.geo.ziptable import CachedLookup

            info = CachedLookup(args.data_dir).zip_info(args.near)
            if info is None:
                sys.exit(f"ZIP code '{args.near}' does not exist.")
            near = (info.lat, info.lon)
        from index.model import vocabulary

        # As knead's --technique: acupressure includes shiatsu (tests.benchmarks.queries.prepare).
        techniques = tuple(t for tech in args.technique for t in vocabulary.expand_technique(tech))
        result = search(conn, args.query, techniques, tuple(args.insurance), args.accepts_insurance, near,
                        args.radius, args.state, args.sort)
        sys.stdout.write(json.dumps({"query": args.query, **result}, ensure_ascii=False, indent=2) + "\n")

    return main


main = command_line(__doc__, build, connect, search)


if __name__ == "__main__":
    main()

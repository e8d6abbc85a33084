"""The strong reference: what a good engineer builds with the standard library's SQLite alone (issue 17).

The same results (those knead's served generation holds: `fts5.indexed_listings`),
the same indexed text and the same answers as knead (total, facet counts
over every match, exact great-circle distances, one page of 20 by
relevance, distance or name; the words OR'ed when none matches them all:
`fts5.relaxing`); `tests.benchmarks.fts5`, the first reference, stays as
history. Rows are inserted in knead's name order, so rowid order is
name order.

- `fts`: contentless FTS5 over exactly the text `fts5.py` indexes (knead's
  text field plus `document.vocabulary_text`), porter stemming, positions
  for phrases; ranked by `bm25`.
- `listing`: ONE narrow row per listing with every filter column: technique
  and insurance ids as bitmask INTEGERs (bits numbered once, at build, kept
  in `bit`; a filter is `tech & ? != 0`), state, accepts insurance, lat/lon.
  The listing JSON lives apart in `doc`, read only for the page, so scans of
  `listing` stay small. `listing_state` (state, tech, ins) covers a state
  filter and its facets.
- `geo`: an R*Tree of the points for the `--near` bounding box; the exact
  distance (the haversine term in SQL, SQLite's math functions) decides.
  Measured at 100,000 listings (10001, 25 miles, thread CPU): 41 ms with the
  term in SQL, 43 ms fetching lat/lon and computing it in Python.
- One statement per search yields every match (rowid, masks, bm25 and the
  distance term when asked for), so MATCH runs once; total, facets and the
  page (`heapq`, ties in name order) come from its rows; only the page's
  JSON is read afterwards.
- Facet counts: one pass in Python over the matched masks (`_bit_counts`).
  Measured at 100,000 listings, every row matching (thread CPU): in SQL
  (`sum(tech >> b & 1)` for each of the 45 bits, one row out, no fetch)
  184 ms; fetching the rows (55-68 ms, and the page needs them anyway) and
  counting in Python (~45 ms) ~110 ms. Grouping by mask in SQL first does
  not help: 49,440 distinct technique masks.

The plans (`python -m tests.benchmarks.sqlite_strong plan --data-dir DIR`,
SQLite 3.40.1, at 100,000 listings):

- text, text+filters, text+near: `SCAN fts VIRTUAL TABLE INDEX 0:M1` then
  `SEARCH l USING INTEGER PRIMARY KEY (rowid=?)`: the match drives (CROSS
  JOIN), once; filters and the lat/lon box are tests on the joined row.
- near without text: `SCAN geo VIRTUAL TABLE INDEX 2:D1B0D3B2` (the R*Tree
  box) then `SEARCH l USING INTEGER PRIMARY KEY (rowid=?)`.
- filters without text, and everything: `SCAN l` (narrow rows, masks tested
  in the scan); a state: `SEARCH l USING COVERING INDEX listing_state (state=?)`.
- the page: `SEARCH doc USING INTEGER PRIMARY KEY (rowid=?)`.

    python -m tests.benchmarks.sqlite_strong build --data-dir DIR
    python -m tests.benchmarks.sqlite_strong search --data-dir DIR [QUERY] [--technique T] [--near ZIP] ...
    python -m tests.benchmarks.sqlite_strong plan --data-dir DIR     # EXPLAIN QUERY PLAN per query

`search` is the whole-process reference for `knead search` (JSON output).
"""

from __future__ import annotations

import heapq
import json
import math
import sqlite3
import time
from bisect import bisect_left
from collections import Counter
from itertools import repeat
from operator import and_, itemgetter, rshift
from pathlib import Path

from tests.benchmarks.fts5 import (
    EARTH_RADIUS_MILES,
    MILES_PER_DEGREE_LAT,
    command_line,
    indexed_listings,
    match_expression,
    relaxing,
)

DB_NAME = "sqlite-strong-reference.sqlite3"
# knead ranks --near text matches by these bands first (index.search.engine.DISTANCE_BANDS).
DISTANCE_BANDS = (2.0, 5.0, 10.0, 25.0)
KINDS = {"t": "techniques", "i": "insurance"}

SCHEMA = """
    PRAGMA journal_mode=OFF;
    PRAGMA synchronous=OFF;
    CREATE TABLE listing (rowid INTEGER PRIMARY KEY, state TEXT, accepts INTEGER NOT NULL,
                          tech INTEGER NOT NULL, ins INTEGER NOT NULL, lat REAL, lon REAL);
    CREATE TABLE doc (rowid INTEGER PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE bit (kind TEXT, id TEXT, bit INTEGER, PRIMARY KEY (kind, id)) WITHOUT ROWID;
    CREATE VIRTUAL TABLE fts USING fts5(text, content='', tokenize='porter unicode61');
    CREATE VIRTUAL TABLE geo USING rtree(id, min_lat, max_lat, min_lon, max_lon);
"""


def db_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / DB_NAME


def _mask(bit_of: dict[str, int], ids) -> int:
    m = 0
    for term_id in ids:
        if term_id in bit_of:
            m |= 1 << bit_of[term_id]
    return m


def build(data_dir: str | Path) -> dict:
    """Build the reference database from what knead's served index under `data_dir` holds."""
    from index.model import vocabulary
    from index.search import document

    started = time.perf_counter()
    bits = {"t": {t: n for n, t in enumerate(vocabulary.TECHNIQUES)},
            "i": {i: n for n, i in enumerate(vocabulary.INSURANCES)}}
    if max(len(b) for b in bits.values()) > 63:
        raise SystemExit("more than 63 ids in a vocabulary: a mask needs a second column")
    path = db_path(data_dir)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    ordered = list(indexed_listings(data_dir))
    with conn:
        conn.executemany("INSERT INTO bit VALUES (?, ?, ?)", [(k, i, n) for k, b in bits.items() for i, n in b.items()])
        for rowid, listing in enumerate(ordered, 1):
            lat, lon = listing["lat"], listing["lon"]
            conn.execute("INSERT INTO listing VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (rowid, listing["state"], int(document.accepts_insurance(listing)),
                          _mask(bits["t"], listing["techniques"]), _mask(bits["i"], listing["insurance"]), lat, lon))
            conn.execute("INSERT INTO doc VALUES (?, ?)", (rowid, document.dumps(listing).decode()))
            text = "\n".join(filter(None, (document.to_document(listing)["text"], document.vocabulary_text(listing))))
            conn.execute("INSERT INTO fts (rowid, text) VALUES (?, ?)", (rowid, text))
            if lat is not None and lon is not None:
                conn.execute("INSERT INTO geo VALUES (?, ?, ?, ?, ?)", (rowid, lat, lat, lon, lon))
        conn.execute("CREATE INDEX listing_state ON listing (state, tech, ins)")
        conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    conn.execute("ANALYZE")
    seconds = time.perf_counter() - started
    conn.close()
    return {"docs": len(ordered), "seconds": seconds}


def connect(data_dir: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path(data_dir)}?mode=ro", uri=True)


_BITS: dict[int, dict[str, dict[str, int]]] = {}


def bits_of(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """kind ("t"/"i") -> id -> bit, as numbered at build (read once per connection)."""
    if id(conn) not in _BITS:
        bits: dict[str, dict[str, int]] = {"t": {}, "i": {}}
        for kind, term_id, n in conn.execute("SELECT kind, id, bit FROM bit"):
            bits[kind][term_id] = n
        _BITS[id(conn)] = bits
    return _BITS[id(conn)]


def _term_sql(near: tuple[float, float]) -> tuple[str, list[float]]:
    """The haversine term `a` of l's point as an SQL expression (distance grows with it) and its arguments."""
    rad = math.pi / 180
    p1 = near[0] * rad
    return ("pow(sin((l.lat * ? - ?) / 2), 2) + ? * cos(l.lat * ?) * pow(sin((l.lon - ?) * ? / 2), 2)",
            [rad, p1, math.cos(p1), rad, near[1], rad])


def _miles(a: float) -> float:
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def _bound(miles: float) -> float:
    """The largest haversine term of a point within `miles`."""
    return math.sin(min(math.pi / 2, miles / (2 * EARTH_RADIUS_MILES))) ** 2


def statement(conn: sqlite3.Connection, expression: str | None = None, techniques=(), insurance=(),
              accepts_insurance: bool = False, near: tuple[float, float] | None = None, radius: float = 25.0,
              state: str | None = None) -> tuple[str, list]:
    """The one statement yielding every match of the FTS5 `expression` (tests.benchmarks.fts5):
    rowid, tech, ins, then bm25 (with text), then the haversine term (with `near`): only the
    columns the search needs (each costs a Python object a row)."""
    bits = bits_of(conn)
    where: list[str] = []
    args: list = []
    if expression:
        # The match drives: left to itself, the planner may put fts in the inner
        # loop and re-run MATCH for every listing row.
        source, select = "fts CROSS JOIN listing l ON l.rowid = fts.rowid", ["bm25(fts)"]
        where.append("fts MATCH ?")
        args.append(expression)
    elif near is not None:
        source, select = "geo CROSS JOIN listing l ON l.rowid = geo.id", []
    else:
        source, select = "listing l", []
    for column, kind, ids in (("tech", "t", techniques), ("ins", "i", insurance)):
        if ids:
            where.append(f"(l.{column} & ?) != 0")
            args.append(_mask(bits[kind], ids))
    if accepts_insurance:
        where.append("l.accepts = 1")
    if state:
        where.append("l.state = ?")
        args.append(state)
    if near is not None:
        dlat = radius / MILES_PER_DEGREE_LAT
        dlon = radius / (MILES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(abs(near[0]) + dlat))))
        box = [near[0] - dlat, near[0] + dlat, near[1] - dlon, near[1] + dlon]
        if expression:
            where.append("l.lat BETWEEN ? AND ? AND l.lon BETWEEN ? AND ?")
            args += box
        else:
            where.append("geo.max_lat >= ? AND geo.min_lat <= ? AND geo.max_lon >= ? AND geo.min_lon <= ?")
            args += [box[0], box[1], box[2], box[3]]
        term, term_args = _term_sql(near)
        where.append(f"{term} <= ?")
        args += term_args + [_bound(radius) * (1 + 1e-12)]
        args = term_args + args  # the SELECT list's copy of the term comes first
        select.append(term)
    sql = f"SELECT {', '.join(['l.rowid', 'l.tech', 'l.ins', *select])} FROM {source}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, args


def _bit_counts(masks: list[int], width: int) -> list[int]:
    """How many of `masks` have each bit set (bits below `width`).

    By 16-bit slices: shifting, masking and counting each slice's values run
    in C (`map`, `Counter`), leaving Python only the distinct values of a
    slice; at 100,000 listings the technique masks have ~50,000 distinct
    values, so expanding the whole masks one by one cost twice as much.
    """
    per_bit = [0] * width
    for shift in range(0, width, 16):
        values = map(and_, map(rshift, masks, repeat(shift)), repeat(0xFFFF)) if shift else map(and_, masks, repeat(0xFFFF))
        for value, n in Counter(values).items():
            while value:
                low = value & -value
                per_bit[shift + low.bit_length() - 1] += n
                value ^= low
    return per_bit


def facet_counts(conn: sqlite3.Connection, techs: list[int], insurances: list[int]) -> dict[str, dict[str, int]]:
    """Facet counts over the matched rows' masks, most first (ties by id), as knead gives them."""
    out = {}
    for kind, masks in (("t", techs), ("i", insurances)):
        bit_of = bits_of(conn)[kind]
        per_bit = _bit_counts(masks, max(bit_of.values(), default=-1) + 1)
        counts = sorted(((-per_bit[b], term_id) for term_id, b in bit_of.items() if per_bit[b]))
        out[KINDS[kind]] = {term_id: -negative for negative, term_id in counts}
    return out


def search_expression(conn: sqlite3.Connection, expression: str | None = None, techniques=(), insurance=(),
                      accepts_insurance: bool = False, near: tuple[float, float] | None = None, radius: float = 25.0,
                      state: str | None = None, sort: str | None = None, limit: int = 20) -> dict:
    """Total, facets and one page of listings: the same answer shape and work as knead's search."""
    sql, args = statement(conn, expression, techniques, insurance, accepts_insurance, near, radius, state)
    rows = conn.execute(sql, args).fetchall()
    has_text = expression is not None
    score, term = 3, 4 if has_text else 3  # columns of `rows`
    if near is not None:  # the box let through a few points within rounding of the radius: miles decide
        bound = _bound(radius) * (1 - 1e-12)
        rows = [r for r in rows if r[term] <= bound or _miles(r[term]) <= radius]
    sort = sort or ("relevance" if has_text else "distance" if near is not None else "name")
    if sort == "relevance" and near is not None:
        bounds = [_bound(miles) for miles in DISTANCE_BANDS]
        page = heapq.nsmallest(limit, rows, key=lambda r: (bisect_left(bounds, r[term]), r[score], r[0]))
    elif sort == "relevance":
        page = heapq.nsmallest(limit, rows, key=itemgetter(score, 0))  # bm25: lower is better
    elif sort == "distance":
        page = heapq.nsmallest(limit, rows, key=itemgetter(term, 0))
    else:
        page = heapq.nsmallest(limit, rows, key=itemgetter(0))
    ids = [r[0] for r in page]
    data = dict(conn.execute(f"SELECT rowid, data FROM doc WHERE rowid IN ({','.join('?' * len(ids))})", ids))
    results = []
    for r in page:
        listing = json.loads(data[r[0]])
        listing["score"] = -r[score] if has_text else None
        if near is not None:
            listing["distance_miles"] = round(_miles(r[term]), 2)
        results.append(listing)
    facets = facet_counts(conn, list(map(itemgetter(1), rows)), list(map(itemgetter(2), rows)))
    return {"total": len(rows), "results": results, "facets": facets}


search = relaxing(search_expression)


def plans(data_dir: str | Path) -> list[dict]:
    """EXPLAIN QUERY PLAN of the match statement of every query of the harness's set, and of the page's read."""
    from index.records.datadir import DataDir
    from tests.benchmarks.queries import QUERIES, prepare

    conn, root = connect(data_dir), DataDir.resolve(data_dir)
    out = []
    for kind, options in QUERIES:
        reference = prepare(options, root)[1]
        reference.pop("sort")
        query = reference.pop("query")
        sql, args = statement(conn, match_expression(query) if query else None, **reference)
        out.append({"kind": kind, "options": options,
                    "plan": [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, args)]})
    out.append({"kind": "page", "plan": [row[3] for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT rowid, data FROM doc WHERE rowid IN (?, ?)", (1, 2))]})
    return out


main = command_line(__doc__, build, connect, search, {"plan": plans})


if __name__ == "__main__":
    main()

"""JSON and JSON Lines: the very objects `knead search --format json` prints.

`json` is one object `{"query", "filters", "relaxed", "unmatched", "total",
"without_hours", "results", "facets", "suggestions"}` with every match in `results`: `filters` holds the
options that produced them as values (`{"techniques": ["deep-tissue"],
"near": {"lat", "lon", "label"}, "radius_miles": 25.0, ...}`, only those
given), `relaxed` is true when no listing had every word of the query and
words were OR'ed, `unmatched` lists the query words no listing mentions (the
search then answers nothing; `suggestions` holds the query corrected);
`without_hours` counts, for an `--open` search, the matches left out because
they give no weekly hours (null without --open).

`jsonl` is one listing object per line, for streaming tools (`jq`, pandas).
Every line is a listing, so each also carries `query` and `filters` (a first
line of metadata would be read as a listing by `pandas.read_json(lines=True)`
and by `jq` filters): a consumer can group or drop them like any column.
UTF-8, non-ASCII kept as is.
"""

from __future__ import annotations

import json
from typing import Any, TextIO


def envelope(export) -> dict[str, Any]:
    return {"query": export.query, "filters": export.filter_values, "relaxed": export.relaxed,
            "unmatched": export.unmatched, "total": export.total, "without_hours": export.without_hours,
            "results": export.results, "facets": export.facets,
            "suggestions": export.suggestions}


def write(export, out: TextIO) -> list[str]:
    json.dump(envelope(export), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return []


def write_lines(export, out: TextIO) -> list[str]:
    search = {"query": export.query, "filters": export.filter_values}
    for row in export.results:
        out.write(json.dumps({**row, **search}, ensure_ascii=False))
        out.write("\n")
    return []

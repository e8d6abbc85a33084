"""JSON and JSON Lines: the very objects `knead search --format json` prints.

`json` is one object `{"query", "total", "results", "facets", "suggestions"}`
with every match in `results`; `jsonl` is one listing object per line, for
streaming tools (`jq`, pandas). UTF-8, non-ASCII kept as is.
"""

from __future__ import annotations

import json
from typing import Any, TextIO


def envelope(export) -> dict[str, Any]:
    return {"query": export.query, "total": export.total, "results": export.results,
            "facets": export.facets, "suggestions": export.suggestions}


def write(export, out: TextIO) -> list[str]:
    json.dump(envelope(export), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return []


def write_lines(export, out: TextIO) -> list[str]:
    for row in export.results:
        out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n")
    return []

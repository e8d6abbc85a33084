"""One cluster of listings -> one result, every value with the listings it came from.

First version (the lead's): the anchor's values, techniques and insurance
unioned, `sources`. Q2 replaces the insides with the field rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from index.model import licence


def combine(result_id: str, members: Sequence[Mapping[str, Any]], practices: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    anchor = next(m for m in members if m["id"] == result_id)
    out = dict(anchor)
    for name in ("techniques", "insurance", "licenses"):
        values: list = []
        for m in members:
            values += [v for v in m.get(name) or () if v not in values]
        out[name] = values
    out["sources"] = [{"source": m.get("source"), "id": m["id"], "url": m.get("url"),
                       "first_seen": m.get("first_seen"), "last_seen": m.get("last_seen")} for m in members]
    out["field_sources"] = {}
    out["practices"] = [{"id": p["id"], "name": p.get("name"), "url": p.get("url")} for p in practices]
    out["alternatives"] = {}
    out["license_verified"] = licence.board_confirmed(out) or any(
        r.get("source") == "nppes" and r.get("state") == out.get("state") for r in out["licenses"])
    return out

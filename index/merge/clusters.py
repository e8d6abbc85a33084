"""Who is who: listings grouped into clusters (one per person or practice), with stable ids.

First version (the lead's): only the same NPI or the same licence (state,
number) joins listings. Q1 replaces the insides (names, phones, vetoes, practice links).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SOURCE_ORDER = ("amta", "sites", "nppes", "roster")


def source_family(source: str) -> str:
    """"roster:tx" -> "roster"."""
    return source.split(":", 1)[0]


def source_rank(source: str) -> int:
    family = source_family(source)
    return SOURCE_ORDER.index(family) if family in SOURCE_ORDER else len(SOURCE_ORDER)


@dataclass
class Clusters:
    groups: dict[str, list[int]] = field(default_factory=dict)  # result id -> member indexes
    practices: dict[str, list[str]] = field(default_factory=dict)  # therapist result id -> practice result ids


def cluster(listings: Sequence[Mapping[str, Any]], previous: Mapping[str, str]) -> Clusters:
    parent = list(range(len(listings)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple, int] = {}
    for i, row in enumerate(listings):
        keys = [("npi", row["npi"])] if row.get("npi") and not row.get("practice") else []
        keys += [("lic", r.get("state"), r.get("number")) for r in row.get("licenses") or ()
                 if r.get("state") and r.get("number")]
        for key in keys:
            j = seen.setdefault(key, i)
            if j != i:
                parent[find(i)] = find(j)
    members: dict[int, list[int]] = {}
    for i in range(len(listings)):
        members.setdefault(find(i), []).append(i)
    groups = {}
    for indexes in members.values():
        anchor = min(indexes, key=lambda i: (source_rank(listings[i].get("source") or ""), listings[i]["id"]))
        groups[listings[anchor]["id"]] = indexes
    return Clusters(groups, {})

"""One therapist across sources: listings that are the same person become one result.

A plain library (no Scrapy, no click), run as part of publishing
(index.records.publish): every published listing goes in, the results the
index holds come out, and the assignment of listings to results goes back to
the store of record so that result ids stay stable across recrawls.

- index.merge.clusters decides who is who (blocking keys, evidence, vetoes)
  and which practice each therapist works at;
- index.merge.combine turns one cluster into one result, every value with the
  listings it came from.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from index.merge.clusters import SOURCE_ORDER, Clusters, cluster, source_family
from index.merge.combine import combine

__all__ = ["MergeResult", "merge_listings", "SOURCE_ORDER", "source_family"]


@dataclass
class MergeResult:
    results: list[dict[str, Any]]  # what the index holds: one per therapist or practice
    assignment: dict[str, str]  # every listing id -> the id of its result
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # source -> {"listings", "merged"}


def merge_listings(listings: Iterable[Mapping[str, Any]], previous: Mapping[str, str] | None = None) -> MergeResult:
    """Merge every listing (as the store of record yields them) into results.

    `previous`: the assignment the last merge returned (kept in the store),
    so that a cluster keeps its result id.
    """
    listings = list(listings)
    # Clusters and a few small dicts per result, none cyclic: the cyclic collector would only
    # rescan every listing and result again and again (3x the clustering time, twice the combining).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _combine_all(listings, cluster(listings, previous or {}))
    finally:
        if collecting:
            gc.enable()


def _combine_all(listings: list[Mapping[str, Any]], found: Clusters) -> MergeResult:
    # Practices first: a therapist's result shows its linked practices' combined values.
    linked = {pid for pids in found.practices.values() for pid in pids}
    combined: dict[str, dict[str, Any]] = {}
    for result_id in linked:
        combined[result_id] = combine(result_id, [listings[i] for i in found.groups[result_id]])
    results, assignment = [], {}
    counts: dict[str, dict[str, int]] = {}
    for result_id, members in found.groups.items():
        rows = [listings[i] for i in members]
        families = {source_family(row.get("source") or "") for row in rows}
        for row in rows:
            assignment[row["id"]] = result_id
            tally = counts.setdefault(row.get("source") or "", {"listings": 0, "merged": 0})
            tally["listings"] += 1
            if len(families) > 1:
                tally["merged"] += 1
        if all(row.get("verification_only") for row in rows):
            continue
        if result_id in combined:  # a practice, combined above
            results.append(combined[result_id])
            continue
        practices = [combined[p] for p in found.practices.get(result_id, ())]
        results.append(combine(result_id, rows, practices))
    return MergeResult(results, assignment, counts)

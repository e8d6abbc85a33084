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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from index.merge.clusters import SOURCE_ORDER, Clusters, cluster, source_family
from index.merge.combine import combine

__all__ = ["MergeResult", "MergeStream", "merge_listings", "merge_stream", "SOURCE_ORDER", "source_family"]


@dataclass
class MergeResult:
    results: list[dict[str, Any]]  # what the index holds: one per therapist or practice
    assignment: dict[str, str]  # every listing id -> the id of its result
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # source -> {"listings", "merged"}


@dataclass
class MergeStream:
    """A merge whose results are combined as they are read (`results`, once), so that a build
    never holds them all: each becomes a compact document before the next is made."""

    results: Iterator[dict[str, Any]]
    assignment: dict[str, str]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def merge_listings(listings: Iterable[Mapping[str, Any]], previous: Mapping[str, str] | None = None) -> MergeResult:
    """Merge every listing (as the store of record yields them) into results.

    `previous`: the assignment the last merge returned (kept in the store),
    so that a cluster keeps its result id.
    """
    listings = listings if isinstance(listings, Sequence) else list(listings)
    with _collector_paused():
        merged = merge_stream(listings, previous)
        return MergeResult(list(merged.results), merged.assignment, merged.counts)


def merge_stream(listings: Sequence[Mapping[str, Any]], previous: Mapping[str, str] | None = None) -> MergeStream:
    """`merge_listings`, the results made one at a time as they are read.

    `listings` may be a sequence that decodes a row at each access (the store's
    packed rows, index.records.packed): each is read once to cluster and once
    to combine. Read the results with the cyclic collector paused (a build does).
    """
    with _collector_paused():
        found = cluster(listings, previous or {})
    assignment: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    ids, sources = found.ids, found.sources
    for result_id, members in found.groups.items():
        families = {source_family(sources[i]) for i in members} if len(members) > 1 else ()
        for i in members:
            assignment[ids[i]] = result_id
            tally = counts.get(sources[i])
            if tally is None:
                tally = counts[sources[i]] = {"listings": 0, "merged": 0}
            tally["listings"] += 1
            if len(families) > 1:
                tally["merged"] += 1
    return MergeStream(_combine_all(listings, found), assignment, counts)


@contextmanager
def _collector_paused():
    # Clusters and a few small dicts per result, none cyclic: the cyclic collector would only
    # rescan every listing and result again and again (3x the clustering time, twice the combining).
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _combine_all(listings: Sequence[Mapping[str, Any]], found: Clusters) -> Iterator[dict[str, Any]]:
    # Practices first: a therapist's result shows its linked practices' combined values.
    linked = {pid for pids in found.practices.values() for pid in pids}
    combined: dict[str, dict[str, Any]] = {}
    for result_id in linked:
        combined[result_id] = combine(result_id, [listings[i] for i in found.groups[result_id]])
    for result_id, members in found.groups.items():
        if result_id in combined:  # a practice, combined above
            if not combined[result_id].get("verification_only"):
                yield combined[result_id]
            continue
        rows = [listings[i] for i in members]
        if all(row.get("verification_only") for row in rows):
            continue
        practices = [combined[p] for p in found.practices.get(result_id, ())]
        yield combine(result_id, rows, practices)
    _forget_folded()


def _forget_folded() -> None:
    """Empty the merge's caches of folded names, streets and licences once a merge is done: at
    500,000 listings they hold ~100 MB that a build would otherwise carry through its writing."""
    from index.merge import evidence, fold, names

    for module in (evidence, fold, names):
        module.forget_cached()

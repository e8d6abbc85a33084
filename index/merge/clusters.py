"""Who is who: listings grouped into clusters (one per person or practice), with stable ids.

`cluster(listings, previous)`:

1. reads every listing once (index.merge.evidence.profile) and files it under
   its blocking keys, in one dict pass;
2. joins listings block by block, strongest evidence first (all licence and
   NPI blocks, then phones, emails and hosts, then surname with ZIP or street,
   last a board roster's row by name in its state), so a weak link is never
   what stops a strong one. Each join is a union-find union that first checks
   the vetoes between the two whole clusters (evidence.Traits), so a chain
   A-B, B-C never makes two people one. A roster row joins by name and state
   only when exactly one cluster in the state has that name;
3. names each cluster (stable ids, below) and links therapists to practices:
   a member's `practice_id`, the phone of a practice listing, or the street
   and ZIP of the one practice at that address (an address alone cannot tell
   two practices of one building apart). A practice phone two therapists share links both to the practice
   and never merges them (their first names veto it).

Stable ids: a result id is always one of its members' ids. A cluster keeps the
id its members had in `previous` (the id most of them had; ties: the smaller
id) among its own members' ids, so a new source joining a cluster does not
renumber it, and when a previous result splits, the part holding its anchor
keeps the id (the other parts cannot: the anchor listing is not theirs). A
cluster new to `previous` takes its member from the first source in
SOURCE_ORDER, ties by the smaller id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from index.merge import evidence as E
from index.merge.names import first_names_compatible

SOURCE_ORDER = ("amta", "sites", "nppes", "roster")
MAX_PRACTICES_AT = 8  # a phone or address this many practices share links no one (a mall, a call centre)


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
    ids: list[str] = field(default_factory=list)  # listing index -> its id
    sources: list[str] = field(default_factory=list)  # listing index -> its source
    # What the merge left aside, counted: "block too common", "contact shared", "name ambiguous", vetoes by reason.
    stats: Counter = field(default_factory=Counter)


class _UnionFind:
    """Union-find whose unions ask the two clusters' traits first."""

    def __init__(self, profiles: list[E.Profile], stats: Counter):
        self.profiles = profiles
        self.parent = list(range(len(profiles)))
        self.size = [1] * len(profiles)
        # A root's traits, made when it first meets another cluster: most listings never do.
        self.traits: dict[int, E.Traits] = {}
        self.stats = stats

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def _traits(self, root: int) -> E.Traits:
        found = self.traits.get(root)
        if found is None:
            found = self.traits[root] = E.Traits.of(self.profiles[root])
        return found

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        why = self._traits(ra).veto(self._traits(rb))
        if why:
            self.stats[f"veto {why}"] += 1
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.traits[ra].absorb(self.traits.pop(rb))
        return True


def _blocks(profiles: list[E.Profile]) -> dict[str, dict[tuple, list[int]]]:
    blocks: dict[str, dict[tuple, list[int]]] = {kind: {} for kind in E.KINDS}
    for p in profiles:
        for kind, key in E.blocking_keys(p):
            blocks[kind].setdefault(key, []).append(p.index)
    return blocks


def _join_pairs(kind: str, tag: str, block: list[int], profiles: list[E.Profile], uf: _UnionFind,
                shared: bool = False) -> None:
    for n, i in enumerate(block):
        for j in block[:n]:
            if uf.find(i) != uf.find(j) and E.same_person(kind, profiles[i], profiles[j], tag, shared):
                uf.union(i, j)


def _join_board_rows(block: list[int], profiles: list[E.Profile], uf: _UnionFind, stats: Counter) -> None:
    """A roster row still alone joins the one cluster of its state with its name, if there is one."""
    # By first name: a row is compared with each first name of the block once, not with every listing.
    listed: dict[str, list[int]] = {}
    for j in block:
        if not profiles[j].board and profiles[j].first:
            listed.setdefault(profiles[j].first, []).append(j)
    for i in block:
        row = profiles[i]
        if not row.board or not row.first or uf.size[uf.find(i)] > 1:
            continue
        fits = [first for first in listed if first_names_compatible(row.first, first)]
        roots = {uf.find(j) for first in fits for j in listed[first]}
        if len(roots) > 1 and row.first in listed:  # "Kate" and "Katie Khan" for a row of Katie Khan: the one written alike
            roots = {uf.find(j) for j in listed[row.first]}
        if len(roots) == 1:
            uf.union(i, roots.pop())
        elif roots:
            stats["name ambiguous"] += 1


def _join(profiles: list[E.Profile], stats: Counter) -> _UnionFind:
    uf = _UnionFind(profiles, stats)
    blocks = _blocks(profiles)
    for kind in E.KINDS:
        for key, block in sorted(blocks[kind].items(), key=lambda item: E.KEY_ORDER[item[0][0]]):
            if len(block) < 2 or (kind == E.BOARD and not any(profiles[i].board for i in block)):
                continue
            if len(block) > E.MAX_BLOCK:
                stats["block too common"] += 1
                continue
            shared = kind == E.CONTACT and E.shared_contact([profiles[i] for i in block])
            stats["contact shared"] += shared
            if kind == E.BOARD:
                _join_board_rows(block, profiles, uf, stats)
                continue
            _join_pairs(kind, key[0], block, profiles, uf, shared)
    return uf


def _result_ids(members: list[list[int]], ids: list[str], sources: list[str],
                previous: Mapping[str, str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for indexes in members:
        if len(indexes) == 1:  # most clusters: the listing is its own result
            groups[ids[indexes[0]]] = indexes
            continue
        had: Counter = Counter()
        if previous:
            own = {ids[i] for i in indexes}
            had.update(previous[ids[i]] for i in indexes if previous.get(ids[i]) in own)
        if had:
            anchor = min(had, key=lambda rid: (-had[rid], rid))
        else:
            first = min(indexes, key=lambda i: (source_rank(sources[i]), ids[i]))
            anchor = ids[first]
        groups[anchor] = sorted(indexes)
    return groups


def _practice_links(groups: dict[str, list[int]], ids: list[str], named_practice: dict[int, str],
                    profiles: list[E.Profile]) -> dict[str, list[str]]:
    result_of: dict[str, str] = {}
    by_phone: dict[str, set[str]] = {}
    by_place: dict[tuple[str, str], set[str]] = {}  # (street, ZIP or state) -> practice results
    for rid, indexes in groups.items():
        for i in indexes:
            result_of[ids[i]] = rid
            p = profiles[i]
            if p.practice:
                if p.phone:
                    by_phone.setdefault(p.phone, set()).add(rid)
                if p.street:  # by ZIP, and by state for listings that give the street without one
                    by_place.setdefault((p.street, p.zip), set()).add(rid)
                    by_place.setdefault((p.street, p.state), set()).add(rid)
    links: dict[str, list[str]] = {}
    for rid, indexes in groups.items():
        if profiles[indexes[0]].practice:
            continue
        found: set[str] = set()
        for i in indexes:
            p = profiles[i]
            named = named_practice.get(i)
            if named and named in result_of and profiles[groups[result_of[named]][0]].practice:
                found.add(result_of[named])
            near = by_phone.get(p.phone)
            if near and len(near) <= MAX_PRACTICES_AT:
                found |= near
            # An address alone cannot tell two practices of one building apart.
            near = by_place.get((p.street, p.zip or p.state)) if p.street else None
            if near and len(near) == 1:
                found |= near
        if found:
            links[rid] = sorted(found)
    return links


def cluster(listings: Sequence[Mapping[str, Any]], previous: Mapping[str, str]) -> Clusters:
    """Group `listings` into people and practices; `previous`: the last assignment (listing id -> result id).

    Allocates hundreds of thousands of small objects: call it with the cyclic
    collector paused, as `index.merge.merge_listings` does (3x faster at 20,000 listings).
    """
    stats: Counter = Counter()
    # Each listing is read once here: `listings` may decode a row on every access (the store's
    # packed rows), so what the later steps need of it (id, source, practice_id) is kept aside.
    profiles, ids, sources, named_practice = [], [], [], {}
    for i, row in enumerate(listings):
        profiles.append(E.profile(i, row))
        ids.append(row["id"])
        sources.append(row.get("source") or "")
        if row.get("practice_id"):
            named_practice[i] = row["practice_id"]
    stats["practice named as its person"] = E.own_name_practices(profiles, listings)
    uf = _join(profiles, stats)
    members: dict[int, list[int]] = {}
    for i in range(len(ids)):
        members.setdefault(uf.find(i), []).append(i)
    groups = _result_ids(list(members.values()), ids, sources, previous)
    return Clusters(groups, _practice_links(groups, ids, named_practice, profiles), ids, sources, stats)


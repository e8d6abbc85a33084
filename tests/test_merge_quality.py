"""How well the merge finds who is who on the bundled samples, against the generator's truth.

One crawl of the four bundled samples (tests/merge_samples.py, shared by the
session); `merge_listings` over what the store of record holds. Pairwise
figures over listings the truth knows: a pair is right when both listings are
the same person in the truth table. Precision: of the pairs the merge put in
one result, how many are one person; recall: of the pairs that are one person,
how many the merge put in one result. Printed every run (`pytest -s` shows
them), with every missed or wrong pair, so a failure says which listings.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import merge_samples
import pytest

from index.merge import merge_listings
from index.merge.clusters import source_family

MIN_PRECISION, MIN_RECALL = 0.99, 0.95


@pytest.fixture(scope="module")
def crawled():
    return merge_samples.bundled()


@pytest.fixture(scope="module")
def merged(crawled):
    return merge_listings(crawled.listings)


def _pairs(ids_by_group):
    return {tuple(sorted(pair)) for members in ids_by_group.values() for pair in itertools.combinations(members, 2)}


def _describe(row):
    licences = ", ".join(f"{r['state']} {r['number']}" for r in row.get("licenses") or ())
    return (f"{row['id']} ({row.get('name')}; {row.get('street') or '-'} {row.get('zip') or '-'} {row.get('state') or '-'};"
            f" {row.get('phone') or '-'}{'; ' + licences if licences else ''})")


def test_precision_and_recall_on_the_bundled_samples(crawled, merged, capsys):
    known = {row["id"]: key for row, key in zip(crawled.listings, crawled.keys) if key}
    rows = {row["id"]: row for row in crawled.listings}
    truth, found = defaultdict(list), defaultdict(list)
    for listing_id, key in known.items():
        truth[key].append(listing_id)
        found[merged.assignment[listing_id]].append(listing_id)
    same, together = _pairs(truth), _pairs(found)
    right = same & together
    precision = len(right) / len(together) if together else 1.0
    recall = len(right) / len(same)
    by_sources = defaultdict(int)
    for a, b in same:
        by_sources[" + ".join(sorted({source_family(rows[a]["source"]), source_family(rows[b]["source"])}))] += 1
    with capsys.disabled():
        print(f"\nmerge on the bundled samples ({len(crawled.listings)} listings, {len(known)} the truth knows,"
              f" {len(same)} same-person pairs: {dict(sorted(by_sources.items()))}):"
              f" precision {precision:.4f}, recall {recall:.4f}")
        for a, b in sorted(same - together):
            print(f"  missed: {_describe(rows[a])} ~ {_describe(rows[b])}")
        for a, b in sorted(together - same):
            print(f"  wrong:  {_describe(rows[a])} ~ {_describe(rows[b])}")
    assert len(same) >= 200  # enough pairs for the figures to mean something
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, (precision, recall)


def test_every_source_pair_of_the_samples_is_merged_somewhere(crawled, merged):
    """Each source's listings join each other source's (the roster rows by name and ZIP or state)."""
    rows = {row["id"]: row for row in crawled.listings}
    families = defaultdict(set)
    for listing_id, result_id in merged.assignment.items():
        families[result_id].add(source_family(rows[listing_id]["source"]))
    combos = {frozenset(pair) for fams in families.values() for pair in itertools.combinations(sorted(fams), 2)}
    assert {frozenset(p) for p in (("amta", "nppes"), ("amta", "roster"), ("nppes", "roster"), ("amta", "sites"),
                                   ("nppes", "sites"))} <= combos
    # What knead status shows: per source, how many listings merged into a therapist found elsewhere;
    # a Washington roster row is only a name and a licence, and each of a directory therapist's joins them.
    listed = [key for row, key in zip(crawled.listings, crawled.keys) if row["source"] == "roster:wa"
              and any(s != "roster:wa" for s in crawled.people.by_key(key).ids)]
    rows_wa = sum(1 for row in crawled.listings if row["source"] == "roster:wa")
    assert merged.counts["roster:wa"] == {"listings": rows_wa, "merged": len(listed)}


def test_people_with_one_surname_in_one_zip_stay_two_results(crawled, merged):
    twins = [p for p in crawled.people if p.distinct_from and p.listing_id("nppes")]
    assert twins
    for person in twins:
        for other_key in person.distinct_from:
            other = crawled.people.by_key(other_key)
            ours = {merged.assignment[i] for i in (person.listing_id(s) for s in person.ids) if i in merged.assignment}
            theirs = {merged.assignment[i] for i in (other.listing_id(s) for s in other.ids) if i in merged.assignment}
            assert ours and theirs and not ours & theirs, (person.name, other.name)


def test_result_ids_stay_when_the_rosters_join_later(crawled):
    """A new source does not renumber therapists: merge without the rosters, then with them."""
    without = merge_listings([row for row in crawled.listings if not row["source"].startswith("roster")])
    later = merge_listings(crawled.listings, previous=without.assignment)
    moved = {i: (r, later.assignment[i]) for i, r in without.assignment.items() if later.assignment[i] != r}
    assert not moved
    assert set(later.assignment.values()) > set(without.assignment.values())  # roster-only licensees are new
    again = merge_listings(crawled.listings, previous=later.assignment)
    assert again.assignment == later.assignment

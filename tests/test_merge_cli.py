"""Merged results as a user sees them (issue 15): `knead crawl` of the bundled samples, then search, show,
export and status.

One crawl of the four bundled samples per session (tests/merge_samples.py);
each test reads it through the CLI. The generator's truth table says which
listings are one person, so the tests pick their examples from it rather than
from hard-coded ids.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import merge_samples
import pytest
from click.testing import CliRunner

from search_cli.main import cli


@pytest.fixture(scope="module")
def crawled():
    return merge_samples.bundled()


def knead(data_dir, *args: str, columns: str = "200"):
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def everything(crawled) -> dict:
    """`knead search --all` as JSON."""
    return json.loads(knead(crawled.data_dir, "search", "--all", "--format", "json").stdout)


def member_ids(result: dict) -> list[str]:
    return [s["id"] for s in result["sources"]]


def result_holding(everything: dict, listing_id: str) -> list[dict]:
    return [r for r in everything["results"] if listing_id in member_ids(r)]


@pytest.fixture(scope="module")
def therapist(crawled, everything) -> dict:
    """A therapist the directory, the registry and a board roster all list, merged: their result."""
    for person in crawled.people.in_sources("amta", "nppes"):
        roster = next((s for s in person.ids if s.startswith("roster:")), None)
        found = result_holding(everything, person.listing_id("amta"))
        if roster and len(found) == 1 and {person.listing_id("nppes"), person.listing_id(roster)} <= set(
                member_ids(found[0])) and found[0]["alternatives"]:
            return found[0]
    raise AssertionError("no therapist of the samples is merged from amta, nppes and a roster")


def test_one_result_per_therapist_and_each_listing_in_one_result(crawled, everything):
    results = everything["results"]
    shown = [i for r in results for i in member_ids(r)]
    assert len(shown) == len(set(shown))  # no listing in two results
    searchable = [x for x in crawled.listings if not x.get("verification_only") and not x.get("stale")]
    assert everything["total"] == len(results) < len(searchable)
    both = crawled.people.in_sources("amta", "nppes")
    together = [p for p in both if any(p.listing_id("nppes") in member_ids(r)
                                       for r in result_holding(everything, p.listing_id("amta")))]
    assert len(together) >= 0.95 * len(both), f"{len(together)} of {len(both)} amta+nppes people merged"


def test_a_name_search_finds_the_therapist_once(crawled, therapist):
    found = json.loads(knead(crawled.data_dir, "search", f'"{therapist["name"]}"', "--format", "json").stdout)
    holding = [r for r in found["results"] if set(member_ids(r)) & set(member_ids(therapist))]
    assert [r["id"] for r in holding] == [therapist["id"]]
    # Backwards compatible: every listing field and the old keys, the merge's fields beside them.
    assert {"id", "source", "url", "name", "licenses", "first_seen", "last_seen", "stale", "score"} <= set(holding[0])
    assert holding[0]["source"] == therapist["sources"][0]["source"] == "amta"  # the anchor's


def test_source_matches_a_merged_therapist_by_any_member(crawled, therapist):
    for source in {s["source"] for s in therapist["sources"]}:
        ids = [r["id"] for r in json.loads(knead(crawled.data_dir, "search", "--source", source, "--all",
                                                 "--format", "json").stdout)["results"]]
        assert therapist["id"] in ids, source


def test_verified_keeps_only_confirmed_licences(crawled, everything, therapist):
    verified = json.loads(knead(crawled.data_dir, "search", "--verified", "--all", "--format", "json").stdout)
    assert 0 < verified["total"] < everything["total"]
    assert all(r["license_verified"] for r in verified["results"])
    assert sum(r["license_verified"] for r in everything["results"]) == verified["total"]
    assert therapist["id"] in {r["id"] for r in verified["results"]}
    # Only the registry's or a board's records verify: a directory's own "LMT" never does.
    for r in verified["results"]:
        assert any(x["source"] == "nppes" or x["source"].startswith("roster:") for x in r["licenses"]), r["id"]
    assert verified["filters"] == {"verified": True}


def test_the_table_marks_verified_therapists_and_their_sources(crawled, therapist):
    table = knead(crawled.data_dir, "search", f'"{therapist["name"]}"', "--format", "table").stdout
    names = list(dict.fromkeys(s["source"] for s in therapist["sources"]))
    assert f"{len(names)} sources: {', '.join(names)}" in table
    block = table[table.index(therapist["name"]):table.index(therapist["id"])]
    assert "\u2713 licence" in block


def test_show_takes_any_member_id_or_url(crawled, everything, therapist):
    for member in therapist["sources"]:
        for given in (member["id"], member["url"]):
            shown = json.loads(knead(crawled.data_dir, "show", given, "--format", "json").stdout)
            assert shown["id"] == therapist["id"], given
    shown.pop("score", None)
    assert shown == {k: v for k, v in therapist.items() if k != "score"}


def test_show_text_says_which_source_gave_each_value(crawled, therapist):
    text = knead(crawled.data_dir, "show", therapist["sources"][-1]["id"], "--format", "text").stdout
    assert text.splitlines()[0].startswith(therapist["name"])
    for member in therapist["sources"]:
        assert member["id"] in text  # the Sources rows, one per member
    # The other values sources gave, each with its source.
    field, options = next(iter(therapist["alternatives"].items()))
    assert f"{field}: \u201c" in text and "Other values" in text
    phone_by = therapist["field_sources"].get("phone")
    if phone_by:
        by = {s["id"]: s["source"] for s in therapist["sources"]}
        assert f"({', '.join(dict.fromkeys(by[i] for i in phone_by))})" in text


def test_show_marks_the_practice_values(crawled, everything):
    with_practice = [r for r in everything["results"] if r["from_practice"] and r["practices"]]
    assert with_practice, "no therapist shows a linked practice's values"
    result = with_practice[0]
    text = knead(crawled.data_dir, "show", result["id"], "--format", "text").stdout
    names = ", ".join(p["name"] or p["id"] for p in result["practices"])
    rows = {"hours": "Hours", "accepting_new_clients": "New clients", "price_range": "Price"}
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if not line.startswith(" ")] + [len(lines)]
    for field in result["from_practice"]:
        if field in rows:  # the row of each value the practice gave ends with whose it is
            first = next(i for i in starts if lines[i].startswith(rows[field]))
            last = starts[starts.index(first) + 1] - 1
            assert lines[last].endswith(f"(the practice's: {names})"), lines[first:last + 1]
    assert result["practices"][0]["id"] in text  # the Practice row


def test_export_is_merged_and_unmerged_gives_every_source_listing(crawled, everything, tmp_path):
    merged = tmp_path / "merged.csv"
    out = knead(crawled.data_dir, "export", str(merged))
    rows = list(csv.DictReader(io.StringIO(merged.read_text(encoding="utf-8"))))
    assert len(rows) == everything["total"]
    assert f"Exported {everything['total']} listings to {merged} (csv)." in out.stderr
    raw = knead(crawled.data_dir, "export", "-", "--unmerged", "--format", "jsonl")
    unmerged = [json.loads(line) for line in raw.stdout.splitlines()]
    by_id = {r["id"]: r for r in everything["results"]}
    assert len(unmerged) == sum(len(r["sources"]) for r in everything["results"])
    for row in unmerged:
        assert row["id"] in member_ids(by_id[row["result_id"]])
    # Each source's own listing, as it gave it: the registry's row is the registry's.
    registry = next(x for x in unmerged if x["source"] == "nppes" and x["result_id"] != x["id"])
    assert registry["url"] == next(s["url"] for s in by_id[registry["result_id"]]["sources"] if s["id"] == registry["id"])


def test_status_counts_per_source_the_listings_merged(crawled):
    report = json.loads(knead(crawled.data_dir, "status", "--format", "json").stdout)
    counts = {s["source"]: (s["listings"], s["merged"]) for s in report["sources"]}
    assert set(counts) == {"amta", "nppes", "sites", "roster"}
    for source, (listings, merged) in counts.items():
        assert 0 < merged <= listings, source
    text = knead(crawled.data_dir, "status", "--format", "text").stdout
    assert (f"nppes: {counts['nppes'][0]} listings (0 stale)\n  {counts['nppes'][1]} of them merged with another "
            "source's listing of the same therapist or practice (one result)") in text


def test_reindex_keeps_every_result_id(crawled, everything, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(crawled.data_dir, copy)
    knead(copy, "reindex")
    again = json.loads(knead(copy, "search", "--all", "--format", "json").stdout)
    assert {r["id"]: member_ids(r) for r in again["results"]} == {r["id"]: member_ids(r) for r in everything["results"]}


def test_a_new_source_joining_a_therapist_keeps_the_result_id(tmp_path):
    from conftest import store_listings

    from index.model.listing import TherapistListing
    from index.records.datadir import DataDir

    data_dir = DataDir(tmp_path / "data").ensure()
    registry = TherapistListing(
        id="nppes:1234567893", source="nppes", url="https://npiregistry.cms.hhs.gov/provider-view/1234567893",
        name="Maria L. Lopez", npi="1234567893", city="Hartford", state="CT", zip="06103", phone="+18605550142",
        licenses=[{"state": "CT", "number": "012345", "source": "nppes"}]).to_dict()
    store_listings(data_dir, [registry])
    knead(data_dir.root, "reindex")
    # Later the directory lists her too: her result keeps the id it had (the store keeps the assignment),
    # though a new cluster would be named after the directory's listing.
    directory = TherapistListing(
        id="amta:maria-lopez-hartford", source="amta", url="http://127.0.0.1:8470/famt/maria-lopez-hartford",
        name="Maria Lopez", npi="1234567893", city="Hartford", state="CT", zip="06103", phone="+18605550142",
        techniques=["shiatsu"]).to_dict()
    store_listings(data_dir, [directory])
    knead(data_dir.root, "reindex")
    found = json.loads(knead(data_dir.root, "search", "--format", "json").stdout)
    assert [(r["id"], member_ids(r)) for r in found["results"]] == [
        ("nppes:1234567893", ["amta:maria-lopez-hartford", "nppes:1234567893"])]
    assert found["results"][0]["license_verified"] is True
    shown = json.loads(knead(data_dir.root, "show", "maria-lopez-hartford", "--format", "json").stdout)
    assert shown["id"] == "nppes:1234567893" and shown["techniques"] == ["shiatsu"]

"""`knead rollback` undoes a publish for good, `knead status` shows the history, `--held` a held crawl.

The installed `knead` against sample directories on loopback. Sample
directories of different sizes share their first therapists, so crawling the
60-listing one after the 54-listing one finds 6 listings again, and a
20-listing one is held by the publish gate.
"""

from __future__ import annotations

import json
import re

import pytest
from knead_proc import run_knead, search_ids

from index.records.store import RecordStore
from spiders.sample_site import SampleSite


def crawl(site: SampleSite, data_dir, *extra: str):
    return run_knead("crawl", "amta", "--start-url", site.start_url, "--delay", "0", "--concurrency", "4", *extra,
                     data_dir=data_dir)


def ids(site: SampleSite) -> set[str]:
    return {f"amta:{t['slug']}" for t in site.directory.therapists if not t["hidden"]}


def store_rows(data_dir) -> dict[str, tuple]:
    """Every published listing as the store holds it (content, dates, stale mark)."""
    with RecordStore(data_dir / "records.sqlite3") as store:
        return {row["id"]: (row["bio"], row["first_seen"], row["last_seen"], row["stale_since"])
                for row in store.listings()}


@pytest.fixture
def sites(amta_sites):
    return amta_sites


@pytest.fixture(scope="module")
def three_publishes(amta_sites, published_big, tmp_path_factory):
    """big (the shared first publish, copied), then smaller (6 gone stale), then big again
    (6 found again); the store after each."""
    import shutil

    data_dir = shutil.copytree(published_big, tmp_path_factory.mktemp("three") / "d")
    after = [store_rows(data_dir)]
    for name in ("smaller", "big"):
        result = crawl(amta_sites[name], data_dir)
        assert result.returncode == 0, result.stderr
        after.append(store_rows(data_dir))
    return data_dir, after


def test_rollback_restores_the_store_for_good_and_serves_the_kept_generation(sites, three_publishes, tmp_path):
    import shutil

    data_dir = shutil.copytree(three_publishes[0], tmp_path / "d")
    after = three_publishes[1]
    result = run_knead("rollback", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    found = len(ids(sites["big"]))
    assert f"Rolled back crawl #3 (amta): {found} listings restored as crawl #2 left them." in result.stdout
    assert "Now serving index generation 2 (kept; was 3)." in result.stdout
    assert store_rows(data_dir) == after[1]  # exactly: content, first/last seen, stale marks
    assert set(search_ids(data_dir)) == ids(sites["smaller"])
    # For good: a rebuild from the store gives the rolled-back-to answers too.
    reindex = run_knead("reindex", data_dir=data_dir)
    assert reindex.returncode == 0, reindex.stderr
    assert set(search_ids(data_dir)) == ids(sites["smaller"])
    stale = json.loads(run_knead("search", "--all", "--include-stale", "--format", "json", data_dir=data_dir).stdout)
    assert {r["id"] for r in stale["results"] if r["stale"]} == ids(sites["big"]) - ids(sites["smaller"])

    second = run_knead("rollback", data_dir=data_dir)
    assert second.returncode == 0, second.stderr
    assert "Rolled back crawl #2 (amta)" in second.stdout and "generation 1 (kept; was 4)" in second.stdout
    assert store_rows(data_dir) == after[0]
    assert set(search_ids(data_dir)) == ids(sites["big"])

    third = run_knead("rollback", data_dir=data_dir)
    assert third.returncode == 1
    assert third.stderr.strip() == "Error: No earlier publish to go back to: crawl #1 is the first one published."


def test_status_shows_the_generation_served_that_it_was_rolled_back_and_the_history(three_publishes, tmp_path):
    import shutil

    data_dir = shutil.copytree(three_publishes[0], tmp_path / "d")
    before = run_knead("status", "--format", "text", data_dir=data_dir)
    assert before.returncode == 0
    assert "Index generation served: 3\n" in before.stdout
    assert re.search(r"Generations kept: 1 \(\d+ listings, built [^)]*\), 2 \(.*\), 3 \(", before.stdout)
    assert run_knead("rollback", data_dir=data_dir).returncode == 0
    result = run_knead("status", "--format", "text", data_dir=data_dir)
    assert result.returncode == 0
    out = result.stdout
    assert "Index generation served: 2 (after `knead rollback`)" in out
    history = out.split("History (latest last):\n", 1)[1].splitlines()
    assert [line.split("  ", 2)[2] for line in history] == [
        "published crawl #1 -> generation 1",
        "published crawl #2 -> generation 2",
        "published crawl #3 -> generation 3",
        "rolled back crawl #3 -> generation 2 (back to crawl #2)",
    ]
    report = json.loads(run_knead("status", "--format", "json", data_dir=data_dir).stdout)
    assert report["generation"] == 2 and report["rolled_back"] is True
    assert [g["number"] for g in report["generations"] if not g["retired"]] == [1, 2]
    assert report["sources"][0]["last_published"]["id"] == 2


def test_a_new_publish_after_a_rollback_keeps_three_generations(sites, three_publishes, tmp_path):
    import shutil

    data_dir = shutil.copytree(three_publishes[0], tmp_path / "d")
    assert run_knead("rollback", data_dir=data_dir).returncode == 0
    assert crawl(sites["big"], data_dir).returncode == 0
    report = json.loads(run_knead("status", "--format", "json", data_dir=data_dir).stdout)
    assert report["generation"] == 4 and report["rolled_back"] is False
    assert [g["number"] for g in report["generations"]] == [1, 2, 4]  # 3 held the undone publish


def test_the_listings_of_a_held_crawl_can_be_listed(sites, three_publishes, tmp_path):
    import shutil

    data_dir = shutil.copytree(three_publishes[0], tmp_path / "d")
    held = crawl(sites["tiny"], data_dir)
    assert held.returncode == 1 and "`knead status --held`" in held.stderr
    status = run_knead("status", "--format", "text", data_dir=data_dir)
    assert "latest crawl #4: held" in status.stdout and "its listings: `knead status --held`" in status.stdout
    text = run_knead("status", "--held", "--format", "text", data_dir=data_dir)
    assert text.returncode == 0
    assert text.stdout.startswith("Held crawl #4 of amta, finished ")
    assert f": {len(ids(sites['tiny']))} listings, not published because:" in text.stdout
    assert f"under 80% of the {len(ids(sites['big']))} of the last published crawl" in text.stdout
    listed = json.loads(run_knead("status", "--held", "--format", "json", data_dir=data_dir).stdout)
    assert listed["crawl"]["id"] == 4
    assert {row["id"] for row in listed["listings"]} == ids(sites["tiny"])
    assert all(row["url"].endswith("/famt/" + row["id"].split(":", 1)[1]) for row in listed["listings"])


def test_no_held_crawl_says_so(three_publishes):
    result = run_knead("status", "--held", "--format", "text", data_dir=three_publishes[0])
    assert result.returncode == 0
    assert result.stdout.startswith("No held crawl")

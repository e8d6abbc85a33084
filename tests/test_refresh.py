"""Refresh without loss: stale listings, the publish gate, the crawl lock, resume, rollback, kills.

Every crawl here is the installed `knead crawl` against sample directories on
loopback. Sample directories of different sizes share their first therapists
(`generate(54)` is `generate(60)` less its last 6), which is how a directory
"loses" listings between crawls.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time

import pytest
from knead_proc import run_knead, search_ids, start_knead

from index.records.lock import CrawlLock
from index.records.store import RecordStore
from index.search import crashpoint
from index.search.engine import SearchRequest, search
from index.search.generations import current_generation
from spiders.sample_site import SampleSite


def crawl(site: SampleSite, data_dir, *extra: str):
    return run_knead("crawl", "amta", "--start-url", site.start_url, "--delay", "0", "--concurrency", "4", *extra,
                     data_dir=data_dir)


def public_ids(site: SampleSite) -> set[str]:
    return {f"amta:{t['slug']}" for t in site.directory.therapists if not t["hidden"]}


@pytest.fixture
def sites(amta_sites):
    return amta_sites


@pytest.fixture
def published(published_big):
    """A data directory with the 60-listing directory crawled and published (shared, read-only:
    tests that write copy it)."""
    return published_big


def copy_data_dir(src, dst):
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_listings_a_complete_crawl_no_longer_finds_are_marked_stale(sites, published, tmp_path):
    data_dir = copy_data_dir(published, tmp_path / "d")
    gone = public_ids(sites["big"]) - public_ids(sites["smaller"])
    result = crawl(sites["smaller"], data_dir)
    assert result.returncode == 0, result.stderr
    assert f"{len(gone)} gone" in result.stdout
    with RecordStore(data_dir / "records.sqlite3") as store:
        stale = {row["id"] for row in store.listings() if row["stale"]}
    assert stale == gone
    assert set(search_ids(data_dir)) == public_ids(sites["smaller"])
    shown = json.loads(run_knead("search", "--all", "--include-stale", "--format", "json", data_dir=data_dir).stdout)
    assert {r["id"] for r in shown["results"]} == public_ids(sites["big"])
    assert {r["id"] for r in shown["results"] if r["stale"]} == gone
    with RecordStore(data_dir / "records.sqlite3") as store:
        second_crawl_started = store.crawls()[-1]["started_at"]
    fresh = search_ids(data_dir, "--include-stale", "--fresh-within", second_crawl_started)
    assert set(fresh) == public_ids(sites["smaller"])
    # found again: no longer stale
    assert crawl(sites["big"], data_dir).returncode == 0
    with RecordStore(data_dir / "records.sqlite3") as store:
        assert not [row for row in store.listings() if row["stale"]]


def test_a_crawl_that_finds_far_fewer_listings_is_held_and_the_index_keeps_serving(sites, published, tmp_path):
    data_dir = copy_data_dir(published, tmp_path / "d")
    before_ids = search_ids(data_dir)
    generation = current_generation(data_dir / "index")
    result = crawl(sites["tiny"], data_dir)
    assert result.returncode == 1
    assert "The crawl was not published" in result.stderr
    assert "under 80% of the" in result.stderr and "--accept-drop" in result.stderr
    assert current_generation(data_dir / "index") == generation
    assert search_ids(data_dir) == before_ids
    status = json.loads(run_knead("status", "--format", "json", data_dir=data_dir).stdout)
    (amta,) = status["sources"]
    assert amta["latest"]["status"] == "held" and amta["latest"]["gate"]
    assert amta["listings"] == len(before_ids)

    accepted = crawl(sites["tiny"], data_dir, "--accept-drop")
    assert accepted.returncode == 0, accepted.stderr
    assert set(search_ids(data_dir)) == public_ids(sites["tiny"])


def test_status_reports_the_last_published_crawl_and_generation(published):
    result = run_knead("status", "--format", "text", data_dir=published)
    assert result.returncode == 0
    assert "Index generation served: 1" in result.stdout
    assert "last published crawl #1" in result.stdout and " 0 gone, 0 failed" in result.stdout


def test_rollback_serves_the_previous_generation(sites, published, tmp_path):
    data_dir = copy_data_dir(published, tmp_path / "d")
    first = search_ids(data_dir)
    assert crawl(sites["smaller"], data_dir).returncode == 0
    assert search_ids(data_dir) != first
    result = run_knead("rollback", data_dir=data_dir)
    assert result.returncode == 0 and "Now serving index generation 1 (kept; was 2)." in result.stdout
    assert search_ids(data_dir) == first
    again = run_knead("rollback", data_dir=data_dir)
    assert again.returncode == 1 and "No earlier publish to go back to: crawl #1" in again.stderr


def test_a_second_crawl_says_one_is_running_and_a_killed_one_blocks_nothing(sites, tmp_path):
    with CrawlLock(tmp_path / "crawl.lock"):
        result = crawl(sites["tiny"], tmp_path)
    assert result.returncode == 1
    assert "A crawl is already running (pid " in result.stderr

    proc = start_knead("crawl", "amta", "--start-url", sites["big"].start_url, "--delay", "0.5", data_dir=tmp_path)
    deadline = time.monotonic() + 30
    while not (tmp_path / "crawl.lock").read_text() if (tmp_path / "crawl.lock").exists() else True:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert crawl(sites["tiny"], tmp_path).returncode == 0


def test_resume_continues_an_interrupted_crawl_without_refetching(tmp_path):
    with SampleSite(size=150) as site:  # killed after 50 of ~150 profiles: the resume has ~100 left to fetch
        proc = start_knead("crawl", "amta", "--start-url", site.start_url, "--delay", "0", "--concurrency", "2",
                           data_dir=tmp_path)
        db = tmp_path / "records.sqlite3"
        deadline = time.monotonic() + 60
        while True:  # wait until a first batch of profiles is committed, then kill
            assert time.monotonic() < deadline and proc.poll() is None
            try:
                with sqlite3.connect(db) as con:
                    if con.execute("SELECT COUNT(*) FROM staged").fetchone()[0] >= 50:
                        break
            except sqlite3.Error:
                pass
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with RecordStore(db) as store:
            already = store.staged_ids(store.crawls()[-1]["id"])
            assert store.count() == 0  # nothing published by the killed crawl
        fetched_before = len(site.requests)
        result = run_knead("crawl", "amta", "--start-url", site.start_url, "--delay", "0", "--resume", data_dir=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Resuming crawl 1." in result.stderr
        refetched = {path for _m, path in site.requests[fetched_before:]}
        expected = public_ids(site)
    assert not {f"amta:{p.rsplit('/', 1)[-1]}" for p in refetched if p.startswith("/famt/")} & already
    with RecordStore(db) as store:
        assert {row["id"] for row in store.listings()} == expected
        assert store.crawls()[-1]["status"] == "published"


def searched(data_dir) -> set[str]:
    """What a search answers right now, through a fresh searcher (as `knead search` opens one)."""
    return {r["id"] for r in search(data_dir / "index", SearchRequest(limit=None)).results}


def killed_at(point: str, *args: str, data_dir, monkeypatch) -> None:
    """Run `knead ARGS` so that it dies by SIGKILL at crash point `point` (index.search.crashpoint)."""
    monkeypatch.setenv(crashpoint.ENV, point)
    try:
        result = run_knead(*args, data_dir=data_dir)
    finally:
        monkeypatch.delenv(crashpoint.ENV)
    assert result.returncode == -signal.SIGKILL, f"{point} not reached: {result.stderr[-2000:]}"


def test_kill_9_of_crawls_and_builds_never_breaks_search_or_the_store(sites, published, tmp_path, monkeypatch):
    """Crawls and index rebuilds killed in every window of a publish (index.search.crashpoint: the store
    published but not indexed, a generation written, renamed, its pointer written, served, the merge's
    assignment unsaved) and in the middle of a crawl: search answers one whole generation every time,
    the old one until the pointer swap and the new one from then on; the store stays sound; a final
    uninterrupted crawl converges."""
    data_dir = copy_data_dir(published, tmp_path / "d")
    big, smaller = public_ids(sites["big"]), public_ids(sites["smaller"])
    assert searched(data_dir) == big

    def crawl_args(site):
        return ("crawl", "amta", "--start-url", sites[site].start_url, "--delay", "0", "--concurrency", "4")

    # The store publishes `smaller`, the index still serves `big`: every reindex kill before the swap keeps `big`.
    killed_at("publish:store-merged", *crawl_args("smaller"), data_dir=data_dir, monkeypatch=monkeypatch)
    assert searched(data_dir) == big
    for point in ("build:generation-written", "build:generation-renamed", "build:pointer-written"):
        killed_at(point, "reindex", data_dir=data_dir, monkeypatch=monkeypatch)
        assert searched(data_dir) == big, f"reindex killed at {point}"
    killed_at("build:generation-served", "reindex", data_dir=data_dir, monkeypatch=monkeypatch)
    assert searched(data_dir) == smaller
    killed_at("publish:generation-served", "reindex", data_dir=data_dir, monkeypatch=monkeypatch)
    assert searched(data_dir) == smaller
    # Through a crawl's publish: killed before the swap, then after it.
    killed_at("build:generation-renamed", *crawl_args("big"), data_dir=data_dir, monkeypatch=monkeypatch)
    assert searched(data_dir) == smaller
    killed_at("publish:generation-served", *crawl_args("big"), data_dir=data_dir, monkeypatch=monkeypatch)
    assert searched(data_dir) == big

    # In the middle of a crawl, once it has staged listings.
    proc = start_knead("crawl", "amta", "--start-url", sites["smaller"].start_url, "--delay", "0.05",
                       data_dir=data_dir)
    with RecordStore(data_dir / "records.sqlite3") as store:
        crawls_before = store.crawls()[-1]["id"]
    deadline = time.monotonic() + 60
    while not _staged_by_a_new_crawl(data_dir / "records.sqlite3", crawls_before):
        assert time.monotonic() < deadline and proc.poll() is None, "the crawl ended before it staged anything"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    assert searched(data_dir) == big
    with RecordStore(data_dir / "records.sqlite3") as store:
        assert store.crawls()[-1]["status"] == "running"  # killed: never finished, never published

    with sqlite3.connect(data_dir / "records.sqlite3") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    final = crawl(sites["smaller"], data_dir)
    assert final.returncode == 0, final.stderr
    assert set(search_ids(data_dir)) == smaller


def _staged_by_a_new_crawl(db, crawls_before: int) -> bool:
    """True once a crawl after crawl #`crawls_before` has committed staged listings."""
    try:
        with sqlite3.connect(db) as con:
            (latest,) = con.execute("SELECT COALESCE(MAX(id), 0) FROM crawls").fetchone()
            return latest > crawls_before and con.execute(
                "SELECT COUNT(*) FROM staged WHERE crawl_id = ?", (latest,)).fetchone()[0] > 0
    except sqlite3.Error:
        return False


def test_searches_during_publishes_see_one_whole_generation(sites, published, tmp_path):
    data_dir = copy_data_dir(published, tmp_path / "d")
    sets = {frozenset(public_ids(sites["big"])), frozenset(public_ids(sites["smaller"]))}
    errors, seen, stop = [], [], threading.Event()

    def search_loop():
        while not stop.is_set():
            try:
                result = search(data_dir / "index", SearchRequest(limit=None))
                seen.append(frozenset(r["id"] for r in result.results))
            except Exception as exc:  # noqa: BLE001 - any error is the failure
                errors.append(repr(exc))

    thread = threading.Thread(target=search_loop)
    thread.start()
    try:
        for site in ("smaller", "big", "smaller"):
            assert crawl(sites[site], data_dir).returncode == 0
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert len(seen) > 10 and set(seen) <= sets


def test_recrawls_revalidate_pages_and_unchanged_pages_cost_a_304(tmp_path):
    with SampleSite(size=30) as site:
        first = crawl(site, tmp_path)
        assert first.returncode == 0, first.stderr
        answered = len(site.statuses)
        second = crawl(site, tmp_path)
        assert second.returncode == 0, second.stderr
        recrawl = [status for _path, status in site.statuses[answered:]]  # robots.txt revalidates too
        uncached = crawl(site, tmp_path, "--no-http-cache")
        assert uncached.returncode == 0, uncached.stderr
        without_cache = [status for _path, status in site.statuses[answered + len(recrawl):]]
    assert recrawl and set(recrawl) == {304}
    assert f"({len(recrawl)} unchanged: 304 Not Modified)" in second.stdout
    assert "(0 new, 0 changed, 29 unchanged)" in second.stdout
    assert without_cache and set(without_cache) == {200}

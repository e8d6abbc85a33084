"""End to end: the installed `knead crawl` against the sample directory on a real loopback server.

One crawl of the whole sample directory (module fixture) with a results page
and a profile that fail once, then assertions on what the store of record holds
and on what the server was asked for.
"""

from __future__ import annotations

import pytest
from knead_proc import run_knead

from index.records.store import RecordStore
from spiders.sample_site import SampleSite

SIZE = 300  # 30 results pages: pagination, retries and robots.txt all exercised; a recrawl stays cheap


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("knead-data")
    with SampleSite(size=SIZE, fail_once=()) as probe:
        visible = [t for t in probe.directory.therapists if not t["hidden"]]
    flaky_profile = visible[3]["url_path"]
    flaky_results = "/find-massage-therapist/?location=&keyword=&page=2"
    with SampleSite(size=SIZE, fail_once=(flaky_profile, flaky_results)) as site:
        result = run_knead(
            "crawl", "amta", "--start-url", site.start_url, "--delay", "0", "--concurrency", "8",
            data_dir=data_dir,
        )
        requests = list(site.requests)
        truth = {f"amta:{t['slug']}": t for t in site.directory.therapists}
    with RecordStore(data_dir / "records.sqlite3") as store:
        stored = {row["id"]: row for row in store.listings()}
    return {
        "result": result, "requests": requests, "truth": truth, "stored": stored,
        "flaky": (flaky_profile, flaky_results), "data_dir": data_dir,
    }


def test_crawl_exits_zero_and_prints_a_summary(crawled):
    result = crawled["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    visible = sum(1 for t in crawled["truth"].values() if not t["hidden"])
    assert f"listings stored:      {visible} ({visible} new, 0 changed, 0 unchanged)" in out
    assert "skipped (robots.txt):" in out
    assert "URLs failed:          0" in out
    assert "unmapped technique values:" in out  # the sample site carries a few on purpose
    assert "Index rebuilt:" in out


def test_every_public_listing_found_exactly_once(crawled):
    expected = {i for i, t in crawled["truth"].items() if not t["hidden"]}
    assert set(crawled["stored"]) == expected
    assert len(expected) >= 290  # every page of the directory, not a first page's worth


def test_nothing_behind_robots_txt_was_fetched(crawled):
    paths = [path for _method, path in crawled["requests"]]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith("/members/")]
    hidden = [i for i, t in crawled["truth"].items() if t["hidden"]]
    assert hidden and not set(hidden) & set(crawled["stored"])


def test_pages_that_fail_once_are_retried_and_captured(crawled):
    profile, results = crawled["flaky"]
    paths = [path for _method, path in crawled["requests"]]
    assert paths.count(profile) == 2
    assert paths.count(results) == 2
    slug = profile.rstrip("/").rsplit("/", 1)[-1]
    assert f"amta:{slug}" in crawled["stored"]


def test_stored_listings_match_the_pages_field_by_field(crawled):
    mismatches = []
    for listing_id, row in crawled["stored"].items():
        t = crawled["truth"][listing_id]
        expected = {
            "name": t["name"], "credentials": t["credentials"], "business": t["business"],
            "city": t["city"], "state": t["state"], "zip": t["zip"], "email": t["email"],
            "techniques": t["techniques"], "insurance": t["insurance"],
            "languages": t["languages"], "accepting_new_clients": t["accepting_new_clients"],
        }
        for key, value in expected.items():
            got = row[key]
            if isinstance(value, list):
                got, value = sorted(got or []), sorted(value or [])
            if got != value:
                mismatches.append((listing_id, key, got, value))
    assert mismatches == []


def test_phones_are_e164_and_positions_are_real(crawled):
    rows = list(crawled["stored"].values())
    with_phone = [r for r in rows if r["phone_raw"]]
    assert with_phone and all(r["phone"] and r["phone"].startswith("+1") and len(r["phone"]) == 12 for r in with_phone)
    with_zip = [r for r in rows if r["zip"]]
    assert with_zip and all(r["lat"] is not None and r["lon"] is not None for r in with_zip)


def test_a_recrawl_finds_the_same_listings_unchanged(crawled):
    # Another port: the same page reached by another host:port is not a change.
    with SampleSite(size=SIZE) as site:
        result = run_knead(
            "crawl", "amta", "--start-url", site.start_url, "--delay", "0", "--concurrency", "8", "--no-index",
            data_dir=crawled["data_dir"],
        )
    assert result.returncode == 0, result.stderr[-3000:]
    n = len(crawled["stored"])
    assert f"({0} new, 0 changed, {n} unchanged)" in result.stdout
    assert f"Published: {n} found, 0 new, 0 changed, 0 gone" in result.stdout


# `knead crawl` without a source (the bundled samples): tests/test_bundled_samples.py, on the crawl the
# merge tests read too.


def test_a_crawl_that_stores_nothing_exits_non_zero(tmp_path):
    with SampleSite(size=20) as site:
        empty = f"{site.url}/find-massage-therapist/?location=ZZ&keyword=&page=1"
        result = run_knead("crawl", "amta", "--start-url", empty, "--delay", "0", data_dir=tmp_path)
    assert result.returncode == 1
    assert "stored no listings" in result.stderr


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1:8000/famt"])
def test_only_http_start_urls_are_accepted(tmp_path, url):
    result = run_knead("crawl", "amta", "--start-url", url, data_dir=tmp_path)
    assert result.returncode == 2
    assert "is not an http(s) URL" in result.stderr


def test_source_without_start_url_is_a_usage_error(tmp_path):
    result = run_knead("crawl", "amta", data_dir=tmp_path)
    assert result.returncode == 2
    assert "needs at least one --start-url" in result.stderr

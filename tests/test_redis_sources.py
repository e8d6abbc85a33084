"""Every source spread over Redis workers (issue 16): the registry, practice websites and a licence roster.

Their requests carry plain data (a registry query, a site's root, a roster's
reading state), so `knead enqueue SOURCE` seeds them with `knead crawl`'s own
options and any worker can take any request. One test crawls the three
bundled samples, each with two real `knead crawl SOURCE --redis` workers and
one `knead publish --redis`, and compares the store of record with what
`knead crawl SOURCE` of the same options publishes (the three crawled in one
process, tests/one_process_crawls.py, to start one process instead of three):
the same listings, the same scopes (so stale marking covers the same states),
the same pages fetched, none twice.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner
from knead_proc import knead_env, start_knead
from redis_server import redis_server_fixture  # noqa: F401 - the fixture `redis_server`

from index.records.store import RecordStore
from search_cli.main import cli
from spiders.sample_site import SampleSite
from spiders.sample_site.bundled import NPPES_PREFIX, SODA_PREFIX

SIZE = 20  # therapists in the sample: each source's crawl takes a second or two
POLITE = ("--delay", "0", "--concurrency", "8")
_VOLATILE = ("scraped_at", "first_seen", "last_seen", "stale", "stale_since")


def knead(*args: str, data_dir: Path):
    """`knead ARGS` in this process (click's runner): enqueue and publish; the crawls are subprocesses."""
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def what_to_crawl(site: SampleSite) -> dict[str, list[str]]:
    """Each source's `knead crawl` options for the bundled samples on `site`."""
    states = [arg for state in site.bundled.states[:4] for arg in ("--state", state)]
    return {
        "nppes": [*states, "--api-url", site.url + NPPES_PREFIX],
        # The first 12 practice websites: each way of finding a site's pages (robots.txt, well-known
        # sitemaps, indexes, gzip, links only) twice.
        "sites": [arg for url in site.sample_urls()["sites"][:12] for arg in ("--start-url", url)],
        "roster": ["--board", "tx", "--url", site.url + SODA_PREFIX],
    }


def store_of(data_dir: Path) -> tuple[dict[str, dict], list[tuple[str, str, str]]]:
    """(published listings by id, without what differs between two crawls; (source, scope, status) of each crawl)."""
    with RecordStore(data_dir / "records.sqlite3") as store:
        listings = {row["id"]: {k: v for k, v in row.items() if k not in _VOLATILE} for row in store.listings()}
        crawls = [(c["source"], c["scope"], c["status"]) for c in store.crawls()]
    return listings, crawls


def answered(site: SampleSite) -> list[list[tuple[str, str]]]:
    """(host, path) of every request answered so far: by the sample server, then by each server of its own
    that a stand-in runs (the practice websites on 127.0.0.x)."""
    return [[(site.host, path) for _method, path in site.requests],
            *([(address, path) for address, _method, path in other.requests] for other in site._others)]


def test_registry_sites_and_roster_spread_over_two_workers_publish_what_one_crawl_does(redis_server, tmp_path):
    with SampleSite(size=SIZE) as site:
        options = what_to_crawl(site)
        single = subprocess.run([sys.executable, str(Path(__file__).with_name("one_process_crawls.py")),
                                 str(tmp_path / "single"), json.dumps(options)],
                                capture_output=True, text=True, timeout=120, env=knead_env(), stdin=subprocess.DEVNULL,
                                check=False)
        assert single.returncode == 0, single.stderr[-2000:]
        before = answered(site)
        single_pages = Counter(page for pages in before for page in pages)
        for source, args in options.items():
            seeded = knead("enqueue", source, "--redis", redis_server.url, *args, *POLITE,
                           data_dir=tmp_path / "enqueue")
            assert seeded.exit_code == 0, seeded.output
            assert f"Crawl {source!r} seeded" in seeded.stdout
        workers = [(source, start_knead("crawl", source, "--redis", redis_server.url, data_dir=tmp_path / f"w{i}"))
                   for source in options for i in (1, 2)]
        pages_by_worker = []
        for source, proc in workers:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, (source, err[-2000:])
            assert "the crawl is over" in out
            pages_by_worker.append(int(out.split("pages fetched:")[1].split()[0]))
        distributed = [page for old, new in zip(before, answered(site)) for page in new[len(old):]]
    assert {urlsplit(path).path for _, path in distributed} >= {NPPES_PREFIX, "/robots.txt"}  # every sample was crawled
    # No page twice. robots.txt alone is read twice on a host, as in one process: by one worker for its rules
    # (for all of them) and by the sites spider for its Sitemap lines, or by two crawls (registry, roster).
    twice = {page: n for page, n in Counter(distributed).items() if n > 1 and page[1] != "/robots.txt"}
    assert twice == {}
    assert Counter(distributed) == single_pages
    assert sum(pages_by_worker) == len(distributed)  # the workers' own counts agree

    publisher = tmp_path / "publisher"
    for source in options:
        published = knead("publish", "--redis", redis_server.url, "--job", source, "--no-index", data_dir=publisher)
        assert published.exit_code == 0, published.output
        assert "Published: " in published.stdout and "Index rebuilt" not in published.stdout
    assert not (publisher / "index").exists()  # --no-index: the store of record only
    listings, crawls = store_of(publisher)
    reference, reference_crawls = store_of(tmp_path / "single")
    assert {row["source"].split(":")[0] for row in reference.values()} == set(options)  # roster:tx
    assert listings == reference
    # One crawl row per source with one crawl's scope: the registry's stale marking covers the states crawled.
    assert crawls == reference_crawls
    assert [scope.count("state=") for source, scope, _ in crawls if source == "nppes"] == [4]

"""`knead crawl sites` against generated practice websites on loopback (one 127.0.0.x address per site).

One crawl of twelve sites (two of each way of finding pages: a sitemap index
or a urlset or a gzipped urlset named in robots.txt, /sitemap.xml or
/sitemap_index.xml without a `Sitemap:` line, no sitemap at all) plus an
address where nothing listens; a thirteenth site is served but not asked
for, and the last site links to it. What is checked is what a user and a
site owner would notice: the summary and exit code, what `knead search
--source sites` finds, and, from the servers' side, which paths were asked.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from knead_proc import run_knead, search_ids

from index.records.store import RecordStore
from search_cli.main import cli
from spiders.sample_site import generate
from spiders.sample_site.practice_sites import PAGES, generate_sites
from spiders.sample_site.practice_sites_server import PracticeSitesServer

DOWN = "127.0.0.250"
CRAWLED = 12


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("sites-data")
    sites = generate_sites(generate(1200, 7), count=CRAWLED + 1)
    with PracticeSitesServer(sites, down=[DOWN], latency=0.02) as server:
        args = ["crawl", "sites", "--delay", "0", "--concurrency", "1"]
        for site in sites[:CRAWLED]:
            args += ["--start-url", server.base(site) + "/"]
        args += ["--start-url", f"http://{DOWN}:{server.port}/"]
        result = run_knead(*args, data_dir=data_dir)
        found = search_ids(data_dir, "--source", "sites")
        again = run_knead("crawl", "sites", "--from-listings", "--delay", "0", data_dir=data_dir)
        requests = server.requests
        in_flight, hosts_at_once = server.max_in_flight, server.most_hosts_at_once
        port = server.port
    with RecordStore(data_dir / "records.sqlite3") as store:
        stored = {row["id"]: row for row in store.listings()}
    return {"sites": sites, "result": result, "found": found, "again": again, "requests": requests, 
            "stored": stored, "in_flight": in_flight, "hosts_at_once": hosts_at_once, "port": port,
            "data_dir": data_dir}


def _paths(crawl, site) -> list[str]:
    return [path for host, _, path in crawl["requests"] if host == site.address]


def _site(crawl, finding: str):
    return next(s for s in crawl["sites"][:CRAWLED] if s.finding == finding)


def test_the_crawl_finishes_and_publishes_every_site_it_could_reach(crawl):
    result = crawl["result"]
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    expected = sum(len(s.truth) for s in crawl["sites"][:CRAWLED])
    assert expected >= CRAWLED
    assert f"Published: {len(crawl['stored'])} found, {len(crawl['stored'])} new" in result.stdout
    assert "sites:                10 with a sitemap, 2 crawled by their links" in result.stdout
    # `knead search --source sites` finds what the crawl stored, and nothing of the site not asked for.
    assert sorted(crawl["found"]) == sorted(crawl["stored"])
    assert all(i.startswith("sites:127.0.0.") for i in crawl["found"])
    assert not [i for i in crawl["found"] if i.startswith(f"sites:{crawl['sites'][CRAWLED].address}/")]


def test_a_sitemap_index_named_in_robots_txt_is_followed_gzipped_child_too(crawl):
    site = _site(crawl, "robots-index")
    paths = _paths(crawl, site)
    assert {"/sitemap_index.xml", "/sitemap-pages.xml", "/sitemap-team.xml.gz"} <= set(paths)
    assert "/about/team/history/" in paths  # listed only in the gzipped child sitemap
    assert "/sitemap.xml" not in paths  # robots.txt named the sitemap: nothing guessed


def test_a_sitemap_line_in_robots_txt_is_read_before_any_guess(crawl):
    for finding, sitemap in (("robots-urlset", "/site-map.xml"), ("robots-gz", "/sitemap.xml.gz")):
        site = _site(crawl, finding)
        paths = _paths(crawl, site)
        assert sitemap in paths and "/sitemap.xml" not in paths and "/sitemap_index.xml" not in paths
        assert set(PAGES) - {"/private/notes/"} <= set(paths)


def test_without_a_sitemap_line_the_well_known_sitemaps_are_tried(crawl):
    urlset = _paths(crawl, _site(crawl, "well-known-urlset"))
    assert "/sitemap.xml" in urlset and "/sitemap_index.xml" not in urlset
    index = _paths(crawl, _site(crawl, "well-known-index"))
    assert index.index("/sitemap.xml") < index.index("/sitemap_index.xml") < index.index("/post-sitemap.xml")
    assert "/about/team/history/" in index
    # A sitemap path that is not there is a probe, not a failure.
    assert "sitemap.xml (HTTP 404)" not in crawl["result"].stdout


def test_without_any_sitemap_links_are_followed_two_deep(crawl):
    for site in [s for s in crawl["sites"][:CRAWLED] if s.finding == "links"]:
        paths = _paths(crawl, site)
        assert {"/", "/about/", "/about/team/", "/services/", "/contact/"} <= set(paths)
        assert "/about/team/history/" not in paths  # three links from the start page
        for truth in site.truth:  # listings two links deep are found
            assert any(i.startswith(f"sites:{site.address}{truth.page}") for i in crawl["stored"])


def test_off_site_links_are_not_followed(crawl):
    not_asked = crawl["sites"][CRAWLED]
    assert crawl["sites"][CRAWLED - 1].pages["/"].count(f"http://{not_asked.address}:") == 1
    assert _paths(crawl, not_asked) == []  # linked from a crawled site, never fetched
    assert "facebook" not in crawl["result"].stdout  # not even tried (no failure to report)
    line = next(x for x in crawl["result"].stdout.splitlines() if x.startswith("  sites:"))
    assert int(line.split(", ")[-1].split()[0]) >= 2  # "N off-site links not followed"


def test_a_path_robots_txt_disallows_is_never_fetched(crawl):
    assert not [r for r in crawl["requests"] if r[2].startswith("/private/")]
    # Linked from every home page fetched and listed in every sitemap: skipped once per site.
    assert f"skipped (robots.txt): {CRAWLED}" in crawl["result"].stdout
    assert "/private/notes/" in crawl["result"].stdout


def test_a_host_that_is_down_is_one_failure_while_the_others_finish(crawl):
    out = crawl["result"].stdout
    assert "URLs failed:          1\n" in out
    assert f"http://{DOWN}:{crawl['port']}/robots.txt ({DOWN}:{crawl['port']} unreachable: connection refused)" in out
    reached = {i.split("/")[0].removeprefix("sites:") for i in crawl["stored"]}
    with_listings = {s.address for s in crawl["sites"][:CRAWLED] if s.truth}
    assert with_listings <= reached


def test_each_host_gets_one_request_at_a_time_while_hosts_are_crawled_side_by_side(crawl):
    assert set(crawl["in_flight"].values()) == {1}
    assert crawl["hosts_at_once"] >= 2


def test_from_listings_crawls_the_websites_in_the_store(crawl):
    again = crawl["again"]
    assert again.returncode == 0, again.stdout + again.stderr[-2000:]
    n = len(crawl["stored"])
    assert f"listings stored:      {n} (0 new, 0 changed, {n} unchanged)" in again.stdout
    assert f"Published: {n} found, 0 new, 0 changed, 0 gone" in again.stdout


def test_knead_crawl_sites_needs_a_start_url_a_sitemap_or_from_listings(tmp_path):
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "crawl", "sites"])
    assert result.exit_code == 2
    assert "`knead crawl sites` needs at least one of --start-url URL, --sitemap URL or --from-listings." in result.output


def test_sitemap_options_belong_to_the_sites_source(tmp_path):
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "crawl", "amta", "--start-url", "http://127.0.0.1:9/",
                                      "--from-listings"])
    assert result.exit_code == 2
    assert "--sitemap and --from-listings are for `knead crawl sites`" in result.output


def test_from_listings_with_an_empty_store_says_what_to_do(tmp_path):
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "crawl", "sites", "--from-listings"])
    assert result.exit_code == 1
    assert "No listing in the store of record names a website" in result.output

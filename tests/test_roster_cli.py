"""The sample TX and WA rosters crawled with `knead crawl roster`, then searched as a user would.

`knead search --licensed` keeps listings a board confirms with an active
licence in their state, `--source roster:tx` the roster's own listings; the
table marks a confirmed licence and says plainly when one has expired.
Washington's rows (no address) verify licences but are never listings of
their own. Expectations come from the sample's truth (soda_sample.roster_truth).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from knead_proc import KNEAD, knead_env, run_knead, search_ids

from spiders.sample_site.soda import SodaSite
from spiders.sample_site.soda_sample import COLUMNS, roster_truth, sample_rosters

SIZE = 300  # the sample directory's size: its TX and WA therapists are the rosters' people


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("roster-data")
    with SodaSite(sample_rosters(SIZE), columns=COLUMNS) as site:
        tx = run_knead("crawl", "roster", "--board", "tx", "--url", site.url, "--delay", "0", data_dir=data_dir)
        wa = run_knead("crawl", "roster", "--board", "wa", "--url", site.url, "--delay", "0", data_dir=data_dir)
    return {"dir": data_dir, "tx": tx, "wa": wa, "truth": roster_truth(SIZE)}


def test_licensed_keeps_exactly_the_active_tx_licences(crawled):
    assert crawled["tx"].returncode == 0, crawled["tx"].stderr
    truth = [e for e in crawled["truth"] if e.board == "tx"]
    active = {e.listing_id for e in truth if e.status == "active"}
    assert 0 < len(active) < len(truth)  # expired ones exist, so the filter has something to leave out
    assert sorted(search_ids(crawled["dir"], "--licensed")) == sorted(active)
    assert sorted(search_ids(crawled["dir"], "--source", "roster:tx")) == sorted(e.listing_id for e in truth)
    listed = [e for e in truth if e.slug]
    assert listed and any(not e.slug for e in truth)  # directory therapists and licensees it does not list


def test_the_table_marks_confirmed_and_expired_licences(crawled):
    truth = [e for e in crawled["truth"] if e.board == "tx"]
    expired = next(e for e in truth if e.status == "expired")
    active = next(e for e in truth if e.status == "active")
    env = {**knead_env(), "COLUMNS": "100"}
    for entry, mark in ((expired, "! licence expired 20"), (active, "\u2713 licence confirmed by the TX board")):
        result = subprocess.run([KNEAD, "--data-dir", str(crawled["dir"]), "search", f'"{entry.name}"',
                                 "--source", "roster:tx", "--format", "table"],
                                capture_output=True, text=True, env=env, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        block = result.stdout.split(entry.listing_id)[0].split("\n\n")[-1]
        assert mark in block, result.stdout


def test_washington_rows_verify_but_are_not_listings(crawled):
    wa = crawled["wa"]
    assert wa.returncode == 0, wa.stderr
    n = sum(1 for e in crawled["truth"] if e.board == "wa")
    assert f"verification only:    {n} (no address" in wa.stdout
    assert f"listings stored:      {n} ({n} new" in wa.stdout
    found = json.loads(run_knead("search", "--all", "--format", "json", data_dir=crawled["dir"]).stdout)
    assert not [r for r in found["results"] if r["source"] == "roster:wa"]
    status = json.loads(run_knead("status", "--format", "json", data_dir=crawled["dir"]).stdout)
    assert {s["source"]: s["listings"] for s in status["sources"]}["roster"] == n + len(
        [e for e in crawled["truth"] if e.board == "tx"])
    assert {s["source"]: s.get("verification_only") for s in status["sources"]}["roster"] == n
    text = run_knead("status", "--format", "text", data_dir=crawled["dir"]).stdout
    assert f"{n} of them verification only" in text


def test_licensed_is_in_the_json_filters_and_the_help(crawled):
    found = json.loads(run_knead("search", "--licensed", "--limit", "1", "--format", "json",
                                 data_dir=crawled["dir"]).stdout)
    assert found["filters"] == {"licensed": True}
    record = found["results"][0]["licenses"][0]
    assert record["source"] == "roster:tx" and record["status"] == "active" and record["disciplined"] is False
    assert "--licensed" in run_knead("search", "--help", data_dir=crawled["dir"]).stdout



def test_the_bundled_sample_server_serves_both_rosters_to_the_crawl(tmp_path):
    from spiders.sample_site.server import SampleSite

    with SampleSite(size=SIZE) as site:
        result = run_knead("crawl", "roster", "--board", "tx", "--url", f"{site.url}/soda", "--delay", "0",
                           data_dir=tmp_path)
        missing = run_knead("crawl", "roster", "--board", "il", "--url", f"{site.url}/soda", "--delay", "0",
                            data_dir=tmp_path)
    n = sum(1 for e in roster_truth(SIZE) if e.board == "tx")
    assert result.returncode == 0, result.stderr
    assert f"roster rows:          {n} read, as the portal counted" in result.stdout
    # A board the sample has no roster for: the portal's 404, named, and nothing published.
    assert missing.returncode == 1 and "HTTP 404" in missing.stdout


def test_knead_show_says_what_the_board_says(crawled):
    expired = next(e for e in crawled["truth"] if e.board == "tx" and e.status == "expired")
    shown = run_knead("show", expired.listing_id, "--format", "text", data_dir=crawled["dir"])
    assert shown.returncode == 0, shown.stderr
    assert f"TX {expired.key} (roster:tx, expired 20" in shown.stdout

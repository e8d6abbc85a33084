"""`knead crawl nppes` (and `scrapy crawl nppes`) against the registry stand-in on 127.0.0.1.

The stand-in (spiders.sample_site.registry) keeps the API's caps (200 a call,
skip at most 1,000) and answers `Errors` as the registry does. What a user
sees is checked: the summary, the exit code, what `knead search` then finds,
and what the store of record holds; and, from the server's side, what was
asked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from knead_proc import run_knead, search_ids

from index.records.store import RecordStore
from spiders.sample_site.registry import STATE_ONLY, RegistrySite, generate_registry

REPO = Path(__file__).resolve().parents[1]


def _location(record: dict) -> dict:
    return next(a for a in record["addresses"] if a["address_purpose"] == "LOCATION")


def _expected(records: list[dict], state: str) -> dict[str, dict]:
    """The records a crawl of `state` must store: located there, active, with a massage taxonomy."""
    return {
        f"nppes:{r['number']}": r for r in records
        if _location(r)["state"] == state and r["basic"]["status"] != "D"
        and any(t["code"] == "225700000X" for t in r["taxonomies"])
    }


def _stored(data_dir: Path) -> dict[str, dict]:
    with RecordStore(data_dir / "records.sqlite3") as store:
        return {row["id"]: row for row in store.listings()}


@pytest.fixture(scope="module")
def connecticut(tmp_path_factory):
    """One crawl of a 3,000-record state (the API's cap is 1,200 a query), then one of another state."""
    data_dir = tmp_path_factory.mktemp("nppes-data")
    records = generate_registry({"CT": 3000, "RI": 40}, seed=11)
    with RegistrySite(records) as site:
        result = run_knead("crawl", "nppes", "--state", "CT", "--api-url", site.api_url, "--delay", "0",
                           data_dir=data_dir)
        requests = site.requests
        stored = _stored(data_dir)
        found = search_ids(data_dir, "--state", "CT")
        other = run_knead("crawl", "nppes", "--state", "RI", "--api-url", site.api_url, "--delay", "0",
                          data_dir=data_dir)
        after_other = _stored(data_dir)
    return {"records": records, "result": result, "requests": requests, "stored": stored, "found": found,
            "other": other, "after_other": after_other, "expected": _expected(records, "CT")}


def test_an_area_of_3000_records_comes_back_whole_none_twice(connecticut):
    result, expected = connecticut["result"], connecticut["expected"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(expected) > 2500
    n = len(expected)
    assert f"listings stored:      {n} ({n} new, 0 changed, 0 unchanged)" in result.stdout
    assert "duplicate" not in result.stdout
    assert set(connecticut["stored"]) == set(expected)
    # Published and searchable.
    assert sorted(connecticut["found"]) == sorted(expected)
    assert f"Index rebuilt: {n} therapists and practices people can find now" in result.stdout


def test_capped_queries_are_split_and_no_page_is_asked_twice(connecticut):
    queries = [dict(parse_qsl(urlsplit(path).query)) for path in connecticut["requests"] if path.startswith("/api/")]
    assert not [p for p, n in Counter(connecticut["requests"]).items() if n > 1]
    assert all(int(q["limit"]) <= 200 and int(q["skip"]) <= 1000 for q in queries)
    assert all(q["taxonomy_description"] == "Massage Therapist" and q["state"] == "CT" for q in queries)
    state_pages = [q for q in queries if "postal_code" not in q]
    assert sorted(int(q["skip"]) for q in state_pages) == [0, 1000]  # the first and the last page: capped
    prefixes = {q["postal_code"] for q in queries if "postal_code" in q}
    assert prefixes and all(len(p) == 4 and p.startswith("06") and p.endswith("*") for p in prefixes)


def test_deactivated_and_non_massage_records_are_counted_and_left_out(connecticut):
    ct = [r for r in connecticut["records"] if _location(r)["state"] == "CT"]
    deactivated = [r for r in ct if r["basic"]["status"] == "D"]
    not_massage = [r for r in ct if not any(t["code"] == "225700000X" for t in r["taxonomies"])]
    assert deactivated and not_massage
    line = f"listings dropped:     {len(deactivated)} deactivated, {len(not_massage)} not massage"
    assert line in connecticut["result"].stdout
    assert not {f"nppes:{r['number']}" for r in deactivated + not_massage} & set(connecticut["stored"])


def test_an_organisation_becomes_a_practice_listing(connecticut):
    organisation = next(r for r in connecticut["expected"].values() if r["enumeration_type"] == "NPI-2")
    listing = connecticut["stored"][f"nppes:{organisation['number']}"]
    legal = organisation["basic"]["organization_name"]
    assert listing["practice"] is True and listing["npi"] == organisation["number"]
    assert listing["name"] == listing["business"] and listing["name"].upper() == legal
    assert listing["name"] != legal  # no longer all capitals
    assert listing["gender"] is None and listing["licenses"] == []
    person = next(iter(connecticut["expected"]))
    assert connecticut["stored"][person]["practice"] is False


def _person(connecticut, last_name: str) -> tuple[dict, dict]:
    record = next(r for r in connecticut["expected"].values()
                  if r["enumeration_type"] == "NPI-1" and r["basic"]["last_name"] == last_name
                  and r["basic"]["middle_name"] and len(_location(r)["postal_code"]) == 9
                  and _location(r)["address_2"])
    return record, connecticut["stored"][f"nppes:{record['number']}"]


@pytest.mark.parametrize(("last_name", "written"), [("MCDONALD", "McDonald"), ("O'NEIL", "O'Neil")])
def test_a_registry_record_is_mapped_as_people_write_it(connecticut, last_name, written):
    record, listing = _person(connecticut, last_name)
    basic, where = record["basic"], _location(record)
    first = basic["first_name"].capitalize()
    assert listing["name"] == f"{first} {basic['middle_name']}. {written}"
    # The LOCATION address, never the MAILING one (a PO box), its ZIP+4 cut to 5 digits.
    assert listing["zip"] == where["postal_code"][:5]
    assert listing["street"].upper() == f"{where['address_1']}, {where['address_2']}"
    assert "PO Box" not in listing["address_raw"] and listing["city"].upper() == where["city"]
    assert listing["lat"] is not None
    assert listing["phone"] == "+1" + where["telephone_number"].replace("-", "")
    assert listing["npi"] == record["number"]
    assert listing["url"] == f"https://npiregistry.cms.hhs.gov/provider-view/{record['number']}"
    assert listing["profile_updated"] == basic["last_updated"]


def test_every_massage_licence_with_its_state_and_no_other_licence(connecticut):
    def massage(record):
        return [t for t in record["taxonomies"] if t["code"] == "225700000X"]

    two_states = [r for r in connecticut["expected"].values() if len(massage(r)) == 2]
    with_other = [r for r in connecticut["expected"].values() if len(r["taxonomies"]) > len(massage(r))]
    assert two_states and with_other
    for record in two_states + with_other:
        listing = connecticut["stored"][f"nppes:{record['number']}"]
        assert sorted((x["state"], x["number"], x["source"]) for x in listing["licenses"]) == sorted(
            (t["state"], t["license"], "nppes") for t in massage(record) if t["license"])


def test_a_crawl_of_another_state_leaves_the_first_ones_listings_alone(connecticut):
    other = connecticut["other"]
    assert other.returncode == 0, other.stderr[-3000:]
    after = connecticut["after_other"]
    assert set(connecticut["expected"]) | set(_expected(connecticut["records"], "RI")) == set(after)
    assert not [i for i in connecticut["expected"] if after[i].get("stale_since")]


def test_each_error_answer_is_named_in_the_summary_and_holds_the_crawl(tmp_path):
    records = generate_registry({"CT": 1500}, seed=5)
    errors = {"postal_code=063*": "Database temporarily unavailable", "postal_code=066*": "Too many requests"}
    with RegistrySite(records, errors=errors) as site:
        result = run_knead("crawl", "nppes", "--state", "CT", "--api-url", site.api_url, "--delay", "0",
                           data_dir=tmp_path)
    assert result.returncode == 1
    assert "error answers:        1 'Database temporarily unavailable (postal_code)', " \
           "1 'Too many requests (postal_code)'" in result.stdout
    assert "postal_code=063*&limit=200&skip=0 (registry error: Database temporarily unavailable" in result.stdout
    assert "The crawl was not published" in result.stderr and "pages failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_query_is_named_and_nothing_is_published(tmp_path):
    records = generate_registry({"RI": 30}, seed=5)
    with RegistrySite(records, errors={"state=RI": STATE_ONLY}) as site:
        result = run_knead("crawl", "nppes", "--state", "RI", "--api-url", site.api_url, "--delay", "0",
                           data_dir=tmp_path)
    assert result.returncode == 1
    assert f"error answers:        1 '{STATE_ONLY}'" in result.stdout
    assert "Error: The crawl stored no listings; the index was left as it was." in result.stderr
    assert "Traceback" not in result.stderr


def test_a_zip_past_the_cap_that_cannot_be_narrowed_is_reported(tmp_path):
    records = generate_registry({"RI": 1500}, seed=5, only_zips={"RI": ["02903"]})
    with RegistrySite(records) as site:
        result = run_knead("crawl", "nppes", "--zip", "02903", "--api-url", site.api_url, "--delay", "0",
                           data_dir=tmp_path)
        asked = [dict(parse_qsl(urlsplit(p).query)) for p in site.requests if p.startswith("/api/")]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "queries capped:       1 answered more records than the source returns" in result.stdout
    # ZIP, then (one city only) individuals and organisations: every organisation is found.
    assert {q.get("enumeration_type") for q in asked} == {None, "NPI-1", "NPI-2"}
    # Individuals alone still pass the cap: every page the API serves is read, each once.
    individuals = [int(q["skip"]) for q in asked if q.get("enumeration_type") == "NPI-1"]
    assert sorted(individuals) == [0, 200, 400, 600, 800, 1000]
    organisations = {i for i, r in _expected(records, "RI").items() if r["enumeration_type"] == "NPI-2"}
    assert organisations and organisations <= set(_stored(tmp_path))


def test_scrapy_crawl_nppes_with_spider_arguments(tmp_path):
    records = generate_registry({"RI": 60}, seed=9)
    with RegistrySite(records) as site:
        env = {**os.environ, "KNEAD_DATA_DIR": str(tmp_path)}
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "nppes", "-a", "state=RI", "-a", f"api_url={site.api_url}",
             "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Published crawl 1:" in result.stderr
    assert sorted(search_ids(tmp_path)) == sorted(_expected(records, "RI"))
    # The crawl's scope is the area asked for: stale marking compares it only with crawls of RI.
    status = json.loads(run_knead("status", "--format", "json", data_dir=tmp_path).stdout)
    assert status["sources"][0]["latest"]["scope"] == (
        "nppes 127.0.0.1/api/?version=2.1&taxonomy_description=Massage+Therapist&state=RI")


@pytest.mark.parametrize(("args", "message"), [
    (["nppes"], 'Error: `knead crawl nppes` needs an area: --state CT, --zip 06103 or --city "Hartford, CT".'),
    (["--state", "CT"], "Error: --state, --zip, --city and --api-url are for `knead crawl nppes`"),
    (["amta", "--start-url", "http://127.0.0.1:9/", "--zip", "06103"], "are for `knead crawl nppes`"),
    (["nppes", "--state", "CT", "--start-url", "http://127.0.0.1:9/"],
     "Error: `knead crawl nppes` takes areas (--state, --zip, --city), not --start-url."),
    (["nppes", "--state", "Conecticut"], "'Conecticut' is not a US state; did you mean 'Connecticut'?"),
    (["nppes", "--city", "Hartfrod, CT"], "No US city named 'Hartfrod, CT'. Did you mean 'Hartford, CT'?"),
    (["nppes", "--city", "Hartford"], "'Hartford' is not \"NAME, ST\" (for example \"Hartford, CT\")."),
    (["nppes", "--zip", "0610"], "'0610' is not a 5-digit ZIP code (for example 06103)."),
    (["nppes", "--zip", "00000"], "ZIP code '00000' does not exist."),
    (["nppes", "--state", "CT", "--api-url", "file:///etc/passwd"], "'file:///etc/passwd' is not an http(s) URL"),
])
def test_area_options_are_checked_before_anything_is_fetched(tmp_path, args, message):
    from click.testing import CliRunner

    from search_cli.main import cli

    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "crawl", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "records.sqlite3").exists()
